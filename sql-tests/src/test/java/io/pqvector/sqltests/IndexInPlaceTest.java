package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.lit;
import static io.pqvector.sqltests.IvfFixtures.run;
import static io.pqvector.sqltests.IvfFixtures.stats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.format.IvfIndex;
import io.pqvector.format.IvfIndexFormat;
import io.pqvector.format.IvfIndexReader;
import io.pqvector.ivf.BuildReport;
import io.pqvector.parquet.LocalCodecFactory;
import io.pqvector.parquet.appendix.ParquetAppendix;
import io.pqvector.vector.Metric;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After indexing, DuckDB and parquet-mr read every row and value exactly as before; re-indexing
 * keeps the file's size bounded; rows whose vector is NULL or empty are in no list, and NULL
 * vectors are still found (NULL distance, last) by exact search and by an indexed query whose
 * LIMIT exceeds the indexed rows.
 */
class IndexInPlaceTest {
  static final int ROWS = 9000;
  static final int DIM = 16;
  static final String KEY = IvfIndexFormat.footerKey("emb");

  @TempDir Path dir;

  /** SNAPPY, 5 row groups, scalar columns with NULLs, NULL and empty vectors. */
  Path writeFile() throws SQLException {
    Path file = dir.resolve("docs.parquet");
    Fixtures.duck("COPY (SELECT i::BIGINT AS id,"
        + " CASE WHEN i % 13 = 0 THEN NULL ELSE 'name ' || i END AS name,"
        + " (i * 0.25)::DOUBLE AS score, i % 3 = 0 AS flag,"
        + " DATE '2020-01-01' + (i % 1000)::INTEGER AS day,"
        + " CASE WHEN i % 53 = 0 THEN NULL WHEN i % 71 = 1 THEN []::FLOAT[]"
        + " ELSE " + IvfFixtures.clustered("i", "(i % 17)", DIM, 5, 0.25) + "::FLOAT[] END AS emb"
        + " FROM range(" + ROWS + ") t(i))"
        + " TO " + lit(file) + " (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 2000)");
    return file;
  }

  /** MD5 of every row (all columns, file order) as DuckDB renders it, and the row count. */
  static String duckChecksum(Path file) throws SQLException {
    List<List<Object>> r = Fixtures.query(Fixtures.duckdb(), "SELECT COUNT(*),"
        + " md5(string_agg(t::VARCHAR, chr(10) ORDER BY file_row_number)),"
        + " count(DISTINCT file_row_number), sum(len(emb))"
        + " FROM read_parquet(" + lit(file) + ", file_row_number = true) t");
    return r.get(0).toString();
  }

  /** SHA-256 of every record as parquet-mr's example Group model prints it, in file order. */
  static String parquetMrChecksum(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    long records = 0;
    try (ParquetReader<Group> reader = new ParquetReader.Builder<Group>(
        new LocalInputFile(file), new PlainParquetConfiguration()) {
          @Override protected ReadSupport<Group> getReadSupport() {
            return new GroupReadSupport();
          }
        }.withCodecFactory(new LocalCodecFactory(file)).build()) {
      Group g;
      while ((g = reader.read()) != null) {
        md.update(g.toString().getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        records++;
      }
    }
    return records + ":" + HexFormat.of().formatHex(md.digest());
  }

  /** The footer's length (the 4 bytes before the closing magic). */
  static int footerLength(Path file) throws Exception {
    byte[] all = Files.readAllBytes(file);
    return ByteBuffer.wrap(all, all.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  @Test void everyRowAndValueReadsTheSameAfterIndexingAndReindexing() throws Exception {
    Path file = writeFile();
    String duckBefore = duckChecksum(file);
    String mrBefore = parquetMrChecksum(file);
    assertTrue(duckBefore.startsWith("[" + ROWS + ", "), duckBefore);
    assertTrue(mrBefore.startsWith(ROWS + ":"), mrBefore);
    long original = Files.size(file);
    int footer = footerLength(file);

    BuildReport first = IvfIndexBuilder().build();
    assertEquals(duckBefore, duckChecksum(file));
    assertEquals(mrBefore, parquetMrChecksum(file));
    assertTrue(Files.size(file) > original);

    // Re-indexing (other seeds, so the payload changes too, and its size a little) keeps the
    // size within three payloads and a few footers of the original: a payload a few bytes larger
    // than the dead space below the live one is appended (three payloads in the file), and the
    // next write fits below and truncates. Ten re-indexes, so a growing file would show.
    int largest = first.indexBytes();
    for (int i = 0; i < 10; i++) {
      BuildReport r = IvfIndexBuilder().seed(100 + i).build();
      largest = Math.max(largest, r.indexBytes());
      long bound = original + 3L * largest + 4L * (footer + 256) + 4096;
      long size = Files.size(file);
      assertTrue(size <= bound, "after re-index " + i + ": " + size + " bytes; original "
          + original + ", index " + r.indexBytes() + ", footer " + footer);
    }
    assertEquals(duckBefore, duckChecksum(file));
    assertEquals(mrBefore, parquetMrChecksum(file));
  }

  private io.pqvector.ivf.IvfIndexBuilder IvfIndexBuilder() {
    return io.pqvector.ivf.IvfIndexBuilder.forFile(dir.resolve("docs.parquet")).column("emb")
        .metric(Metric.L2);
  }

  @Test void nullAndEmptyVectorsAreInNoListButNullsAreStillFound() throws Exception {
    Path file = writeFile();
    Set<Long> nulls = new HashSet<>();
    Set<Long> empties = new HashSet<>();
    for (List<Object> r : Fixtures.query(Fixtures.duckdb(), "SELECT id, emb IS NULL"
        + " FROM read_parquet(" + lit(file) + ") WHERE emb IS NULL OR len(emb) = 0")) {
      ((Boolean) r.get(1) ? nulls : empties).add(((Number) r.get(0)).longValue());
    }
    assertTrue(nulls.size() > 100 && empties.size() > 100, nulls.size() + " " + empties.size());
    int vectors = ROWS - nulls.size() - empties.size();

    BuildReport report = IvfIndexBuilder().build();
    assertEquals(ROWS, report.rows());
    assertEquals(vectors, report.indexed());
    IvfIndex index = IvfIndexReader.parse(ParquetAppendix.read(file, KEY));
    assertEquals(vectors, index.header().indexedCount());
    Set<Integer> listed = new HashSet<>();
    for (int l = 0; l < index.listCount(); l++) {
      for (int row : index.listRowIds(l)) {
        assertTrue(listed.add(row), "row " + row + " in two lists");
        // Row ids are file rows; id = row here.
        assertTrue(!nulls.contains((long) row) && !empties.contains((long) row), "row " + row);
      }
    }
    assertEquals(vectors, listed.size());

    float[] q = IvfFixtures.vectorOf(file, "emb", 42);
    // Empty vectors have no distance to a 16-dimension query: leave them out with the filter.
    String sql = "SELECT id, array_distance(emb, ?) AS d FROM docs"
        + " WHERE emb IS NULL OR CARDINALITY(emb) > 0 ORDER BY d LIMIT ?";
    try (Connection indexed = Fixtures.pqvector(dir);
        Connection exact = Fixtures.pqvector(dir, ";useIndex=false");
        PreparedStatement viaIndex = indexed.prepareStatement(sql);
        PreparedStatement scan = exact.prepareStatement(sql)) {
      // A LIMIT within the indexed rows: through the index.
      List<List<Object>> top = run(viaIndex, q, 10);
      assertEquals(1, stats().indexedFiles(), stats()::toString);
      assertEquals(run(scan, q, 10), top);
      assertEquals(42L, top.get(0).get(0));

      // A LIMIT beyond them: every vector ranked, then the NULL-vector rows, in both.
      List<List<Object>> all = run(scan, q, ROWS);
      assertEquals(vectors + nulls.size(), all.size());
      List<List<Object>> allIndexed = run(viaIndex, q, ROWS);
      assertEquals(all, allIndexed);
      Set<Long> tail = new HashSet<>();
      for (List<Object> r : all.subList(vectors, all.size())) {
        assertNull(r.get(1), r.toString());
        tail.add(((Number) r.get(0)).longValue());
      }
      assertEquals(nulls, tail);

      // Without the filter an empty vector is an error (as in DuckDB), through either path,
      // once the search reaches it.
      String unfiltered = "SELECT id, array_distance(emb, ?) AS d FROM docs ORDER BY d LIMIT ?";
      try (PreparedStatement a = indexed.prepareStatement(unfiltered);
          PreparedStatement b = exact.prepareStatement(unfiltered)) {
        SQLException viaA = assertThrows(SQLException.class, () -> run(a, q, ROWS));
        SQLException viaB = assertThrows(SQLException.class, () -> run(b, q, ROWS));
        for (SQLException e : new SQLException[] {viaA, viaB}) {
          assertTrue(String.valueOf(e.getMessage()).contains("the query vector has " + DIM
              + " dimensions and column emb has 0"), e.getMessage());
          assertEquals("22000", e.getSQLState(), e.getMessage());
        }
      }
    }
  }
}
