package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.duck;
import static io.pqvector.sqltests.Fixtures.lit;
import static io.pqvector.sqltests.IvfFixtures.query;
import static io.pqvector.sqltests.IvfFixtures.stats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.calcite.search.SearchStats;
import io.pqvector.vector.Metric;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Comparisons of numeric columns with more distinct values than a column keeps codes for (an
 * INTEGER, a BIGINT and a DOUBLE with NULLs, NaN and -0.0), which the search decides on the
 * columns' primitive values: every form gives the exact plan's rows (Calcite's own compiled
 * predicate), with literals and with parameters of each Java type, exactly representable or
 * not, alone, in conjunctions, mixed with other columns, and in shapes left to the predicate
 * (OR, BETWEEN). 20,000 rows, 16 dimensions, every list probed.
 */
class NumericFilterTest {
  static final int ROWS = 20_000;
  static final int DIM = 16;

  @TempDir static Path dir;
  static Connection everyList;
  static Connection exact;

  @BeforeAll static void setUp() throws Exception {
    Path file = dir.resolve("t.parquet");
    duck("COPY (SELECT i::BIGINT AS id,"
        + " (i * 37 % 10007)::INTEGER AS n,"
        + " CASE WHEN i % 13 = 0 THEN NULL ELSE (i * 7919 % 100003)::BIGINT END AS big,"
        + " CASE WHEN i % 11 = 0 THEN NULL WHEN i % 101 = 0 THEN 'NaN'::DOUBLE"
        + "   WHEN i % 103 = 0 THEN -0.0::DOUBLE WHEN i % 107 = 0 THEN 0.0::DOUBLE"
        + "   WHEN i % 109 = 0 THEN 0.1::DOUBLE"
        + "   ELSE ((i * 7919) % 20000) / 8.0 - 100 END AS x,"
        + " CASE i % 3 WHEN 0 THEN 'a' ELSE 'b' END AS s,"
        + IvfFixtures.clustered("i", "c", DIM, 5, 0.25) + " AS emb"
        + " FROM (SELECT i, hash(i * 17) % 50 AS c FROM range(" + ROWS + ") t(i)))"
        + " TO " + lit(file) + " (FORMAT parquet, ROW_GROUP_SIZE 6000)");
    IvfFixtures.index(file, "emb", Metric.L2);
    everyList = Fixtures.pqvector(dir, ";cacheSize=64m;nprobe=100000");
    exact = Fixtures.pqvector(dir, ";useIndex=false");
  }

  @AfterAll static void tearDown() throws Exception {
    for (Connection c : new Connection[] {everyList, exact}) {
      if (c != null) {
        c.close();
      }
    }
  }

  static String sql(String filter) {
    return "SELECT id, array_distance(emb, ?) AS d FROM t WHERE " + filter
        + " ORDER BY d LIMIT ?";
  }

  static void assertSameAsExact(String filter, Object... extra) throws Exception {
    for (int k : new int[] {10, 400}) {
      for (int q = 0; q < 2; q++) {
        Object[] params = new Object[extra.length + 2];
        params[0] = Fixtures.queryVector(70 + q, DIM);
        System.arraycopy(extra, 0, params, 1, extra.length);
        params[params.length - 1] = k;
        List<List<Object>> truth = query(exact, sql(filter), params);
        // Twice: the second run reads the filter columns kept by the first.
        for (int pass = 0; pass < 2; pass++) {
          List<List<Object>> got = query(everyList, sql(filter), params);
          SearchStats s = stats();
          assertEquals(truth, got, () -> filter + " " + java.util.Arrays.toString(extra)
              + " k=" + k + " " + s);
          assertEquals(1, s.indexedFiles(), () -> filter + " " + s);
        }
      }
    }
  }

  @Test void literalComparisons() throws Exception {
    for (String filter : List.of("n > 5000", "n = 4321", "n <> 4321", "5000 < n",
        "n >= 100 AND n < 2000", "n > 2.5", "n <= 2.5", "n = 2.5", "big <= 50000",
        "big = 7919", "big <> 7919", "big > 9999999999", "x < 1000.5", "x = 0", "x = 0.0",
        "x = -0.0", "x <> 0", "x >= -0.0", "x > 0.1", "x = 0.1", "x < -50.125",
        "x > 100 AND n < 5000 AND big > 1000")) {
      assertSameAsExact(filter);
    }
  }

  @Test void mixedAndPredicateShapes() throws Exception {
    for (String filter : List.of("x < 2.5 AND s = 'a'", "n > 5000 OR x < 3",
        "n BETWEEN 10 AND 3000", "x <> 1.5", "n > 5000 AND x IS NOT NULL",
        "big > 1000 AND id < 10000", "MOD(n, 2) = 0 AND n > 100", "x * 2 > 50")) {
      assertSameAsExact(filter);
    }
  }

  @Test void parameterComparisons() throws Exception {
    // (A fraction bound to an INTEGER parameter is refused before the search: DriverTest.)
    for (Object v : new Object[] {5000, 5000L, new BigDecimal("5000"), (short) 77}) {
      assertSameAsExact("n > ?", v);
      assertSameAsExact("n = ?", v);
    }
    for (Object v : new Object[] {1000.5, 1000, new BigDecimal("0.1"), 0.1, -0.0, 0.0}) {
      assertSameAsExact("x < ?", v);
      assertSameAsExact("x = ?", v);
    }
    for (Object v : new Object[] {50000L, 50000, 7919.0}) {
      assertSameAsExact("big <= ? AND s = 'b'", v);
    }
  }

  @Test void theFileHasWhatTheTestNeeds() throws Exception {
    List<List<Object>> r = Fixtures.query(exact, "SELECT COUNT(DISTINCT n), COUNT(DISTINCT big),"
        + " COUNT(DISTINCT x), COUNT(*) FILTER (WHERE x IS NULL) FROM t");
    for (int c = 0; c < 3; c++) {
      long distinct = ((Number) r.get(0).get(c)).longValue();
      assertTrue(distinct > 4096, "column " + c + " has " + distinct + " distinct values");
    }
    assertTrue(((Number) r.get(0).get(3)).longValue() > 0, "x has NULLs");
  }
}
