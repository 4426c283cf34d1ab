package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.DIM;
import static io.pqvector.sqltests.Fixtures.duckArray;
import static io.pqvector.sqltests.Fixtures.lit;
import static io.pqvector.sqltests.Fixtures.pqArray;
import static io.pqvector.sqltests.Fixtures.query;
import static io.pqvector.sqltests.Fixtures.queryVector;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exact top-k search through the driver equals DuckDB's answer for the same SQL on the same
 * file: every distance function in its natural direction, several query vectors, k of 1, 10 and
 * 37, with and without a filter, with OFFSET, with and without the distance in the SELECT list.
 */
class ExactSearchOracleTest {
  @TempDir static Path dir;
  static Path docs;
  static Path mr;
  static Connection pq;
  static Connection duck;

  /** A query vector: three random ones and document 42's own embedding. */
  static final List<float[]> VECTORS = new ArrayList<>();

  @BeforeAll static void setUp() throws Exception {
    docs = Fixtures.writeDocs(dir);
    mr = Fixtures.writeParquetMr(dir.resolve("mr.parquet"), 500, DIM);
    pq = Fixtures.pqvector(dir);
    duck = Fixtures.duckdb();
    VECTORS.add(queryVector(1, DIM));
    VECTORS.add(queryVector(2, DIM));
    VECTORS.add(queryVector(3, DIM));
    try (Statement s = duck.createStatement();
        ResultSet rs = s.executeQuery("SELECT embedding FROM read_parquet(" + lit(docs)
            + ") WHERE id = 42")) {
      rs.next();
      Object[] values = (Object[]) rs.getArray(1).getArray();
      float[] v = new float[values.length];
      for (int i = 0; i < v.length; i++) {
        v[i] = ((Number) values[i]).floatValue();
      }
      VECTORS.add(v);
    }
  }

  @AfterAll static void tearDown() throws Exception {
    if (pq != null) {
      pq.close();
    }
    if (duck != null) {
      duck.close();
    }
  }

  static Stream<Arguments> functions() {
    List<Arguments> result = new ArrayList<>();
    String[][] fns = {
        {"array_distance", "ASC"},
        {"array_cosine_distance", "ASC"},
        {"array_negative_inner_product", "ASC"},
        {"array_cosine_similarity", "DESC"},
        {"array_inner_product", "DESC"}};
    for (String[] fn : fns) {
      result.add(Arguments.of(fn[0], fn[1], ""));
      result.add(Arguments.of(fn[0], fn[1], "WHERE lang = 'de'"));
    }
    return result.stream();
  }

  /** Runs the query on both engines and compares. */
  static void check(String fn, String direction, String where, float[] q, int k, int offset,
      boolean distanceSelected) throws Exception {
    String tail = " ORDER BY d " + direction;
    String limit = " LIMIT " + k + (offset > 0 ? " OFFSET " + offset : "");
    String pqSql = distanceSelected
        ? "SELECT id, " + fn + "(embedding, " + pqArray(q) + ") AS d FROM docs " + where + tail
            + limit
        : "SELECT id FROM docs " + where + " ORDER BY " + fn + "(embedding, " + pqArray(q) + ") "
            + direction + limit;
    String duckSql = "SELECT id, " + fn + "(embedding::FLOAT[" + q.length + "], " + duckArray(q)
        + ") AS d FROM read_parquet(" + lit(docs) + ") " + where + tail + " NULLS LAST LIMIT "
        + (offset + k + 1);
    List<List<Object>> actual = query(pq, pqSql);
    List<List<Object>> expected = query(duck, duckSql);
    Oracle.assertSameRanking(pqSql, actual, expected, offset, k);
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("functions")
  void topKMatchesDuckDb(String fn, String direction, String where) throws Exception {
    for (float[] q : VECTORS) {
      for (int k : new int[] {1, 10, 37}) {
        check(fn, direction, where, q, k, 0, true);
        check(fn, direction, where, q, k, 0, false);
      }
      check(fn, direction, where, q, 10, 5, true);
      check(fn, direction, where, q, 37, 100, false);
    }
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("functions")
  void limitBeyondNonNullVectorsPutsNullDistancesLast(String fn, String direction, String where)
      throws Exception {
    // 3000 rows (600 with lang = 'de'), 31 (6) of them with a NULL embedding.
    check(fn, direction, where, VECTORS.get(0), 3100, 0, true);
    check(fn, direction, where, VECTORS.get(1), 3100, 2980, true);
  }

  @Test void nullDistancesFillTheTailExactlyWithTieBreaker() throws Exception {
    float[] q = VECTORS.get(2);
    String pqSql = "SELECT id, array_distance(embedding, " + pqArray(q) + ") AS d FROM docs"
        + " WHERE lang = 'de' ORDER BY d, id LIMIT 1000";
    String duckSql = "SELECT id, array_distance(embedding::FLOAT[32], " + duckArray(q) + ") AS d"
        + " FROM read_parquet(" + lit(docs) + ") WHERE lang = 'de' ORDER BY d NULLS LAST, id"
        + " LIMIT 1000";
    List<List<Object>> actual = query(pq, pqSql);
    List<List<Object>> expected = query(duck, duckSql);
    assertEquals(600, actual.size());
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < actual.size(); i++) {
      assertEquals(expected.get(i).get(0), actual.get(i).get(0), "id of row " + i);
      assertEquals(Oracle.number(expected.get(i).get(1)) == null,
          actual.get(i).get(1) == null, "NULL distance in row " + i);
    }
    // The six documents without an embedding come last.
    for (int i = 0; i < 594; i++) {
      assertNotNull(actual.get(i).get(1), "row " + i);
    }
    for (int i = 594; i < 600; i++) {
      assertNull(actual.get(i).get(1), "row " + i);
    }
  }

  @Test void otherColumnsTravelWithTheRanking() throws Exception {
    float[] q = VECTORS.get(0);
    List<List<Object>> actual = query(pq, "SELECT id, title, lang, \"year\", "
        + "array_distance(embedding, " + pqArray(q) + ") AS d FROM docs ORDER BY d LIMIT 10");
    List<List<Object>> expected = query(duck, "SELECT id, title, lang, year, "
        + "array_distance(embedding::FLOAT[32], " + duckArray(q) + ") AS d FROM read_parquet("
        + lit(docs) + ") ORDER BY d LIMIT 10");
    for (int i = 0; i < 10; i++) {
      assertEquals(expected.get(i).subList(0, 4).toString(), actual.get(i).subList(0, 4).toString());
    }
  }

  @Test void parquetMrFileMatchesDuckDbExceptTheVectorWithANullElement() throws Exception {
    float[] q = queryVector(9, DIM);
    for (String fn : new String[] {"array_distance", "array_cosine_distance",
        "array_negative_inner_product"}) {
      String pqSql = "SELECT id, " + fn + "(embedding, " + pqArray(q) + ") AS d FROM mr"
          + " WHERE id <> 6 ORDER BY d LIMIT 20";
      String duckSql = "SELECT id, " + fn + "(embedding::FLOAT[32], " + duckArray(q) + ") AS d"
          + " FROM read_parquet(" + lit(mr) + ") WHERE id <> 6 ORDER BY d NULLS LAST LIMIT 21";
      Oracle.assertSameRanking(pqSql, query(pq, pqSql), query(duck, duckSql), 20);
    }
    // Row 5 has no embedding, row 6 one with a NULL element: both give a NULL distance in
    // pqvector (DuckDB raises an error for the NULL element instead: a deliberate difference).
    List<List<Object>> rows = query(pq, "SELECT id, array_distance(embedding, " + pqArray(q)
        + ") FROM mr ORDER BY id LIMIT 2 OFFSET 5");
    assertEquals(2, rows.size());
    assertNull(rows.get(0).get(1));
    assertNull(rows.get(1).get(1));
    // And both sort last.
    List<List<Object>> last = query(pq, "SELECT id FROM mr ORDER BY array_distance(embedding, "
        + pqArray(q) + ") LIMIT 2 OFFSET 498");
    assertEquals(List.of(5L, 6L), List.of(((Number) last.get(0).get(0)).longValue(),
        ((Number) last.get(1).get(0)).longValue()).stream().sorted().toList());
  }
}
