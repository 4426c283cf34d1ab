package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.lit;
import static io.pqvector.sqltests.Fixtures.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Values of the five vector functions on literals and stored vectors, against DuckDB. */
class VectorFunctionsTest {
  static final String[] FUNCTIONS = {"array_distance", "array_cosine_distance",
      "array_cosine_similarity", "array_inner_product", "array_negative_inner_product"};

  @TempDir static Path dir;
  static Path docs;
  static Connection pq;
  static Connection duck;

  @BeforeAll static void setUp() throws Exception {
    docs = Fixtures.writeDocs(dir.resolve("docs.parquet"), 200, 8, 100);
    pq = Fixtures.pqvector(dir);
    duck = Fixtures.duckdb();
  }

  @AfterAll static void tearDown() throws Exception {
    pq.close();
    duck.close();
  }

  static Object single(Connection c, String sql) throws SQLException {
    List<List<Object>> rows = query(c, sql);
    assertEquals(1, rows.size(), sql);
    return rows.get(0).get(0);
  }

  static String duckVector(String elements) {
    return "[" + elements + "]::FLOAT[" + elements.split(",").length + "]";
  }

  static final String[][] PAIRS = {
      {"1, 2, 3", "4, 5, 6"},
      {"1.5, -2.25, 0.125", "-0.5, 4, 2"},
      {"7", "-3"},
      {"0.1, 0.2, 0.3, 0.4", "0.4, 0.3, 0.2, 0.1"},
      {"1, 0, 0", "0, 1, 0"},
      {"3, 4", "3, 4"},
      {"-1, -1, -1, -1, -1", "1, 1, 1, 1, 1"},
      {"1000.5, -2000.25, 3e2", "0.001, 0.002, -0.003"},
  };

  @Test void literalValuesEqualDuckDb() throws Exception {
    for (String fn : FUNCTIONS) {
      for (String[] pair : PAIRS) {
        Object actual = single(pq, "SELECT " + fn + "(ARRAY[" + pair[0] + "], ARRAY[" + pair[1]
            + "])");
        Object expected = single(duck, "SELECT " + fn + "(" + duckVector(pair[0]) + ", "
            + duckVector(pair[1]) + ")");
        assertTrue(actual instanceof Float, fn + " returns REAL (Float), got " + actual);
        assertTrue(Oracle.close(Oracle.number(actual), Oracle.number(expected)),
            fn + "([" + pair[0] + "], [" + pair[1] + "]) = " + actual + " but DuckDB says "
                + expected);
      }
    }
  }


  @Test void resultTypeIsReal() throws Exception {
    for (String fn : FUNCTIONS) {
      try (Statement s = pq.createStatement();
          ResultSet rs = s.executeQuery("SELECT " + fn + "(embedding, embedding) AS v FROM docs")) {
        assertEquals(Types.REAL, rs.getMetaData().getColumnType(1), fn);
        assertEquals("REAL", rs.getMetaData().getColumnTypeName(1), fn);
      }
    }
  }

  @Test void storedVectorsEqualDuckDb() throws Exception {
    for (String fn : FUNCTIONS) {
      List<List<Object>> actual = query(pq, "SELECT a.id, b.id, " + fn + "(a.embedding, b.embedding)"
          + " FROM docs a, docs b WHERE a.id < 20 AND b.id < 20 ORDER BY a.id, b.id");
      List<List<Object>> expected = query(duck, "SELECT a.id, b.id, " + fn
          + "(a.embedding::FLOAT[8], b.embedding::FLOAT[8]) FROM read_parquet(" + lit(docs)
          + ") a, read_parquet(" + lit(docs) + ") b WHERE a.id < 20 AND b.id < 20"
          + " ORDER BY a.id, b.id");
      assertEquals(400, actual.size());
      for (int i = 0; i < actual.size(); i++) {
        assertEquals(expected.get(i).subList(0, 2), actual.get(i).subList(0, 2));
        Double a = Oracle.number(actual.get(i).get(2));
        Double e = Oracle.number(expected.get(i).get(2));
        assertTrue(Oracle.close(a, e), fn + " of " + actual.get(i) + " vs DuckDB " + e);
      }
      // Document 3 has no embedding: its row pairs are NULL in both.
      assertNull(actual.get(3).get(2));
    }
  }

  @Test void nullInNullOut() throws Exception {
    for (String fn : FUNCTIONS) {
      assertNull(single(pq, "SELECT " + fn + "(CAST(NULL AS REAL ARRAY), ARRAY[1, 2])"), fn);
      assertNull(single(pq, "SELECT " + fn + "(ARRAY[1, 2], CAST(NULL AS REAL ARRAY))"), fn);
      assertNull(single(pq, "SELECT " + fn + "(NULL, ARRAY[1, 2])"), fn);
      // A query vector (here a literal) holding a NULL element is an error, as in DuckDB.
      SQLException e = assertThrows(SQLException.class,
          () -> single(pq, "SELECT " + fn + "(ARRAY[1, NULL], ARRAY[1, 2])"), fn);
      assertTrue(e.getMessage().contains("the query vector holds a NULL at element 2 of 2"),
          e.getMessage());
      assertEquals("22000", e.getSQLState(), fn);
      assertNull(single(pq, "SELECT " + fn + "(embedding, embedding) FROM docs WHERE id = 3"), fn);
      assertNotNull(single(pq, "SELECT " + fn + "(embedding, embedding) FROM docs WHERE id = 4"), fn);
    }
    assertNull(single(duck, "SELECT array_distance(NULL::FLOAT[2], [1, 2]::FLOAT[2])"));
  }

  static void assertMentions(String message, int... numbers) {
    for (int n : numbers) {
      assertTrue(Pattern.compile("(?<![0-9])" + n + "(?![0-9])").matcher(message).find(),
          "message should name length " + n + ": " + message);
    }
  }

  /** Two literals: Calcite folds the call while planning, so the error comes from prepare. */
  @Test void differentLengthsOfLiteralsAreAnSqlExceptionNamingBoth() throws Exception {
    for (String fn : FUNCTIONS) {
      SQLException e = assertThrows(SQLException.class, () -> single(pq, "SELECT " + fn
          + "(ARRAY[1, 2, 3, 4, 5, 6, 7], ARRAY[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])"), fn);
      assertMentions(fullMessage(e), 7, 11);
    }
  }

  @Test void differentLengthsOfStoredAndLiteralAreAnSqlExceptionNamingBoth() throws Exception {
    for (String fn : FUNCTIONS) {
      SQLException stored = assertThrows(SQLException.class, () -> query(pq, "SELECT " + fn
          + "(embedding, ARRAY[1, 2, 3]) FROM docs"), fn);
      assertMentions(fullMessage(stored), 8, 3);
    }
    // DuckDB also refuses.
    assertThrows(SQLException.class, () -> single(duck,
        "SELECT list_distance([1,2,3]::FLOAT[], [1,2]::FLOAT[])"));
  }

  static String fullMessage(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      b.append(t.getMessage()).append(" / ");
    }
    return b.toString();
  }

  @Test void cosineWithZeroVectorIsNaNLikeDuckDb() throws Exception {
    for (String fn : new String[] {"array_cosine_distance", "array_cosine_similarity"}) {
      Object expected = single(duck, "SELECT " + fn + "([0, 0, 0]::FLOAT[3], [1, 2, 3]::FLOAT[3])");
      assertTrue(Float.isNaN((Float) expected), "DuckDB " + fn + " " + expected);
      Object actual = single(pq, "SELECT " + fn + "(ARRAY[0, 0, 0], ARRAY[1, 2, 3])");
      assertNotNull(actual, fn);
      assertTrue(Float.isNaN(((Number) actual).floatValue()), fn + " should be NaN but is " + actual);
      Object both = single(pq, "SELECT " + fn + "(ARRAY[0, 0], ARRAY[0, 0])");
      assertTrue(Float.isNaN(((Number) both).floatValue()), fn + " of two zero vectors: " + both);
    }
    // Euclidean distance and inner products of zero vectors are ordinary numbers.
    assertEquals(0f, single(pq, "SELECT array_distance(ARRAY[0, 0], ARRAY[0, 0])"));
    assertEquals(0f, ((Number) single(pq, "SELECT array_inner_product(ARRAY[0, 0], ARRAY[1, 2])")).floatValue());
  }

  @Test void nonNumericArraysAreRejected() {
    assertThrows(SQLException.class, () -> single(pq,
        "SELECT array_distance(ARRAY['a', 'b'], ARRAY[1, 2])"));
    assertThrows(SQLException.class, () -> single(pq, "SELECT array_distance(1, 2)"));
    assertThrows(SQLException.class, () -> single(pq, "SELECT array_distance(ARRAY[1, 2])"));
  }

}
