package io.pqvector.sqltests;

import static io.pqvector.sqltests.IvfFixtures.ids;
import static io.pqvector.sqltests.IvfFixtures.run;
import static io.pqvector.sqltests.IvfFixtures.stats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.calcite.search.SearchStats;
import io.pqvector.ivf.BuildReport;
import io.pqvector.ivf.IvfProbe;
import io.pqvector.vector.Metric;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A WHERE clause under an indexed top-k must not lose rows: the search probes further while
 * fewer than k rows pass, or scores just the passing rows when that is cheaper, so the result
 * has min(k, matching) rows and they are the exact answer's rows. 20,000 rows, 32 dimensions,
 * 120 clusters; cat = id % 50 (400 rows each, unrelated to the clusters); tag = 'rare' on 7 rows.
 */
class FilteredIvfTest {
  static final int ROWS = 20_000;
  static final int RARE = 7;

  @TempDir static Path dir;
  static Path docs;
  static BuildReport report;
  static Connection indexed;
  static Connection exact;
  static final List<float[]> QUERIES = new ArrayList<>();
  /** The cluster of each query's source row. */
  static final List<Integer> CLUSTERS = new ArrayList<>();

  @BeforeAll static void setUp() throws Exception {
    QUERIES.clear(); // FilteredIvfCachedTest runs this class's tests again
    CLUSTERS.clear();
    docs = IvfFixtures.writeClustered(dir.resolve("docs.parquet"), ROWS, 32, 120, 0, 3, "emb");
    report = IvfFixtures.index(docs, "emb", Metric.L2);
    indexed = Fixtures.pqvector(dir);
    exact = Fixtures.pqvector(dir, ";useIndex=false");
    List<Long> rows = new ArrayList<>();
    for (int q = 0; q < 6; q++) {
      rows.add(3331L * q + 101);
    }
    List<float[]> vectors = IvfFixtures.vectorsOf(docs, "emb", rows);
    for (int q = 0; q < rows.size(); q++) {
      QUERIES.add(IvfFixtures.nudge(vectors.get(q), 0.05, 100 + q));
      CLUSTERS.add(((Number) Fixtures.query(indexed, "SELECT cluster FROM docs WHERE id = "
          + rows.get(q)).get(0).get(0)).intValue());
    }
    assertEquals(List.of(List.of((long) RARE)),
        Fixtures.query(exact, "SELECT COUNT(*) FROM docs WHERE tag = 'rare'"));
  }

  @AfterAll static void tearDown() throws Exception {
    for (Connection c : new Connection[] {indexed, exact}) {
      if (c != null) {
        c.close();
      }
    }
  }

  /**
   * Runs {@code sql} on both connections and asserts the same rows (id and distance), and that
   * the indexed run went through the index. The indexed run is the last, so {@link
   * IvfFixtures#stats()} gives its counters afterwards.
   */
  static List<List<Object>> assertSameAsExact(String sql, int expectedRows, Object... params)
      throws Exception {
    List<List<Object>> truth;
    try (PreparedStatement ps = exact.prepareStatement(sql)) {
      truth = run(ps, params);
    }
    List<List<Object>> got;
    try (PreparedStatement ps = indexed.prepareStatement(sql)) {
      got = run(ps, params);
    }
    SearchStats s = stats();
    assertEquals(expectedRows, truth.size(), sql);
    assertEquals(expectedRows, got.size(), () -> sql + " " + s);
    assertEquals(truth, got, () -> sql + " " + s);
    assertEquals(1, s.indexedFiles(), () -> sql + " went exact: " + s);
    return got;
  }

  static final String BY_CAT = "SELECT id, array_distance(emb, ?) AS d FROM docs WHERE cat = ?"
      + " ORDER BY d LIMIT ?";

  @Test void moderatelySelectiveFilterKeepsKExactRows() throws Exception {
    for (int q = 0; q < 4; q++) {
      for (int k : new int[] {1, 10}) {
        List<List<Object>> rows = assertSameAsExact(BY_CAT, k, QUERIES.get(q), 3 + q, k);
        for (List<Object> r : rows) {
          assertEquals(3 + q, ((Number) r.get(0)).longValue() % 50, r.toString());
        }
      }
    }
  }

  @Test void probesFurtherWhileFewerThanKRowsPass() throws Exception {
    // cat < 25 keeps half the rows, so the passing rows are never few enough to score them all
    // instead; the default probe (about 18 lists of 140 rows) holds some 1,260 of them, so
    // k = 2,000 needs more lists.
    String sql = "SELECT id, array_distance(emb, ?) AS d FROM docs WHERE cat < 25"
        + " ORDER BY d LIMIT ?";
    int k = 2000;
    List<List<Object>> got;
    try (PreparedStatement ps = indexed.prepareStatement(sql)) {
      got = run(ps, QUERIES.get(0), k);
    }
    SearchStats s = stats();
    assertEquals(k, got.size(), s::toString);
    assertEquals(k, new HashSet<>(ids(got)).size());
    assertEquals(1, s.indexedFiles(), s::toString);
    int defaultNprobe = IvfProbe.defaultNprobe(report.lists());
    assertTrue(s.listsProbed() > defaultNprobe, s + " default nprobe " + defaultNprobe);
    assertTrue(s.rowsScored() < ROWS / 2, s::toString);
    for (List<Object> r : got) {
      assertTrue(((Number) r.get(0)).longValue() % 50 < 25, r.toString());
    }
    List<List<Object>> truth;
    try (PreparedStatement ps = exact.prepareStatement(sql)) {
      truth = run(ps, QUERIES.get(0), k);
    }
    // The nearest rows are exact. The tail is approximate, as any IVF answer at a fixed probe:
    // probing stops as soon as k rows pass (measured: 0.86 of the exact 2,000).
    assertEquals(truth.subList(0, 20), got.subList(0, 20));
    double recall = IvfFixtures.recall(ids(got), ids(truth));
    assertTrue(recall >= 0.8, "recall " + recall);
  }

  @Test void passingRowsAreScoredInsteadWhenThatIsCheaper() throws Exception {
    // 400 rows pass cat = 7; k = 150 would need about 50 lists (7,000 rows) at 2% passing, but
    // once the lists read hold 400 rows, scoring the 400 passing rows is cheaper and exact.
    List<List<Object>> rows = assertSameAsExact(BY_CAT, 150, QUERIES.get(0), 7, 150);
    SearchStats s = stats();
    assertEquals(400, s.rowsScored(), s::toString);
    assertTrue(s.listsProbed() < IvfProbe.defaultNprobe(report.lists()), s::toString);
    for (List<Object> r : rows) {
      assertEquals(7, ((Number) r.get(0)).longValue() % 50, r.toString());
    }
  }

  @Test void verySelectiveFilterScoresOnlyThePassingRows() throws Exception {
    String sql = "SELECT id, array_distance(emb, ?) AS d FROM docs WHERE tag = 'rare'"
        + " ORDER BY d LIMIT ?";
    for (float[] q : QUERIES) {
      assertSameAsExact(sql, RARE, q, 10);
      SearchStats s = stats();
      assertEquals(0, s.exactFiles(), s::toString);
      // Switched to the passing rows: scored exactly those, after at most a list or two.
      assertTrue(s.rowsScored() <= RARE, s::toString);
      assertTrue(s.listsProbed() <= 2, s::toString);
      assertSameAsExact(sql, 5, q, 5);
      assertTrue(stats().rowsScored() <= RARE, stats()::toString);
    }
  }

  @Test void filterMatchingNothingReturnsNothing() throws Exception {
    assertSameAsExact(BY_CAT, 0, QUERIES.get(1), 999, 10);
    assertSameAsExact("SELECT id FROM docs WHERE tag = 'none' ORDER BY array_distance(emb, ?)"
        + " LIMIT 10", 0, QUERIES.get(1));
    assertSameAsExact("SELECT id FROM docs WHERE cat = 3 AND tag = 'rare'"
        + " ORDER BY array_distance(emb, ?) LIMIT 10", 0, QUERIES.get(1));
  }

  @Test void offsetWithFilter() throws Exception {
    String sql = "SELECT id, array_distance(emb, ?) AS d FROM docs WHERE cat = ?"
        + " ORDER BY d LIMIT 10 OFFSET ?";
    for (int q = 0; q < 3; q++) {
      assertSameAsExact(sql, 10, QUERIES.get(q), 11 + q, 20);
    }
    // An offset into a filter's last rows: 7 pass, skip 5, two remain.
    assertSameAsExact("SELECT id, array_distance(emb, ?) AS d FROM docs WHERE tag = 'rare'"
        + " ORDER BY d LIMIT 10 OFFSET 5", RARE - 5, QUERIES.get(2));
    assertSameAsExact("SELECT id, array_distance(emb, ?) AS d FROM docs WHERE tag = 'rare'"
        + " ORDER BY d LIMIT 10 OFFSET 7", 0, QUERIES.get(2));
  }

  @Test void filterOnAnotherClusterFindsThatClustersNearestRows() throws Exception {
    // The rows that pass lie in lists far from the query: none of the nearest lists has one.
    String sql = "SELECT id, array_distance(emb, ?) AS d FROM docs WHERE cluster = ?"
        + " ORDER BY d LIMIT 10";
    for (int q = 0; q < 3; q++) {
      int other = (CLUSTERS.get(q) + 60) % 120;
      List<List<Object>> rows = assertSameAsExact(sql, 10, QUERIES.get(q), other);
      assertTrue(rows.size() == 10);
    }
    // And a filter that keeps every cluster but the query's own.
    assertSameAsExact("SELECT id, array_distance(emb, ?) AS d FROM docs WHERE cluster <> ?"
        + " ORDER BY d LIMIT 10", 10, QUERIES.get(0), CLUSTERS.get(0));
  }
}
