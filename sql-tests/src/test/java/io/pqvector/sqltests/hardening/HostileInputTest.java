package io.pqvector.sqltests.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pqvector.ivf.IvfIndexBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input a hostile or careless client may send: every case ends in a clear SQLException or a
 * correct answer, never an unchecked exception, an Error or a hang.
 */
class HostileInputTest {
  static final int ROWS = 3_000;
  static final int DIM = 16;

  @TempDir static Path work;
  static Path root;
  static Path outside;

  @BeforeAll static void setUp() throws Exception {
    root = Files.createDirectories(work.resolve("root"));
    outside = Files.createDirectories(work.resolve("outside"));
    Path t = Hx.writeVectors(root.resolve("t.parquet"), ROWS, DIM, 1000, 3, 0);
    IvfIndexBuilder.forFile(t).column("embedding").build();
    Hx.writeVectors(outside.resolve("x.parquet"), 10, DIM, 1000, 4, 900_000);
    Hx.writeVectors(outside.resolve("secret.parquet"), 10, DIM, 1000, 5, 800_000);
    Files.createSymbolicLink(root.resolve("leak.parquet"), outside.resolve("secret.parquet"));
    Files.createSymbolicLink(root.resolve("leakdir"), outside);
    Files.createDirectories(root.resolve("inner"));
    Files.createSymbolicLink(root.resolve("inside.parquet"), root.resolve("t.parquet"));
  }

  /** Runs {@code body}; an SQLException is returned, anything else non-SQL fails the test. */
  static SQLException sqlError(String what, SqlBody body) {
    SQLException[] caught = new SQLException[1];
    try {
      assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
        try {
          body.run();
        } catch (SQLException e) {
          caught[0] = e;
        }
      }, what + " hung");
    } catch (Throwable t) {
      Hx.rethrowErrors(t, what);
      throw new AssertionError(what + ": leaked " + t, t);
    }
    if (caught[0] == null) {
      fail(what + ": expected an SQLException");
    }
    String msg = caught[0].getMessage();
    assertTrue(msg != null && !msg.isBlank(), what + ": SQLException without message");
    System.out.println("HostileInputTest " + what + " -> " + firstLine(msg));
    return caught[0];
  }

  static String firstLine(String msg) {
    String m = msg;
    if (m.startsWith("Error while executing SQL") && m.indexOf("\": ") > 0) {
      m = m.substring(m.indexOf("\": ") + 3);
    }
    m = m.lines().findFirst().orElse("");
    return m.length() > 200 ? m.substring(0, 200) + "..." : m;
  }

  interface SqlBody {
    void run() throws SQLException;
  }

  static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      long n = 0;
      while (rs.next()) {
        n++;
      }
      return n;
    }
  }

  static String topK(float[] q, String limit) {
    return "SELECT id FROM t ORDER BY array_distance(embedding, " + Hx.pqArray(q) + ") LIMIT "
        + limit;
  }

  @Test void pathsOutsideTheRootAreNotTables() throws Exception {
    try (Connection c = Hx.pq(root)) {
      for (String name : List.of("../outside/x", "../x", "../outside/x.parquet", "/etc/passwd",
          "..", "outside/../../outside/x", "leak", "leakdir")) {
        SQLException e = sqlError("table \"" + name + "\"",
            () -> count(c, "SELECT * FROM \"" + name + "\""));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
      }
      // A link that stays inside the root is an ordinary table.
      assertEquals(ROWS, count(c, "SELECT id FROM \"inside\""));
      assertEquals(ROWS, count(c, "SELECT id FROM t"));
    }
    try (Connection c = Hx.pq(root, ";followSymlinks=true")) {
      assertEquals(10, count(c, "SELECT id FROM leak"));
      assertEquals(20, count(c, "SELECT id FROM leakdir"));
      SQLException e = sqlError("table \"../outside/x\" with followSymlinks",
          () -> count(c, "SELECT * FROM \"../outside/x\""));
      assertEquals("42000", e.getSQLState(), e.getMessage());
      assertTrue(e.getMessage().contains("Object '../outside/x' not found"), e.getMessage());
    }
  }

  @Test void hugeLimitReturnsEveryRowWithoutHugeAllocation() throws Exception {
    float[] q = Hx.queryVector(1, DIM);
    try (Connection exact = Hx.pq(root, ";useIndex=false"); Connection indexed = Hx.pq(root)) {
      for (Connection c : List.of(exact, indexed)) {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
          assertEquals(ROWS, count(c, topK(q, "2000000000")));
          assertEquals(ROWS, count(c, topK(q, "2147483647")));
          assertEquals(ROWS - 5, count(c, topK(q, "2000000000 OFFSET 5")));
          assertEquals(ROWS, count(c, "SELECT * FROM t LIMIT 2000000000"));
          assertEquals(0, count(c, topK(q, "2000000000 OFFSET 2000000000")));
          try (PreparedStatement p = c.prepareStatement("SELECT id FROM t ORDER BY "
              + "array_distance(embedding, " + Hx.pqArray(q) + ") LIMIT ?")) {
            p.setLong(1, 2_000_000_000L);
            try (ResultSet rs = p.executeQuery()) {
              int n = 0;
              while (rs.next()) {
                n++;
              }
              assertEquals(ROWS, n);
            }
          }
        });
      }
      SQLException negative = sqlError("LIMIT -1", () -> count(exact, topK(q, "-1")));
      assertEquals("42000", negative.getSQLState(), negative.getMessage());
      assertTrue(negative.getMessage().contains("Encountered \"-\""), negative.getMessage());
      // Calcite's row limits are ints: a larger LIMIT or OFFSET is refused before planning.
      for (String limit : List.of("99999999999999999999999999999", "2147483648",
          "10 OFFSET 3000000000")) {
        for (String sql : List.of(topK(q, limit), "SELECT * FROM t LIMIT " + limit,
            "SELECT count(*) FROM (SELECT id FROM t ORDER BY id LIMIT " + limit + ")")) {
          SQLException tooBig = sqlError(sql, () -> count(exact, sql));
          assertEquals("42000", tooBig.getSQLState(), tooBig.getMessage());
          assertTrue(tooBig.getMessage().contains("is larger than 2147483647"),
              tooBig.getMessage());
        }
      }
    }
  }

  @Test void millionDimensionQueryVectorIsAClearError() throws Exception {
    float[] huge = new float[1_000_000];
    Arrays.fill(huge, 0.5f);
    for (String options : List.of("", ";useIndex=false")) {
      try (Connection c = Hx.pq(root, options);
          PreparedStatement p = c.prepareStatement(
              "SELECT id FROM t ORDER BY array_distance(embedding, ?) LIMIT 10")) {
        p.setObject(1, huge);
        SQLException e = sqlError("1,000,000-dim parameter" + options, () -> {
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              // drain
            }
          }
        });
        assertTrue(e.getMessage().contains("1000000") && e.getMessage().contains(String.valueOf(DIM)),
            e.getMessage());
      }
      // As a literal too (20,000 elements of SQL text).
      float[] big = new float[20_000];
      Arrays.fill(big, 0.25f);
      try (Connection c = Hx.pq(root, options)) {
        SQLException e = sqlError("20,000-dim literal" + options,
            () -> count(c, topK(big, "10")));
        assertTrue(e.getMessage().contains("20000") && e.getMessage().contains(String.valueOf(DIM)),
            e.getMessage());
      }
    }
  }

  @Test void nanAndInfinityInTheQueryVector() throws Exception {
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      for (String options : List.of("", ";useIndex=false")) {
        float[] q = Hx.queryVector(2, DIM);
        q[3] = bad;
        String what = "query vector with " + bad + (options.isEmpty() ? " (index)" : " (exact)");
        try (Connection c = Hx.pq(root, options);
            PreparedStatement p = c.prepareStatement("SELECT id, array_distance(embedding, ?) AS d"
                + " FROM t ORDER BY d LIMIT 10")) {
          p.setObject(1, q);
          List<Double> ds = new ArrayList<>();
          try {
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
              try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                  ds.add(rs.getDouble(2));
                }
              }
            });
          } catch (Throwable t) {
            if (t instanceof SQLException e) {
              assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
              System.out.println("HostileInputTest " + what + " -> " + firstLine(e.getMessage()));
              continue;
            }
            Hx.rethrowErrors(t, what);
            throw new AssertionError(what + ": leaked " + t, t);
          }
          // Defined result: 10 rows, each distance what IEEE arithmetic gives (NaN or infinite).
          assertEquals(10, ds.size(), what);
          for (double d : ds) {
            assertTrue(Double.isNaN(d) || Double.isInfinite(d), what + ": distance " + d);
          }
          System.out.println("HostileInputTest " + what + " -> 10 rows, distances " + ds.get(0));
        }
      }
    }
  }

  @Test void wrongTypedParameters() throws Exception {
    try (Connection c = Hx.pq(root);
        PreparedStatement p = c.prepareStatement(
            "SELECT id FROM t ORDER BY array_distance(embedding, ?) LIMIT 10")) {
      Object[] values = {"[0.1, 0.2]", "not a vector", new Object(), 42, new int[] {1, 2},
          new String[] {"a", "b"}, List.of("x"), java.util.Map.of(), new byte[16]};
      for (Object v : values) {
        String what = "vector parameter " + v.getClass().getSimpleName();
        SQLException e = sqlError(what, () -> {
          if (v instanceof String) {
            p.setString(1, (String) v);
          } else {
            p.setObject(1, v);
          }
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              // drain
            }
          }
        });
        assertEquals("22000", e.getSQLState(), what + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("array_distance: expected a vector"),
            what + ": " + e.getMessage());
      }
      // Unset parameter.
      p.clearParameters();
      SQLException unbound =
          sqlError("unbound vector parameter", () -> p.executeQuery().close());
      assertEquals("07001", unbound.getSQLState(), unbound.getMessage());
      assertTrue(unbound.getMessage().contains("parameter 1 of 1 has no value"),
          unbound.getMessage());
    }
    try (Connection c = Hx.pq(root);
        PreparedStatement p = c.prepareStatement("SELECT id FROM t WHERE id = ? LIMIT 5")) {
      p.setString(1, "seven");
      SQLException e = sqlError("string for BIGINT", () -> {
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            // drain
          }
        }
      });
      assertEquals("22000", e.getSQLState(), e.getMessage());
      assertTrue(e.getMessage().contains("parameter 1 expects a number (BIGINT)"), e.getMessage());
    }
  }

  @Test void writesAreRefusedAsReadOnly() throws Exception {
    byte[] before = Files.readAllBytes(root.resolve("t.parquet"));
    try (Connection c = Hx.pq(root)) {
      for (String sql : List.of("INSERT INTO t (id) VALUES (1)", "UPDATE t SET id = 1",
          "DELETE FROM t", "CREATE TABLE z (a INT)", "DROP TABLE t",
          "CREATE VIEW v AS SELECT * FROM t")) {
        SQLException e = sqlError(sql.split(" ")[0] + " " + sql.split(" ")[1], () -> {
          try (Statement s = c.createStatement()) {
            s.execute(sql);
          }
        });
        assertTrue(e.getMessage().toLowerCase().contains("read-only"), e.getMessage());
      }
      assertEquals(ROWS, count(c, "SELECT id FROM t"));
    }
    assertTrue(Arrays.equals(before, Files.readAllBytes(root.resolve("t.parquet"))));
    assertThrows(SQLException.class, () -> {
      try (Connection c = Hx.pq(root)) {
        c.createStatement().executeUpdate("DELETE FROM t WHERE id = 1");
      }
    });
  }
}
