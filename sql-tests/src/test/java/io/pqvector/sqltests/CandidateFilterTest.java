package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.duck;
import static io.pqvector.sqltests.Fixtures.lit;
import static io.pqvector.sqltests.IvfFixtures.run;
import static io.pqvector.sqltests.IvfFixtures.stats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.calcite.search.SearchStats;
import io.pqvector.vector.Metric;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A WHERE clause evaluated on the candidates of an index search (page cache on: the filter
 * columns are kept per file, the filter is applied to each probed list's rows, and a bitmap of
 * the whole file is built only for a selective filter) gives the same rows as the exact plan when
 * every list is probed, and the same rows as the search with the cache off (which evaluates the
 * filter on every row first) at a small nprobe. Three DuckDB-written files of 5,000 rows, 16
 * dimensions; filter columns with NULLs: lang (strings, few values), n (ints), price (doubles),
 * born (dates), title (a distinct string per row, more than a column keeps codes for); every
 * 97th vector is NULL.
 */
class CandidateFilterTest {
  static final int FILES = 3;
  static final int ROWS = 5000;
  static final int DIM = 16;

  @TempDir static Path dir;
  static Connection everyList;
  static Connection fewLists;
  static Connection fewListsCacheOff;
  static Connection exact;
  static final List<float[]> QUERIES = new ArrayList<>();

  static final List<String> FILTERS = List.of(
      "lang = 'de'",
      "lang <> 'de'",
      "lang IS NULL",
      "lang = 'zz'",
      "n > 5",
      "n = 3 AND lang = 'en'",
      "n IS NULL OR n >= 0",
      "price < 2.5",
      "price IS NOT NULL AND price >= 9.5",
      "lang = 'de' OR price > 9",
      "born >= DATE '2020-12-01'",
      "born < DATE '2020-01-03'",
      "title LIKE 'doc-1%'",
      "title = 'doc-4321'",
      "id = 7");

  @BeforeAll static void setUp() throws Exception {
    QUERIES.clear(); // CandidateFilterRewrittenTest runs this class's tests again
    for (int f = 0; f < FILES; f++) {
      java.nio.file.Files.createDirectories(dir.resolve("docs"));
      Path file = dir.resolve("docs").resolve("part" + f + ".parquet");
      int salt = 3; // the same clusters in every file
      duck("COPY (SELECT (i + " + f * ROWS + ")::BIGINT AS id,"
          + " CASE i % 9 WHEN 0 THEN NULL WHEN 1 THEN 'en' WHEN 2 THEN 'en' WHEN 3 THEN 'en'"
          + "   WHEN 4 THEN 'de' WHEN 5 THEN 'de' WHEN 6 THEN 'fr' ELSE 'ja' END AS lang,"
          + " CASE WHEN i % 11 = 0 THEN NULL ELSE (i % 10)::INTEGER END AS n,"
          + " CASE WHEN i % 13 = 0 THEN NULL ELSE ((i * 7919) % 1000) / 100.0 END::DOUBLE"
          + "   AS price,"
          + " CASE WHEN i % 17 = 0 THEN NULL ELSE DATE '2020-01-01' + (i % 400)::INTEGER END"
          + "   AS born,"
          + " 'doc-' || (i + " + f * ROWS + ") AS title,"
          + " CASE WHEN i % 97 = 0 THEN NULL ELSE "
          + IvfFixtures.clustered("i + " + f * ROWS, "c", DIM, salt, 0.25) + " END AS emb"
          + " FROM (SELECT i, hash(i * 31 + " + f + ") % 40 AS c FROM range(" + ROWS + ") t(i)))"
          + " TO " + lit(file) + " (FORMAT parquet, ROW_GROUP_SIZE 2000)");
      IvfFixtures.index(file, "emb", Metric.L2);
    }
    everyList = Fixtures.pqvector(dir, ";cacheSize=64m;nprobe=100000");
    fewLists = Fixtures.pqvector(dir, ";cacheSize=64m;nprobe=3");
    fewListsCacheOff = Fixtures.pqvector(dir, ";cacheSize=0;nprobe=3");
    exact = Fixtures.pqvector(dir, ";useIndex=false");
    for (int q = 0; q < 3; q++) {
      QUERIES.add(Fixtures.queryVector(40 + q, DIM));
    }
  }

  @AfterAll static void tearDown() throws Exception {
    for (Connection c : new Connection[] {everyList, fewLists, fewListsCacheOff, exact}) {
      if (c != null) {
        c.close();
      }
    }
  }

  static String sql(String filter) {
    return "SELECT id, array_distance(emb, ?) AS d FROM docs WHERE " + filter
        + " ORDER BY d LIMIT ?";
  }

  static List<List<Object>> query(Connection c, String sql, Object... params) throws Exception {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      return run(ps, params);
    }
  }

  @Test void everyListProbedGivesTheExactAnswer() throws Exception {
    for (String filter : FILTERS) {
      for (float[] q : QUERIES) {
        for (int k : new int[] {10, 200}) {
          List<List<Object>> truth = query(exact, sql(filter), q, k);
          // Twice: the second run finds what the first kept (filter columns, bitmaps).
          for (int pass = 0; pass < 2; pass++) {
            List<List<Object>> got = query(everyList, sql(filter), q, k);
            SearchStats s = stats();
            assertEquals(truth, got, () -> filter + " k=" + k + " " + s);
            assertEquals(FILES, s.indexedFiles() + s.exactFiles(), s::toString);
          }
        }
      }
    }
  }

  @Test void fewListsGiveTheSameRowsAsTheCacheOffSearch() throws Exception {
    for (String filter : FILTERS) {
      long passing = ((Number) Fixtures.query(exact,
          "SELECT COUNT(*) FROM docs WHERE emb IS NOT NULL AND (" + filter + ")")
          .get(0).get(0)).longValue();
      for (float[] q : QUERIES) {
        List<List<Object>> reference = query(fewListsCacheOff, sql(filter), q, 10);
        List<List<Object>> got = query(fewLists, sql(filter), q, 10);
        SearchStats s = stats();
        assertEquals(reference, got, () -> filter + " " + s);
        assertEquals(FILES, s.indexedFiles(), () -> filter + " " + s);
        assertEquals(Math.min(10, passing), got.size(), filter);
        if (!got.isEmpty()) {
          String ids = got.stream().map(r -> r.get(0).toString())
              .collect(Collectors.joining(", "));
          Object pass = Fixtures.query(exact, "SELECT COUNT(*) FROM docs WHERE id IN (" + ids
              + ") AND (" + filter + ")").get(0).get(0);
          assertEquals((long) got.size(), ((Number) pass).longValue(), filter);
        }
      }
    }
  }

  @Test void parameterisedFilterTakesEachValue() throws Exception {
    String sql = "SELECT id, array_distance(emb, ?) AS d FROM docs WHERE n = ? AND lang = ?"
        + " ORDER BY d LIMIT 10";
    for (Object[] values : new Object[][] {{3, "en"}, {4, "de"}, {99, "en"}, {3, "zz"},
        {7, "ja"}}) {
      List<List<Object>> truth = query(exact, sql, QUERIES.get(0), values[0], values[1]);
      assertEquals(truth, query(everyList, sql, QUERIES.get(0), values[0], values[1]),
          () -> java.util.Arrays.toString(values));
      assertEquals(query(fewListsCacheOff, sql, QUERIES.get(1), values[0], values[1]),
          query(fewLists, sql, QUERIES.get(1), values[0], values[1]),
          () -> java.util.Arrays.toString(values));
    }
  }

  @Test void filtersOfOneShapeOnOtherColumnsKeepTheirOwnBitmaps() throws Exception {
    // id = 7 is selective (a bitmap is kept); n = 7 reads as the same expression over another
    // column with the same parameter value, and must not find id = 7's bitmap.
    for (String column : new String[] {"id", "n", "id", "n"}) {
      String sql = "SELECT id, array_distance(emb, ?) AS d FROM docs WHERE " + column + " = ?"
          + " ORDER BY d LIMIT 10";
      assertEquals(query(exact, sql, QUERIES.get(0), 7), query(everyList, sql, QUERIES.get(0), 7),
          column);
      assertEquals(query(fewListsCacheOff, sql, QUERIES.get(0), 7),
          query(fewLists, sql, QUERIES.get(0), 7), column);
    }
  }

  @Test void rowsWithNullVectorsFillAShortAnswer() throws Exception {
    // n = 3 passes about 450 rows a file; LIMIT 2000 takes them all, NULL vectors last.
    String filter = "n = 3";
    List<List<Object>> truth = query(exact, sql(filter), QUERIES.get(2), 2000);
    assertTrue(truth.stream().anyMatch(r -> r.get(1) == null), "some NULL distances");
    assertEquals(truth, query(everyList, sql(filter), QUERIES.get(2), 2000));
    assertEquals(truth, query(fewLists, sql(filter), QUERIES.get(2), 2000));
  }

  /** Whether the files have offset indexes (DuckDB writes none; {@code rewrite} does). */
  boolean offsetIndexes() {
    return false;
  }

  /**
   * With the cache off, a filter that most rows pass is evaluated on the probed lists' rows only
   * where the filter columns have offset indexes (their pages can be read by row); without them
   * reading any row's value decodes the whole chunk, so it is evaluated on the whole file once.
   */
  @Test void cacheOffFilterIsEvaluatedOnTheProbedRowsWherePagesCanBeReadByRow()
      throws Exception {
    for (float[] q : QUERIES) {
      List<List<Object>> got = query(fewListsCacheOff, sql("lang <> 'de'"), q, 10);
      SearchStats s = stats();
      assertEquals(10, got.size(), s::toString);
      assertEquals(FILES, s.indexedFiles(), s::toString);
      if (offsetIndexes()) {
        assertTrue(s.rowsFiltered() > 0 && s.rowsFiltered() < FILES * ROWS / 4, s::toString);
      } else {
        assertEquals(FILES * ROWS, s.rowsFiltered(), s::toString);
      }
    }
  }

  @Test void verySelectiveFilterScoresOnlyThePassingRows() throws Exception {
    for (float[] q : QUERIES) {
      List<List<Object>> got = query(fewLists, sql("title = 'doc-4321'"), q, 10);
      SearchStats s = stats();
      assertEquals(1, got.size(), s::toString);
      assertEquals(4321L, ((Number) got.get(0).get(0)).longValue());
      assertEquals(FILES, s.indexedFiles(), s::toString);
      assertTrue(s.rowsScored() <= 1, s::toString);
    }
  }
}
