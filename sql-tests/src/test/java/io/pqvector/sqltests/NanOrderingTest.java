package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.component;
import static io.pqvector.sqltests.Fixtures.duck;
import static io.pqvector.sqltests.Fixtures.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.vector.Metric;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * NaN distances sort as DuckDB sorts them (above every number: last in ASC, first in DESC, with
 * NULLs last either way) through each of the three plans a vector ORDER BY can take: IvfTopK (a
 * file with an index), ExactTopK ({@code useIndex=false}) and a plain sort (no LIMIT). DuckDB on
 * the same files is the oracle. Also: a vector column among several sort keys, and query vectors
 * holding a NULL.
 */
class NanOrderingTest {
  @TempDir static Path dir;
  static Path docs;
  static Path nanDocs;
  static Connection indexed;
  static Connection exact;
  static Connection duckdb;

  static final String Q = "ARRAY[0.5, -0.25, 0.125, 1, -1, 0.75, 0, 0.5]";
  static final String DUCK_Q = "[0.5, -0.25, 0.125, 1, -1, 0.75, 0, 0.5]::FLOAT[8]";

  /**
   * docs: 3000 rows of 8 dimensions with a cosine index; every 150th vector is a zero vector
   * (NaN under cosine), every 97th NULL. nan_docs: 600 rows, no index; every 50th vector holds
   * a NaN (the index builder refuses such files), every 97th is NULL.
   */
  @BeforeAll static void setUp() throws Exception {
    docs = dir.resolve("docs.parquet");
    duck("COPY (SELECT i::BIGINT AS id, CASE i % 3 WHEN 0 THEN 'de' ELSE 'en' END AS lang,"
        + " CASE WHEN i % 97 = 3 THEN NULL WHEN i % 150 = 11 THEN [0, 0, 0, 0, 0, 0, 0, 0]::FLOAT[8]"
        + " ELSE list_transform(range(8), lambda j: " + component("i", "j", 5) + ")::FLOAT[8]"
        + " END AS embedding FROM range(3000) t(i)) TO " + lit(docs)
        + " (FORMAT parquet, ROW_GROUP_SIZE 1000)");
    IvfIndexBuilder.forFile(docs).column("embedding").metric(Metric.COSINE).build();
    nanDocs = dir.resolve("nan_docs.parquet");
    duck("COPY (SELECT i::BIGINT AS id, CASE i % 3 WHEN 0 THEN 'de' ELSE 'en' END AS lang,"
        + " CASE WHEN i % 97 = 3 THEN NULL ELSE list_transform(range(8), lambda j:"
        + " CASE WHEN i % 50 = 7 AND j = 2 THEN 'nan'::FLOAT ELSE " + component("i", "j", 6)
        + " END)::FLOAT[8] END AS embedding FROM range(600) t(i)) TO " + lit(nanDocs)
        + " (FORMAT parquet)");
    indexed = Fixtures.pqvector(dir);
    exact = Fixtures.pqvector(dir, ";useIndex=false");
    duckdb = Fixtures.duckdb();
  }

  @AfterAll static void tearDown() throws Exception {
    indexed.close();
    exact.close();
    duckdb.close();
  }

  /**
   * @param plan ivf (indexed file, every list probed so the answer is exact), exact
   *     (useIndex=false) or sort (no LIMIT)
   */
  @ParameterizedTest(name = "{0} {1} {2} LIMIT {3}")
  @CsvSource({
      "ivf, array_cosine_distance, ASC, 2969",
      "ivf, array_cosine_similarity, DESC, 30",
      "ivf, list_cosine_similarity, DESC, 100",
      "exact, array_cosine_distance, ASC, 2969",
      "exact, array_cosine_similarity, DESC, 30",
      "exact, list_cosine_distance, ASC, 2990",
      "sort, array_cosine_distance, ASC, 0",
      "sort, array_cosine_similarity, DESC, 0",
  })
  void zeroVectorsUnderCosineSortAsInDuckDb(String plan, String fn, String direction, int limit)
      throws Exception {
    String hint = plan.equals("ivf") ? "/*+ nprobe(100000) */ " : "";
    String tail = limit > 0 ? " LIMIT " + limit : "";
    String sql = "SELECT " + hint + "id, " + fn + "(embedding, " + Q + ") AS d FROM docs"
        + " ORDER BY d " + direction + tail;
    Connection c = plan.equals("exact") ? exact : indexed;
    String operator = plan.equals("ivf") ? "IvfTopK" : plan.equals("exact") ? "ExactTopK"
        : "TotalOrderSort";
    String explain = IvfFixtures.explain(c, sql);
    assertTrue(explain.contains(operator), explain);
    if (!plan.equals("sort")) {
      assertTrue(!explain.contains("EnumerableSort"), explain);
    }
    List<List<Object>> actual = Fixtures.query(c, sql);
    List<List<Object>> expected = Fixtures.query(duckdb, "SELECT id, "
        + fn.replace("list_", "array_") + "(embedding::FLOAT[8], " + DUCK_Q + ") AS d FROM read_parquet("
        + lit(docs) + ") ORDER BY d " + direction + " NULLS LAST");
    assertEquals(limit > 0 ? Math.min(limit, 3000) : 3000, actual.size(), sql);
    assertSameOrder(sql, actual, expected);
    // The NaN rows are the zero vectors, and they are where DuckDB puts them.
    long nans = actual.stream().filter(r -> r.get(1) != null
        && Double.isNaN(((Number) r.get(1)).doubleValue())).count();
    assertTrue(nans >= 19, sql + ": " + nans + " NaN rows");
    if (direction.equals("DESC")) {
      assertTrue(Double.isNaN(((Number) actual.get(0).get(1)).doubleValue()), sql);
    } else {
      // Ascending: NaN after every number, then NULLs (2969 is the number of non-NULL vectors).
      Object last = actual.get(actual.size() - 1).get(1);
      if (actual.size() > 2969) {
        assertNull(last, sql);
      } else {
        assertTrue(Double.isNaN(((Number) last).doubleValue()), sql + ": last " + last);
      }
    }
  }

  /** With the default nprobe the search is approximate, but what it returns is in SQL order. */
  @Test void ivfTopKWithDefaultNprobeReturnsRowsInOrder() throws Exception {
    for (String direction : new String[] {"ASC", "DESC"}) {
      String fn = direction.equals("ASC") ? "array_cosine_distance" : "array_cosine_similarity";
      String sql = "SELECT id, " + fn + "(embedding, " + Q + ") AS d FROM docs ORDER BY d "
          + direction + " LIMIT 50";
      assertTrue(IvfFixtures.explain(indexed, sql).contains("IvfTopK"));
      List<List<Object>> rows = Fixtures.query(indexed, sql);
      assertEquals(50, rows.size(), sql);
      for (int i = 1; i < rows.size(); i++) {
        double prev = ((Number) rows.get(i - 1).get(1)).doubleValue();
        double cur = ((Number) rows.get(i).get(1)).doubleValue();
        int order = Double.compare(prev, cur);
        assertTrue(direction.equals("ASC") ? order <= 0 : order >= 0 || Double.isNaN(prev),
            sql + " row " + i + ": " + prev + " then " + cur);
      }
    }
  }

  /** An all-zero query vector under cosine: every distance is NaN, in all three plans. */
  @Test void zeroQueryVectorGivesNaNEverywhere() throws Exception {
    String zero = "ARRAY[0, 0, 0, 0, 0, 0, 0, 0]";
    for (Connection c : new Connection[] {indexed, exact}) {
      for (String tail : new String[] {" LIMIT 5", ""}) {
        String sql = "SELECT id, array_cosine_distance(embedding, " + zero + ") AS d FROM docs"
            + " ORDER BY d" + tail;
        List<List<Object>> rows = Fixtures.query(c, sql);
        assertEquals(tail.isEmpty() ? 3000 : 5, rows.size(), sql);
        for (int i = 0; i < rows.size(); i++) {
          Object d = rows.get(i).get(1);
          if (i < rows.size() - 31) {
            assertTrue(d != null && Double.isNaN(((Number) d).doubleValue()), sql + " row " + i);
          }
        }
        if (tail.isEmpty()) {
          assertNull(rows.get(rows.size() - 1).get(1), sql);
        }
      }
    }
  }

  /** A stored NaN: NaN distance, last in ASC and first in DESC, as in DuckDB. */
  @ParameterizedTest(name = "{0} {1} {2}")
  @CsvSource({
      "array_distance, ASC, ' LIMIT 590'",
      "array_distance, ASC, ''",
      "array_inner_product, DESC, ' LIMIT 20'",
      "array_inner_product, DESC, ''",
      "array_negative_inner_product, ASC, ' LIMIT 590'",
  })
  void storedNaNSortsAsInDuckDb(String fn, String direction, String tail) throws Exception {
    String sql = "SELECT id, " + fn + "(embedding, " + Q + ") AS d FROM nan_docs ORDER BY d "
        + direction + tail;
    assertTrue(IvfFixtures.explain(exact, sql).contains(tail.isEmpty() ? "TotalOrderSort"
        : "ExactTopK"));
    List<List<Object>> actual = Fixtures.query(exact, sql);
    List<List<Object>> expected = Fixtures.query(duckdb, "SELECT id, " + fn
        + "(embedding::FLOAT[8], " + DUCK_Q + ") AS d FROM read_parquet(" + lit(nanDocs)
        + ") ORDER BY d " + direction + " NULLS LAST");
    assertSameOrder(sql, actual, expected);
    if (direction.equals("DESC")) {
      assertTrue(Double.isNaN(((Number) actual.get(0).get(1)).doubleValue()), sql);
    }
  }

  /** A vector column among several sort keys: compared element by element, as DuckDB does. */
  @Test void vectorColumnAmongSeveralSortKeys() throws Exception {
    String[][] orders = {{"lang, embedding, id", "lang, embedding NULLS LAST, id"},
        {"embedding DESC, id", "embedding DESC NULLS LAST, id"},
        {"lang DESC, embedding DESC, id DESC", "lang DESC, embedding DESC NULLS LAST, id DESC"}};
    for (String[] o : orders) {
      for (String table : new String[] {"docs", "nan_docs"}) {
        Path file = table.equals("docs") ? docs : nanDocs;
        List<List<Object>> actual = Fixtures.query(exact, "SELECT id FROM " + table
            + " ORDER BY " + o[0]);
        List<List<Object>> expected = Fixtures.query(duckdb, "SELECT id FROM read_parquet("
            + lit(file) + ") ORDER BY " + o[1]);
        assertEquals(ids(expected), ids(actual), table + " ORDER BY " + o[0]);
      }
    }
  }

  /** Query vectors holding a NULL, or NULL, are errors with SQLState 22000 in every plan. */
  @Test void nullInTheQueryVectorIsAnError() throws Exception {
    Float[] withNull = {0.5f, null, 0.125f, 1f, -1f, 0.75f, 0f, 0.5f};
    for (Connection c : new Connection[] {indexed, exact}) {
      for (String tail : new String[] {" LIMIT 10", ""}) {
        String sql = "SELECT id FROM docs ORDER BY array_cosine_distance(embedding, ?)" + tail;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          ps.setObject(1, withNull);
          SQLException e = assertThrows(SQLException.class, () -> Fixtures.rows(ps.executeQuery()),
              sql);
          assertTrue(e.getMessage().contains("the query vector holds a NULL at element 2 of 8"),
              e.getMessage());
          assertEquals("22000", e.getSQLState(), e.getMessage());
        }
      }
      String sql = "SELECT id FROM docs ORDER BY array_distance(embedding, ?) LIMIT 10";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setObject(1, null);
        SQLException e = assertThrows(SQLException.class, () -> Fixtures.rows(ps.executeQuery()));
        assertTrue(e.getMessage().contains("array_distance: the query vector is NULL"),
            e.getMessage());
        assertEquals("22000", e.getSQLState());
        ps.setObject(1, new float[] {1, 2, 3});
        e = assertThrows(SQLException.class, () -> Fixtures.rows(ps.executeQuery()));
        assertTrue(e.getMessage().contains(
            "the query vector has 3 dimensions and column embedding has 8"), e.getMessage());
        assertEquals("22000", e.getSQLState());
      }
    }
  }

  static List<Long> ids(List<List<Object>> rows) {
    return rows.stream().map(r -> ((Number) r.get(0)).longValue()).toList();
  }

  /**
   * {@code actual} is a prefix of {@code expected}'s order: the same ids group by group, where a
   * group is a run of equal values (NaN equals NaN, NULL equals NULL; ties may come in any
   * order), and the same values. The last group may be cut by a LIMIT.
   */
  static void assertSameOrder(String sql, List<List<Object>> actual,
      List<List<Object>> expected) {
    int i = 0;
    while (i < actual.size()) {
      int end = i + 1;
      while (end < expected.size() && same(expected.get(i).get(1), expected.get(end).get(1))) {
        end++;
      }
      Set<Long> want = new HashSet<>();
      for (int j = i; j < end; j++) {
        want.add(((Number) expected.get(j).get(0)).longValue());
      }
      for (int j = i; j < Math.min(end, actual.size()); j++) {
        long id = ((Number) actual.get(j).get(0)).longValue();
        assertTrue(want.contains(id), sql + ": row " + j + " is id " + id + " with "
            + actual.get(j).get(1) + ", DuckDB has " + expected.get(j));
        assertTrue(same(expected.get(j).get(1), actual.get(j).get(1)), sql + ": row " + j
            + " value " + actual.get(j).get(1) + ", DuckDB " + expected.get(j).get(1));
      }
      i = end;
    }
  }

  private static boolean same(Object a, Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    double x = ((Number) a).doubleValue();
    double y = ((Number) b).doubleValue();
    if (Double.isNaN(x) || Double.isNaN(y)) {
      return Double.isNaN(x) && Double.isNaN(y);
    }
    return Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(x));
  }
}
