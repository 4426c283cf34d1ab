package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.DIM;
import static io.pqvector.sqltests.Fixtures.duckArray;
import static io.pqvector.sqltests.Fixtures.lit;
import static io.pqvector.sqltests.Fixtures.pqArray;
import static io.pqvector.sqltests.Fixtures.query;
import static io.pqvector.sqltests.Fixtures.queryVector;
import static io.pqvector.sqltests.Fixtures.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query vector in every form a client may send it (literal, bare {@code ?} bound to float[],
 * double[], java.sql.Array or List, CAST(? AS REAL ARRAY), a scalar subquery) gives DuckDB's
 * answer; so does {@code LIMIT ?} and a PreparedStatement re-executed with new vectors.
 */
class QueryVectorFormsTest {
  static final String SQL_PARAM =
      "SELECT id, array_distance(embedding, ?) AS d FROM docs ORDER BY d LIMIT 10";

  @TempDir static Path dir;
  static Path docs;
  static Connection pq;
  static Connection duck;
  static final float[] Q = queryVector(11, DIM);
  static List<List<Object>> expected;

  @BeforeAll static void setUp() throws Exception {
    docs = Fixtures.writeDocs(dir);
    pq = Fixtures.pqvector(dir);
    duck = Fixtures.duckdb();
    expected = duckTop(Q, 11);
  }

  @AfterAll static void tearDown() throws Exception {
    pq.close();
    duck.close();
  }

  static List<List<Object>> duckTop(float[] q, int limit) throws Exception {
    return query(duck, "SELECT id, array_distance(embedding::FLOAT[32], " + duckArray(q)
        + ") AS d FROM read_parquet(" + lit(docs) + ") ORDER BY d NULLS LAST LIMIT " + limit);
  }

  static Float[] boxed(float[] v) {
    Float[] b = new Float[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = v[i];
    }
    return b;
  }

  static List<List<Object>> run(String sql, Object parameter) throws Exception {
    try (PreparedStatement ps = pq.prepareStatement(sql)) {
      ps.setObject(1, parameter);
      try (ResultSet rs = ps.executeQuery()) {
        return rows(rs);
      }
    }
  }

  @Test void arrayLiteral() throws Exception {
    String sql = "SELECT id, array_distance(embedding, " + pqArray(Q) + ") AS d FROM docs"
        + " ORDER BY d LIMIT 10";
    Oracle.assertSameRanking(sql, query(pq, sql), expected, 10);
  }

  @Test void bareParameterFloatArray() throws Exception {
    Oracle.assertSameRanking(SQL_PARAM, run(SQL_PARAM, Q), expected, 10);
  }

  @Test void bareParameterDoubleArray() throws Exception {
    double[] d = new double[Q.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = Q[i];
    }
    Oracle.assertSameRanking(SQL_PARAM, run(SQL_PARAM, d), expected, 10);
  }

  @Test void bareParameterSqlArrayFromCreateArrayOf() throws Exception {
    java.sql.Array array = pq.createArrayOf("FLOAT", boxed(Q));
    try (PreparedStatement ps = pq.prepareStatement(SQL_PARAM)) {
      ps.setArray(1, array);
      try (ResultSet rs = ps.executeQuery()) {
        Oracle.assertSameRanking(SQL_PARAM, rows(rs), expected, 10);
      }
    }
  }

  @Test void bareParameterList() throws Exception {
    List<Float> list = new ArrayList<>(List.of(boxed(Q)));
    Oracle.assertSameRanking(SQL_PARAM, run(SQL_PARAM, list), expected, 10);
  }

  @Test void bareParameterOnlyInOrderBy() throws Exception {
    String sql = "SELECT id FROM docs ORDER BY array_distance(embedding, ?) LIMIT 10";
    Oracle.assertSameRanking(sql, run(sql, Q), expected, 10);
  }

  /**
   * Each parameter form with the bare {@code ?} only in ORDER BY (the distance not selected), so
   * the forms are checked apart from where the parameter sits; LIMIT ? and re-execution too.
   */
  @Test void everyParameterFormInOrderByOnly() throws Exception {
    String sql = "SELECT id FROM docs ORDER BY array_distance(embedding, ?) LIMIT ?";
    double[] d = new double[Q.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = Q[i];
    }
    Object[] forms = {Q, d, pq.createArrayOf("FLOAT", boxed(Q)), new ArrayList<>(List.of(boxed(Q))),
        boxed(Q)};
    List<String> problems = new ArrayList<>();
    try (PreparedStatement ps = pq.prepareStatement(sql)) {
      for (Object form : forms) {
        String name = form.getClass().getSimpleName();
        try {
          if (form instanceof java.sql.Array) {
            ps.setArray(1, (java.sql.Array) form);
          } else {
            ps.setObject(1, form);
          }
          ps.setInt(2, 10);
          try (ResultSet rs = ps.executeQuery()) {
            Oracle.assertSameRanking(sql + " [" + name + "]", rows(rs), expected, 10);
          }
        } catch (Exception | AssertionError e) {
          problems.add(name + ": " + e);
        }
      }
      for (int seed = 100; seed < 105; seed++) {
        float[] q = queryVector(seed, DIM);
        ps.setObject(1, q);
        ps.setInt(2, 5);
        try (ResultSet rs = ps.executeQuery()) {
          Oracle.assertSameRanking(sql + " [seed " + seed + "]", rows(rs), duckTop(q, 6), 5);
        }
      }
    }
    org.junit.jupiter.api.Assertions.assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test void bareParameterAsFirstOperand() throws Exception {
    String sql = "SELECT id, array_distance(?, embedding) AS d FROM docs ORDER BY d LIMIT 10";
    Oracle.assertSameRanking(sql, run(sql, Q), expected, 10);
  }

  @Test void castParameterToRealArrayWithSqlArray() throws Exception {
    String sql = "SELECT id, array_distance(embedding, CAST(? AS REAL ARRAY)) AS d FROM docs"
        + " ORDER BY d LIMIT 10";
    try (PreparedStatement ps = pq.prepareStatement(sql)) {
      ps.setArray(1, pq.createArrayOf("FLOAT", boxed(Q)));
      try (ResultSet rs = ps.executeQuery()) {
        Oracle.assertSameRanking(sql, rows(rs), expected, 10);
      }
    }
  }

  @Test void castParameterToRealArrayWithFloatArray() throws Exception {
    String sql = "SELECT id, array_distance(embedding, CAST(? AS REAL ARRAY)) AS d FROM docs"
        + " ORDER BY d LIMIT 10";
    Oracle.assertSameRanking(sql, run(sql, Q), expected, 10);
  }

  @Test void scalarSubquery() throws Exception {
    String sql = "SELECT id, array_distance(embedding, (SELECT embedding FROM docs WHERE id = 42))"
        + " AS d FROM docs ORDER BY d LIMIT 10";
    List<List<Object>> exp = query(duck, "SELECT id, array_distance(embedding::FLOAT[32],"
        + " (SELECT embedding::FLOAT[32] FROM read_parquet(" + lit(docs) + ") WHERE id = 42)) AS d"
        + " FROM read_parquet(" + lit(docs) + ") ORDER BY d NULLS LAST LIMIT 11");
    List<List<Object>> actual = query(pq, sql);
    Oracle.assertSameRanking(sql, actual, exp, 10);
    assertEquals(42L, ((Number) actual.get(0).get(0)).longValue(), "a document is its own nearest");
    assertEquals(0.0, ((Number) actual.get(0).get(1)).doubleValue(), 0.0);
  }

  @Test void limitParameter() throws Exception {
    String sql = "SELECT id, array_distance(embedding, ?) AS d FROM docs ORDER BY d LIMIT ?";
    try (PreparedStatement ps = pq.prepareStatement(sql)) {
      for (int k : new int[] {3, 10, 1}) {
        ps.setObject(1, Q);
        ps.setInt(2, k);
        try (ResultSet rs = ps.executeQuery()) {
          Oracle.assertSameRanking(sql + " [k=" + k + "]", rows(rs), expected, k);
        }
      }
    }
  }

  @Test void preparedStatementReExecutedWithFiveVectors() throws Exception {
    try (PreparedStatement ps = pq.prepareStatement(SQL_PARAM)) {
      for (int seed = 100; seed < 105; seed++) {
        float[] q = queryVector(seed, DIM);
        ps.setObject(1, q);
        try (ResultSet rs = ps.executeQuery()) {
          Oracle.assertSameRanking(SQL_PARAM + " [seed " + seed + "]", rows(rs),
              duckTop(q, 11), 10);
        }
      }
    }
  }

  @Test void preparedStatementWithFilterAndSelectedParameter() throws Exception {
    String sql = "SELECT id, array_cosine_distance(embedding, ?) AS d FROM docs"
        + " WHERE lang = ? AND \"year\" >= ? ORDER BY d LIMIT 7";
    try (PreparedStatement ps = pq.prepareStatement(sql)) {
      for (String lang : new String[] {"de", "fr"}) {
        ps.setObject(1, Q);
        ps.setString(2, lang);
        ps.setInt(3, 2010);
        try (ResultSet rs = ps.executeQuery()) {
          List<List<Object>> exp = query(duck, "SELECT id, array_cosine_distance("
              + "embedding::FLOAT[32], " + duckArray(Q) + ") AS d FROM read_parquet(" + lit(docs)
              + ") WHERE lang = '" + lang + "' AND year >= 2010 ORDER BY d NULLS LAST LIMIT 8");
          Oracle.assertSameRanking(sql + " [" + lang + "]", rows(rs), exp, 7);
        }
      }
    }
  }

  /** A query vector parameter that was never bound must not silently rank by NULL. */
  @Test void unboundParameterIsAnError() throws Exception {
    String sql = "SELECT id FROM docs ORDER BY array_distance(embedding, ?) LIMIT 1";
    try (PreparedStatement ps = pq.prepareStatement(sql)) {
      java.sql.SQLException e = org.junit.jupiter.api.Assertions.assertThrows(
          java.sql.SQLException.class, () -> rows(ps.executeQuery()),
          "executing with parameter 1 unset");
      assertEquals(true, e.getMessage() != null);
    }
    try (Statement s = pq.createStatement()) {
      org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
          () -> rows(s.executeQuery(sql)), "a plain Statement with a ?");
    }
  }

  @Test void statementAndPreparedStatementAgree() throws Exception {
    try (Statement s = pq.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM docs")) {
      rs.next();
      assertEquals(3000, rs.getLong(1));
    }
  }
}
