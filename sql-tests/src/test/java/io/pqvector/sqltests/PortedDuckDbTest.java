package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.duck;
import static io.pqvector.sqltests.Fixtures.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.vector.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.hydromatic.quidem.Quidem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs DuckDB's own tests of the vector functions, ported to Quidem scripts under
 * {@code sql/duckdb/} (MIT, provenance in each header), on the tables they create, written as
 * Parquet by DuckDB. Each script runs twice, on a connection whose files carry IVF indexes and on
 * one with {@code useIndex=false}; both outputs must equal the script. {@link #againstDuckDb}
 * checks the values the scripts expect against DuckDB itself on the same files.
 */
class PortedDuckDbTest {
  @TempDir static Path dir;

  /** DuckDB's test tables: the rows its scripts INSERT, in order (column i), one file each. */
  static final String COSINE_ROWS = "[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, -2, -3], NULL";
  static final String DISTANCE_ROWS = "[1, 2, 3], [1, 2, 4], [7, 8, 9], [-1, -2, -3], NULL";
  /** pqvector additions: zero vectors (NaN under cosine) and a stored NaN. */
  static final String ZERO_ROWS = "[1, 2, 3], [0, 0, 0], [4, 5, 6], NULL, [-1, -2, -3], [0, 0, 0]";
  static final String NAN_ROWS = "[1, 2, 3], [1, 2, 'nan'::FLOAT], [4, 5, 6], NULL, [-1, -2, -3]";

  @BeforeAll static void fixture() throws Exception {
    write("cosine_arrays", COSINE_ROWS, "FLOAT[3]", Metric.COSINE);
    write("distance_arrays", DISTANCE_ROWS, "FLOAT[3]", Metric.L2);
    write("ip_arrays", DISTANCE_ROWS, "FLOAT[3]", Metric.DOT);
    write("cosine_lists", COSINE_ROWS, "FLOAT[]", Metric.COSINE);
    write("distance_lists", DISTANCE_ROWS, "FLOAT[]", Metric.L2);
    write("ip_lists", DISTANCE_ROWS, "FLOAT[]", Metric.DOT);
    write("zero_vectors", ZERO_ROWS, "FLOAT[3]", Metric.COSINE);
    write("nan_vectors", NAN_ROWS, "FLOAT[3]", null);
    write("empty_lists", "[]", "FLOAT[]", null);
  }

  static Path file(String table) {
    return dir.resolve(table + ".parquet");
  }

  private static void write(String table, String rows, String type, Metric index)
      throws Exception {
    StringBuilder values = new StringBuilder();
    int i = 0;
    for (String row : splitRows(rows)) {
      values.append(i == 0 ? "" : ", ").append("(").append(++i).append(", ")
          .append(row.equals("NULL") ? "NULL" : row + "::FLOAT[]").append(")");
    }
    duck("COPY (SELECT i::INTEGER AS i, l::" + type + " AS l FROM (VALUES " + values
        + ") t(i, l)) TO " + lit(file(table)) + " (FORMAT parquet)");
    if (index != null) {
      IvfIndexBuilder.forFile(file(table)).column("l").metric(index).build();
    }
  }

  /** "[1, 2], NULL, [3, 4]" as its top-level items. */
  static List<String> splitRows(String rows) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    StringBuilder cur = new StringBuilder();
    for (char c : rows.toCharArray()) {
      if (c == ',' && depth == 0) {
        out.add(cur.toString().trim());
        cur.setLength(0);
        continue;
      }
      depth += c == '[' ? 1 : c == ']' ? -1 : 0;
      cur.append(c);
    }
    out.add(cur.toString().trim());
    return out;
  }

  @TestFactory Stream<DynamicTest> scripts() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path f : QuidemTest.scripts("/sql/duckdb")) {
      tests.add(DynamicTest.dynamicTest(f.getFileName() + " (indexed)",
          () -> QuidemTest.run(f, "indexed", "vectors", () -> Fixtures.pqvector(dir))));
      tests.add(DynamicTest.dynamicTest(f.getFileName() + " (useIndex=false)",
          () -> QuidemTest.run(f, "exact", "vectors",
              () -> Fixtures.pqvector(dir, ";useIndex=false"))));
    }
    return tests.stream();
  }

  /** The two connections really run different operators on the scripts' search queries. */
  @Test void indexedConnectionSearchesThroughTheIndexAndTheOtherExactly() throws Exception {
    String[][] searches = {
        {"cosine_arrays", "array_cosine_distance(l, ARRAY[1, 2, 3])"},
        {"distance_arrays", "array_distance(l, ARRAY[1, 2, 3])"},
        {"ip_arrays", "array_negative_inner_product(l, ARRAY[1, 2, 3])"},
        {"cosine_lists", "list_cosine_distance(l, ARRAY[1, 2, 3])"},
        {"distance_lists", "list_distance(l, ARRAY[1, 2, 3])"},
        {"ip_lists", "list_negative_inner_product(l, ARRAY[1, 2, 3])"},
        {"zero_vectors", "array_cosine_distance(l, ARRAY[1, 2, 3])"},
    };
    try (Connection indexed = Fixtures.pqvector(dir);
        Connection exact = Fixtures.pqvector(dir, ";useIndex=false")) {
      for (String[] s : searches) {
        String sql = "SELECT i FROM " + s[0] + " ORDER BY " + s[1] + " LIMIT 3";
        String withIndex = IvfFixtures.explain(indexed, sql);
        assertTrue(withIndex.contains("IvfTopK") && !withIndex.contains("exactFallback"),
            s[0] + ": " + withIndex);
        String without = IvfFixtures.explain(exact, sql);
        assertTrue(without.contains("ExactTopK"), s[0] + ": " + without);
      }
    }
  }

  /** Empty vectors through a search (a float[0] parameter): NULL under cosine, 0 otherwise. */
  @Test void emptyVectorsInASearch() throws Exception {
    // Enough rows that the planner takes the top-k operator rather than a sort.
    Path empties = dir.resolve("empties");
    Files.createDirectories(empties);
    duck("COPY (SELECT i::INTEGER AS i, []::FLOAT[] AS l FROM range(1000) t(i)) TO "
        + lit(empties.resolve("empty_lists.parquet")) + " (FORMAT parquet)");
    for (String options : new String[] {"", ";useIndex=false"}) {
      try (Connection c = Fixtures.pqvector(empties, options)) {
        for (String[] fn : new String[][] {{"list_cosine_distance", null, ""},
            {"list_cosine_similarity", null, " DESC"}, {"list_distance", "0.0", ""},
            {"list_inner_product", "0.0", " DESC"}}) {
          String sql = "SELECT i, " + fn[0] + "(l, ?) AS d FROM empty_lists ORDER BY d" + fn[2]
              + " LIMIT 2";
          assertTrue(IvfFixtures.explain(c, sql, new float[0]).contains("ExactTopK"), sql);
          try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, new float[0]);
            List<List<Object>> rows = Fixtures.rows(ps.executeQuery());
            assertEquals(2, rows.size(), sql);
            assertEquals(fn[1], rows.get(0).get(1) == null ? null
                : rows.get(0).get(1).toString(), sql);
          }
        }
      }
    }
  }

  /**
   * The values the ported scripts expect, computed by DuckDB on the same Parquet files with
   * DuckDB's own SQL (and list_ names on the list files), equal pqvector's within 1e-6.
   */
  @Test void againstDuckDb() throws Exception {
    String[][] tables = {{"cosine_arrays", "FLOAT[3]"}, {"distance_arrays", "FLOAT[3]"},
        {"ip_arrays", "FLOAT[3]"}, {"cosine_lists", "FLOAT[]"}, {"distance_lists", "FLOAT[]"},
        {"ip_lists", "FLOAT[]"}};
    String[] functions = {"distance", "cosine_distance", "cosine_similarity", "inner_product",
        "negative_inner_product"};
    try (Connection pq = Fixtures.pqvector(dir, ";useIndex=false");
        Connection duckdb = Fixtures.duckdb()) {
      // DuckDB's list_ functions on a Parquet list column holding a NULL list raise "left
      // argument can not contain NULL values" when reading the file directly (DuckDB 2.0.0),
      // so the oracle loads each file into a table first, as DuckDB's tests INSERT theirs.
      for (String[] t : tables) {
        duckdb.createStatement().execute("CREATE TABLE " + t[0] + " AS SELECT * FROM read_parquet("
            + lit(file(t[0])) + ")");
      }
      duckdb.createStatement().execute("CREATE TABLE empty_lists AS SELECT * FROM read_parquet("
          + lit(file("empty_lists")) + ")");
      for (String[] t : tables) {
        String prefix = t[1].equals("FLOAT[]") ? "list_" : "array_";
        for (String fn : functions) {
          String pqSql = "SELECT " + prefix + fn + "(l, ARRAY[1, 2, 3]) FROM " + t[0]
              + " ORDER BY i";
          String duckSql = "SELECT " + prefix + fn + "(l::" + t[1] + ", [1, 2, 3]::" + t[1]
              + ") FROM " + t[0] + " ORDER BY i";
          List<List<Object>> actual = Fixtures.query(pq, pqSql);
          List<List<Object>> expected = Fixtures.query(duckdb, duckSql);
          assertEquals(expected.size(), actual.size(), pqSql);
          for (int r = 0; r < expected.size(); r++) {
            Double e = Oracle.number(expected.get(r).get(0));
            Double a = Oracle.number(actual.get(r).get(0));
            assertTrue(e == null ? a == null
                    : a != null && Math.abs(e - a) <= 1e-6 * Math.max(1, Math.abs(e)),
                pqSql + " row " + r + ": DuckDB " + e + ", pqvector " + a);
          }
        }
      }
      // Empty vectors: NULL cosine, 0 distance and inner product.
      for (String fn : functions) {
        Object e = Fixtures.query(duckdb, "SELECT list_" + fn + "(l, l) FROM empty_lists")
            .get(0).get(0);
        Object a = Fixtures.query(pq, "SELECT list_" + fn + "(l, l) FROM empty_lists").get(0).get(0);
        assertEquals(Oracle.number(e), Oracle.number(a), "list_" + fn + " of two empty vectors");
      }
    }
  }
}
