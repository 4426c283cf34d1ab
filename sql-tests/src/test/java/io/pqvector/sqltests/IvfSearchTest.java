package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.duckArray;
import static io.pqvector.sqltests.Fixtures.lit;
import static io.pqvector.sqltests.Fixtures.pqArray;
import static io.pqvector.sqltests.IvfFixtures.explain;
import static io.pqvector.sqltests.IvfFixtures.ids;
import static io.pqvector.sqltests.IvfFixtures.run;
import static io.pqvector.sqltests.IvfFixtures.stats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.calcite.search.SearchSettings;
import io.pqvector.calcite.search.SearchStats;
import io.pqvector.ivf.BuildReport;
import io.pqvector.vector.Metric;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Search through the IVF index of a generated clustered file (20,000 rows, 32 dimensions, 120
 * clusters, indexed with the default number of lists): recall at the default nprobe, exactness
 * when every list is probed (for every function and the metric it pairs with), what EXPLAIN
 * shows, parameters, and the query shapes the rule must leave alone.
 */
class IvfSearchTest {
  static final int ROWS = 20_000;
  static final int DIM = 32;

  @TempDir static Path dir;
  static Path docs;
  static Connection indexed;
  static Connection exact;
  static Connection duck;
  /** Index reports of the columns emb (l2), emb_cos (cosine) and emb_dot (dot). */
  static BuildReport l2;
  static BuildReport cos;
  static BuildReport dot;
  /** Query vectors: a data vector plus a little noise. */
  static final List<float[]> QUERIES = new ArrayList<>();

  @BeforeAll static void setUp() throws Exception {
    docs = IvfFixtures.writeClustered(dir.resolve("docs.parquet"), ROWS, DIM, 120, 0, 1,
        "emb", "emb_cos", "emb_dot");
    // A second, small table to join with.
    Fixtures.duck("COPY (SELECT i::INTEGER AS cat, 'c' || i AS name FROM range(0, 50, 7) t(i))"
        + " TO " + lit(dir.resolve("cats.parquet")) + " (FORMAT parquet)");
    l2 = IvfFixtures.index(docs, "emb", Metric.L2);
    cos = IvfFixtures.index(docs, "emb_cos", Metric.COSINE);
    dot = IvfFixtures.index(docs, "emb_dot", Metric.DOT);
    indexed = Fixtures.pqvector(dir);
    exact = Fixtures.pqvector(dir, ";useIndex=false");
    duck = Fixtures.duckdb();
    List<Long> rows = new ArrayList<>();
    for (int q = 0; q < 50; q++) {
      rows.add(397L * q + 13);
    }
    List<float[]> vectors = IvfFixtures.vectorsOf(docs, "emb", rows);
    for (int q = 0; q < 50; q++) {
      QUERIES.add(IvfFixtures.nudge(vectors.get(q), 0.05, q));
    }
  }

  @AfterAll static void tearDown() throws Exception {
    for (Connection c : new Connection[] {indexed, exact, duck}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test void defaultListsAndNprobeAreWhatTheDocumentationSays() {
    // About sqrt(n) lists, then each list k-means made more than twice the mean size is split
    // into lists of about the mean size: at most 2.5 times as many in all.
    int expected = IvfIndexBuilderLists.expected(ROWS);
    assertTrue(l2.lists() >= expected && l2.lists() <= expected * 5 / 2,
        l2.lists() + " lists for " + expected);
    assertEquals(ROWS, l2.indexed());
    assertEquals(DIM, l2.dimension());
  }

  /** Keeps the arithmetic of the default list count in one place (sqrt(n), >= 39 rows each). */
  static final class IvfIndexBuilderLists {
    static int expected(long n) {
      return (int) Math.max(1, Math.min(Math.round(Math.sqrt(n)), n / 39));
    }
  }

  @Test void recallAtTheDefaultNprobeIsAtLeast95Percent() throws Exception {
    String sql = "SELECT id FROM docs ORDER BY array_distance(emb, ?) LIMIT 10";
    double sum = 0;
    long probed = 0;
    try (PreparedStatement viaIndex = indexed.prepareStatement(sql);
        PreparedStatement scan = exact.prepareStatement(sql)) {
      for (float[] q : QUERIES) {
        List<Long> approx = ids(run(viaIndex, q));
        SearchStats s = stats();
        assertEquals(1, s.indexedFiles(), s::toString);
        assertEquals(0, s.exactFiles(), s::toString);
        assertTrue(s.rowsScored() < ROWS / 4, s::toString);
        probed += s.listsProbed();
        List<Long> truth = ids(run(scan, q));
        assertEquals(1, stats().exactFiles(), stats()::toString);
        assertEquals(10, approx.size());
        assertEquals(10, truth.size());
        sum += IvfFixtures.recall(approx, truth);
      }
    }
    double recall = sum / QUERIES.size();
    assertTrue(recall >= 0.95, "recall@10 at the default nprobe: " + recall);
    // The default probe is what the index's recall curve gives for k = 10 at recall 0.95, a
    // fraction of the lists (otherwise recall would prove nothing).
    assertEquals((long) curveNprobe() * QUERIES.size(), probed);
    assertTrue(curveNprobe() < l2.lists() / 4);
  }

  /** The lists a default connection probes for LIMIT 10: from the index's recall curve. */
  static int curveNprobe() {
    return l2.calibration().curve().nprobeFor(10, SearchSettings.DEFAULT_RECALL);
  }

  /** Function, its nearest-first direction, the column whose index has its metric, that index. */
  static Object[][] pairings() {
    return new Object[][] {
        {"array_distance", "ASC", "emb", l2},
        {"array_cosine_distance", "ASC", "emb_cos", cos},
        {"array_cosine_similarity", "DESC", "emb_cos", cos},
        {"array_negative_inner_product", "ASC", "emb_dot", dot},
        {"array_inner_product", "DESC", "emb_dot", dot}};
  }

  @Test void probingEveryListEqualsExactSearchForEveryFunctionAndMetric() throws Exception {
    for (Object[] p : pairings()) {
      String fn = (String) p[0];
      String column = (String) p[2];
      int lists = ((BuildReport) p[3]).lists();
      String tail = "id, " + fn + "(" + column + ", ?) AS d FROM docs ORDER BY d " + p[1]
          + " LIMIT 10";
      try (Connection all = Fixtures.pqvector(dir, ";nprobe=" + lists);
          PreparedStatement scan = exact.prepareStatement("SELECT " + tail);
          PreparedStatement property = all.prepareStatement("SELECT " + tail);
          PreparedStatement hint = indexed.prepareStatement(
              "SELECT /*+ nprobe(" + lists + ") */ " + tail)) {
        assertTrue(explain(all, "SELECT " + tail, QUERIES.get(0)).contains("IvfTopK"), fn);
        for (int i = 0; i < 4; i++) {
          float[] q = QUERIES.get(i);
          List<List<Object>> truth = run(scan, q);
          assertEquals(10, truth.size());
          // nprobe as a connection property
          List<List<Object>> viaProperty = run(property, q);
          SearchStats s = stats();
          assertEquals(truth, viaProperty, fn + " query " + i + " (nprobe property)");
          assertEquals(1, s.indexedFiles(), fn + " " + s);
          assertEquals(lists, s.listsProbed(), fn + " " + s);
          // nprobe as a hint
          List<List<Object>> viaHint = run(hint, q);
          s = stats();
          assertEquals(truth, viaHint, fn + " query " + i + " (hint)");
          assertEquals(1, s.indexedFiles(), fn + " " + s);
          assertEquals(lists, s.listsProbed(), fn + " " + s);
        }
      }
    }
  }

  @Test void explainShowsIvfTopKWithItsParameters() throws Exception {
    String sql = "SELECT id, array_distance(emb, " + pqArray(QUERIES.get(0)) + ") AS d"
        + " FROM docs ORDER BY d LIMIT 10";
    String plan = explain(indexed, sql);
    assertTrue(plan.contains("IvfTopK("), plan);
    assertFalse(plan.contains("ExactTopK"), plan);
    assertTrue(plan.contains("table=[[pqvector, docs]]"), plan);
    assertTrue(plan.contains("column=[emb]"), plan);
    assertTrue(plan.contains("metric=[l2]"), plan);
    assertTrue(plan.contains("k=[10]"), plan);
    assertTrue(plan.contains("recall=[0.95]"), plan);
    assertTrue(plan.contains("nprobe=[" + curveNprobe() + "]"), plan);
    assertTrue(plan.contains("expectedRecall=[0.9"), plan);
    assertTrue(plan.contains("indexedFiles=[1/1]"), plan);

    for (Object[] p : pairings()) {
      String fnSql = "SELECT id FROM docs ORDER BY " + p[0] + "(" + p[2] + ", "
          + pqArray(QUERIES.get(1)) + ") " + p[1] + " LIMIT 5";
      String fnPlan = explain(indexed, fnSql);
      assertTrue(fnPlan.contains("IvfTopK("), fnPlan);
      assertTrue(fnPlan.contains("metric=[" + ((BuildReport) p[3]).metric().id() + "]"), fnPlan);
      assertTrue(fnPlan.contains("k=[5]"), fnPlan);
    }

    String exactPlan = explain(exact, sql);
    assertTrue(exactPlan.contains("ExactTopK("), exactPlan);
    assertFalse(exactPlan.contains("IvfTopK"), exactPlan);

    try (Connection five = Fixtures.pqvector(dir, ";nprobe=5")) {
      String fivePlan = explain(five, sql);
      assertTrue(fivePlan.contains("nprobe=[5]"), fivePlan);
    }
  }

  @Test void nprobeHintShowsInThePlanAndChangesListsProbed() throws Exception {
    float[] q = QUERIES.get(2);
    String plain = "SELECT id, array_distance(emb, " + pqArray(q) + ") AS d FROM docs"
        + " ORDER BY d LIMIT 10";
    String hinted = "SELECT /*+ nprobe(7) */ id, array_distance(emb, " + pqArray(q) + ") AS d"
        + " FROM docs ORDER BY d LIMIT 10";
    String plan = explain(indexed, hinted);
    assertTrue(plan.contains("nprobe=[7]"), plan);

    Fixtures.query(indexed, plain);
    long defaultProbed = stats().listsProbed();
    assertEquals(curveNprobe(), defaultProbed, stats()::toString);
    List<List<Object>> rows = Fixtures.query(indexed, hinted);
    assertEquals(10, rows.size());
    assertEquals(7, stats().listsProbed(), stats()::toString);
    assertNotEquals(defaultProbed, 7);
    // The hint also wins over the connection's property.
    try (Connection three = Fixtures.pqvector(dir, ";nprobe=3")) {
      Fixtures.query(three, plain);
      assertEquals(3, stats().listsProbed(), stats()::toString);
      Fixtures.query(three, hinted);
      assertEquals(7, stats().listsProbed(), stats()::toString);
    }
  }

  @Test void limitParameterAndBareVectorParameterUseTheIndex() throws Exception {
    String sql = "SELECT id, array_distance(emb, ?) AS d FROM docs ORDER BY d LIMIT ?";
    try (Connection all = Fixtures.pqvector(dir, ";nprobe=" + l2.lists())) {
      String plan = explain(all, sql, QUERIES.get(10), 5);
      assertTrue(plan.contains("IvfTopK("), plan);
      assertTrue(plan.contains("k=[?1]"), plan);
      try (PreparedStatement ps = all.prepareStatement(sql)) {
        for (int i = 0; i < 10; i++) {
          float[] q = QUERIES.get(10 + i);
          int k = 5 + 3 * i;
          ps.setObject(1, q);
          ps.setInt(2, k);
          List<List<Object>> got;
          try (ResultSet rs = ps.executeQuery()) {
            got = Fixtures.rows(rs);
          }
          SearchStats s = stats();
          assertEquals(1, s.indexedFiles(), s::toString);
          assertEquals(l2.lists(), s.listsProbed(), s::toString);
          // A fresh exact query with the same vector as a literal.
          List<List<Object>> truth = Fixtures.query(exact, "SELECT id, array_distance(emb, "
              + pqArray(q) + ") AS d FROM docs ORDER BY d LIMIT " + k);
          assertEquals(k, got.size());
          assertEquals(truth, got, "execution " + i);
        }
      }
    }
  }

  /** Asserts the plan has no top-k operator and the result equals DuckDB's. */
  private static void assertRuleLeavesAlone(String pqSql, String duckSql, int limit)
      throws Exception {
    String plan = explain(indexed, pqSql);
    assertFalse(plan.contains("IvfTopK") || plan.contains("ExactTopK"), pqSql + "\n" + plan);
    Oracle.assertSameRanking(pqSql, Fixtures.query(indexed, pqSql),
        Fixtures.query(duck, duckSql), limit);
  }

  private static String src() {
    return "read_parquet(" + lit(docs) + ")";
  }

  @Test void ruleDoesNotFireBelowAJoin() throws Exception {
    float[] q = QUERIES.get(3);
    assertRuleLeavesAlone("SELECT d.id, array_distance(d.emb, " + pqArray(q) + ") AS dist"
            + " FROM docs d JOIN cats c ON d.cat = c.cat ORDER BY dist LIMIT 10",
        "SELECT d.id, array_distance(d.emb::FLOAT[32], " + duckArray(q) + ") AS dist FROM "
            + src() + " d JOIN read_parquet(" + lit(dir.resolve("cats.parquet")) + ") c"
            + " ON d.cat = c.cat ORDER BY dist LIMIT 11", 10);
  }

  @Test void ruleDoesNotFireOverAnAggregate() throws Exception {
    float[] q = QUERIES.get(4);
    assertRuleLeavesAlone("SELECT cat, MIN(array_distance(emb, " + pqArray(q) + ")) AS m"
            + " FROM docs GROUP BY cat ORDER BY m LIMIT 5",
        "SELECT cat, MIN(array_distance(emb::FLOAT[32], " + duckArray(q) + ")) AS m FROM "
            + src() + " GROUP BY cat ORDER BY m LIMIT 6", 5);
  }

  @Test void ruleDoesNotFireWithAWindowFunction() throws Exception {
    float[] q = QUERIES.get(5);
    String pqSql = "SELECT id, array_distance(emb, " + pqArray(q) + ") AS d,"
        + " COUNT(*) OVER () AS n, ROW_NUMBER() OVER (ORDER BY id) AS rn"
        + " FROM docs ORDER BY d LIMIT 10";
    assertRuleLeavesAlone(pqSql,
        "SELECT id, array_distance(emb::FLOAT[32], " + duckArray(q) + ") AS d FROM " + src()
            + " ORDER BY d LIMIT 11", 10);
    // The window saw every row, not just the nearest ten.
    for (List<Object> row : Fixtures.query(indexed, pqSql)) {
      assertEquals(ROWS, ((Number) row.get(2)).longValue(), row.toString());
      assertEquals(((Number) row.get(0)).longValue() + 1, ((Number) row.get(3)).longValue(),
          row.toString());
    }
  }

  @Test void ruleDoesNotFireForTheFarthestRows() throws Exception {
    float[] q = QUERIES.get(6);
    assertRuleLeavesAlone("SELECT id, array_distance(emb, " + pqArray(q) + ") AS d FROM docs"
            + " ORDER BY d DESC LIMIT 10",
        "SELECT id, array_distance(emb::FLOAT[32], " + duckArray(q) + ") AS d FROM " + src()
            + " ORDER BY d DESC LIMIT 11", 10);
  }

  @Test void ruleDoesNotFireWithTwoSortKeys() throws Exception {
    float[] q = QUERIES.get(7);
    assertRuleLeavesAlone("SELECT id, array_distance(emb, " + pqArray(q) + ") AS d FROM docs"
            + " ORDER BY d, id LIMIT 10",
        "SELECT id, array_distance(emb::FLOAT[32], " + duckArray(q) + ") AS d FROM " + src()
            + " ORDER BY d, id LIMIT 11", 10);
    assertRuleLeavesAlone("SELECT cat, array_distance(emb, " + pqArray(q) + ") AS d FROM docs"
            + " ORDER BY cat, d LIMIT 10",
        "SELECT cat, array_distance(emb::FLOAT[32], " + duckArray(q) + ") AS d FROM " + src()
            + " ORDER BY cat, d LIMIT 11", 10);
  }

  @Test void ruleDoesNotFireForASimilarityInAscendingOrder() throws Exception {
    float[] q = QUERIES.get(8);
    assertRuleLeavesAlone("SELECT id, array_cosine_similarity(emb_cos, " + pqArray(q) + ") AS s"
            + " FROM docs ORDER BY s LIMIT 10",
        "SELECT id, array_cosine_similarity(emb_cos::FLOAT[32], " + duckArray(q) + ") AS s FROM "
            + src() + " ORDER BY s LIMIT 11", 10);
    assertRuleLeavesAlone("SELECT id, array_inner_product(emb_dot, " + pqArray(q) + ") AS s"
            + " FROM docs ORDER BY s ASC LIMIT 10",
        "SELECT id, array_inner_product(emb_dot::FLOAT[32], " + duckArray(q) + ") AS s FROM "
            + src() + " ORDER BY s LIMIT 11", 10);
  }

  @Test void ruleDoesNotFireWhenTheQueryDependsOnTheRow() throws Exception {
    assertRuleLeavesAlone("SELECT id, array_distance(emb, emb_dot) AS d FROM docs"
            + " ORDER BY d LIMIT 10",
        "SELECT id, array_distance(emb::FLOAT[32], emb_dot::FLOAT[32]) AS d FROM " + src()
            + " ORDER BY d LIMIT 11", 10);
  }

  @Test void otherMetricThanTheIndexSearchesExactly() throws Exception {
    float[] q = QUERIES.get(9);
    String[][] cases = {
        {"array_cosine_distance", "emb", "ASC"},
        {"array_distance", "emb_cos", "ASC"},
        {"array_inner_product", "emb", "DESC"},
        {"array_cosine_similarity", "emb_dot", "DESC"}};
    for (String[] c : cases) {
      String pqSql = "SELECT id, " + c[0] + "(" + c[1] + ", " + pqArray(q) + ") AS d FROM docs"
          + " ORDER BY d " + c[2] + " LIMIT 10";
      String plan = explain(indexed, pqSql);
      assertTrue(plan.contains("ExactTopK("), pqSql + "\n" + plan);
      assertFalse(plan.contains("IvfTopK"), pqSql + "\n" + plan);
      List<List<Object>> got = Fixtures.query(indexed, pqSql);
      SearchStats s = stats();
      assertEquals(0, s.indexedFiles(), s::toString);
      assertEquals(1, s.exactFiles(), s::toString);
      assertEquals(ROWS, s.rowsScored(), s::toString);
      Oracle.assertSameRanking(pqSql, got, Fixtures.query(duck, "SELECT id, " + c[0] + "("
          + c[1] + "::FLOAT[32], " + duckArray(q) + ") AS d FROM " + src() + " ORDER BY d "
          + c[2] + " LIMIT 11"), 10);
      assertEquals(Fixtures.query(exact, pqSql), got);
    }
  }
}
