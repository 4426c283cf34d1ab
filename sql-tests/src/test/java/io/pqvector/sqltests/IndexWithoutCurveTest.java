package io.pqvector.sqltests;

import static io.pqvector.sqltests.IvfFixtures.explain;
import static io.pqvector.sqltests.IvfFixtures.ids;
import static io.pqvector.sqltests.IvfFixtures.run;
import static io.pqvector.sqltests.IvfFixtures.stats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.format.IvfIndex;
import io.pqvector.format.IvfIndexFormat;
import io.pqvector.format.IvfIndexReader;
import io.pqvector.format.IvfIndexWriter;
import io.pqvector.ivf.BuildReport;
import io.pqvector.ivf.IvfProbe;
import io.pqvector.parquet.appendix.ParquetAppendix;
import io.pqvector.vector.Metric;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index of format 1.0 (no recall curve), as every file indexed before 1.1 carries, still
 * answers: a default connection probes the formula's nprobe, an explicit one is honoured, and
 * EXPLAIN says the index has no curve.
 */
class IndexWithoutCurveTest {
  @TempDir Path dir;

  @Test void aVersionOneZeroIndexUsesTheFormula() throws Exception {
    Path docs = IvfFixtures.writeClustered(dir.resolve("docs.parquet"), 20_000, 32, 120, 0, 3,
        "emb");
    BuildReport built = IvfFixtures.index(docs, "emb", Metric.L2);
    String key = IvfIndexFormat.footerKey("emb");
    IvfIndex withCurve = IvfIndexReader.parse(ParquetAppendix.read(docs, key));
    assertTrue(withCurve.recallCurve().isPresent());
    int[][] lists = new int[withCurve.listCount()][];
    for (int l = 0; l < lists.length; l++) {
      lists[l] = withCurve.listRowIds(l);
    }
    // The same index as the 1.0 code wrote it: no curve, minor version 0.
    byte[] oneZero = IvfIndexWriter.write(withCurve.header(), withCurve.centroids(), lists,
        withCurve.pageLocations().orElse(null));
    assertEquals(0, ByteBuffer.wrap(oneZero).order(ByteOrder.LITTLE_ENDIAN).getShort(10));
    ParquetAppendix.write(docs, key, oneZero);
    assertTrue(IvfIndexReader.parse(ParquetAppendix.read(docs, key)).recallCurve().isEmpty());

    int formula = IvfProbe.defaultNprobe(built.lists());
    String sql = "SELECT id FROM docs ORDER BY array_distance(emb, ?) LIMIT 10";
    float[] q = IvfFixtures.vectorOf(docs, "emb", 4242);
    try (Connection c = Fixtures.pqvector(dir)) {
      String plan = explain(c, sql, (Object) q);
      assertTrue(plan.contains("IvfTopK("), plan);
      assertTrue(plan.contains("nprobe=[" + formula + "]"), plan);
      assertTrue(plan.contains("expectedRecall=[unknown (no curve in the index)]"), plan);
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        List<Long> got = ids(run(ps, (Object) q));
        assertEquals(10, got.size());
        assertEquals(4242L, got.get(0), "the query's own row is its nearest");
      }
      assertEquals(1, stats().indexedFiles(), stats()::toString);
      assertEquals(formula, stats().listsProbed(), stats()::toString);
    }
    try (Connection c = Fixtures.pqvector(dir, ";nprobe=3")) {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        run(ps, (Object) q);
      }
      assertEquals(3, stats().listsProbed(), stats()::toString);
    }
  }
}
