package io.pqvector.sqltests;

import static io.pqvector.sqltests.IvfFixtures.explain;
import static io.pqvector.sqltests.IvfFixtures.run;
import static io.pqvector.sqltests.IvfFixtures.stats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.calcite.search.SearchStats;
import io.pqvector.format.IvfIndexFormat;
import io.pqvector.parquet.appendix.ParquetAppendix;
import io.pqvector.parquet.ParquetFiles;
import io.pqvector.vector.Metric;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory table whose files are in every index state at once: indexed, not indexed, a stale
 * index and a corrupt one. Each file is searched its own way and the answer is the exact answer
 * over the union; the plan and the counters say which files fell back; files added or re-indexed
 * while the connection is open are picked up.
 */
class ManyFilesTest {
  static final int ROWS = 6000;
  static final String KEY = IvfIndexFormat.footerKey("emb");

  @TempDir Path root;

  static Path write(Path file, long idBase, int salt, int rows) throws Exception {
    return IvfFixtures.writeClustered(file, rows, 32, 40, idBase, salt, "emb");
  }

  /** The [offset, length] of the payload under {@code KEY}, from the footer entry. */
  static long[] payloadRange(Path file) throws Exception {
    String value = ParquetFiles.readFooter(file).getFileMetaData().getKeyValueMetaData().get(KEY);
    assertNotNull(value, file + " has no " + KEY);
    String[] parts = value.split(":");
    return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
  }

  /** Runs a top-10 query on both connections; asserts equal rows; returns the indexed stats. */
  static SearchStats assertExact(Connection indexed, Connection exact, float[] q)
      throws Exception {
    String sql = "SELECT id, array_distance(emb, ?) AS d FROM docs ORDER BY d LIMIT 10";
    List<List<Object>> truth;
    try (PreparedStatement ps = exact.prepareStatement(sql)) {
      truth = run(ps, q);
    }
    List<List<Object>> got;
    try (PreparedStatement ps = indexed.prepareStatement(sql)) {
      got = run(ps, q);
    }
    SearchStats s = stats();
    assertEquals(10, truth.size());
    assertEquals(truth, got, s::toString);
    return s;
  }

  @Test void everyIndexStateInOneTable() throws Exception {
    Path docs = Files.createDirectories(root.resolve("docs"));
    Path a = write(docs.resolve("a.parquet"), 0, 11, ROWS);
    Path b = write(docs.resolve("b.parquet"), 100_000, 12, ROWS);
    Path c = write(docs.resolve("c.parquet"), 200_000, 13, ROWS);
    Path d = write(docs.resolve("d.parquet"), 300_000, 14, ROWS);
    IvfFixtures.index(a, "emb", Metric.L2);

    // Stale: a pipeline rewrites c.parquet under the same name (new data, one row fewer) and
    // carries the old footer key-value over. To build that without a second writer, index the
    // old c, keep its payload, let DuckDB write the new c, and store the old payload into the new
    // file with ParquetAppendix (as the index builder does). The payload is intact (its CRC and
    // format checks pass) but its data fingerprint and row count are the old file's.
    IvfFixtures.index(c, "emb", Metric.L2);
    byte[] oldIndex = ParquetAppendix.read(c, KEY);
    write(c, 200_000, 23, ROWS - 1);
    assertFalse(ParquetFiles.readFooter(c).getFileMetaData().getKeyValueMetaData()
        .containsKey(KEY));
    ParquetAppendix.write(c, KEY, oldIndex);
    assertArrayEquals(oldIndex, ParquetAppendix.read(c, KEY));

    // Corrupt: one byte in the middle of d's payload flipped.
    IvfFixtures.index(d, "emb", Metric.L2);
    long[] range = payloadRange(d);
    try (RandomAccessFile f = new RandomAccessFile(d.toFile(), "rw")) {
      long at = range[0] + range[1] / 2;
      f.seek(at);
      int v = f.read();
      f.seek(at);
      f.write(v ^ 0x40);
    }

    List<Long> sources = List.of(17L, 100_017L, 200_017L, 300_017L);
    List<float[]> qs = new java.util.ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      qs.add(IvfFixtures.nudge(IvfFixtures.vectorOf(new Path[] {a, b, c, d}[i], "emb",
          sources.get(i)), 0.05, i));
    }

    try (Connection indexed = Fixtures.pqvector(root);
        Connection exact = Fixtures.pqvector(root, ";useIndex=false")) {
      String plan = explain(indexed, "SELECT id FROM docs ORDER BY array_distance(emb, ?)"
          + " LIMIT 10", qs.get(0));
      assertTrue(plan.contains("IvfTopK("), plan);
      assertTrue(plan.contains("indexedFiles=[1/4]"), plan);
      assertTrue(plan.contains("exactFallback=["), plan);
      String fallback = plan.substring(plan.indexOf("exactFallback=["));
      assertTrue(fallback.contains(c + ": index of column emb was built for other data"),
          fallback);
      assertTrue(fallback.contains(d + ": index of column emb is unreadable"), fallback);
      assertFalse(fallback.contains(a.toString()), fallback);
      assertFalse(fallback.contains(b.toString()), fallback);

      for (int i = 0; i < qs.size(); i++) {
        SearchStats s = assertExact(indexed, exact, qs.get(i));
        assertEquals(1, s.indexedFiles(), s::toString);
        assertEquals(3, s.exactFiles(), s::toString);
        // Three files scanned whole, one through a few lists.
        assertTrue(s.rowsScored() >= 3L * ROWS - 1 && s.rowsScored() < 4L * ROWS - 1,
            s::toString);
      }

      // A new, indexed file while the connection is open: its rows are found, through its index.
      Path e = write(docs.resolve("e.parquet"), 400_000, 15, ROWS);
      IvfFixtures.index(e, "emb", Metric.L2);
      float[] fromE = IvfFixtures.vectorOf(e, "emb", 400_123L);
      List<List<Object>> top;
      try (PreparedStatement ps = indexed.prepareStatement(
          "SELECT id FROM docs ORDER BY array_distance(emb, ?) LIMIT 1")) {
        top = run(ps, fromE);
      }
      assertEquals(List.of(List.of(400_123L)), top);
      SearchStats s = assertExact(indexed, exact, fromE);
      assertEquals(2, s.indexedFiles(), s::toString);
      assertEquals(3, s.exactFiles(), s::toString);
      assertTrue(explain(indexed, "SELECT id FROM docs ORDER BY array_distance(emb, ?) LIMIT 10",
          fromE).contains("indexedFiles=[2/5]"));

      // Indexing b and re-indexing the stale c while the connection is open.
      IvfFixtures.index(b, "emb", Metric.L2);
      s = assertExact(indexed, exact, qs.get(1));
      assertEquals(3, s.indexedFiles(), s::toString);
      assertEquals(2, s.exactFiles(), s::toString);
      IvfFixtures.index(c, "emb", Metric.L2);
      s = assertExact(indexed, exact, qs.get(2));
      assertEquals(4, s.indexedFiles(), s::toString);
      assertEquals(1, s.exactFiles(), s::toString);
      plan = explain(indexed, "SELECT id FROM docs ORDER BY array_distance(emb, ?) LIMIT 10",
          qs.get(2));
      assertTrue(plan.contains("indexedFiles=[4/5]"), plan);
      assertFalse(plan.contains(c.toString()), plan);
      assertTrue(plan.contains(d.toString()), plan);
      for (float[] q : qs) {
        assertExact(indexed, exact, q);
      }
    }
  }
}
