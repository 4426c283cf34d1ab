package io.pqvector.sqltests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.calcite.prepare.PqVectorPrepare;
import io.pqvector.vector.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A statement prepared on one connection is planned once for every connection with the same
 * directory and settings (a pool's connections, a server's clients): the others reuse its plan
 * and its generated code. Connections with other settings, and the same connection after the
 * files changed, get plans of their own; a statement that cannot be planned fails every time with
 * its own error.
 */
class SharedPlansTest {
  @TempDir Path root;

  @Test void connectionsWithTheSameSettingsShareAStatementsPlan() throws Exception {
    Path table = Files.createDirectories(root.resolve("t"));
    IvfFixtures.writeClustered(table.resolve("a.parquet"), 3000, 16, 20, 0, 1, "emb");
    IvfFixtures.index(table.resolve("a.parquet"), "emb", Metric.L2);
    // A text no other test prepares, so that its plan is made here.
    String sql = "SELECT id AS shared_statement_probe FROM t WHERE id <> ?"
        + " ORDER BY array_distance(emb, ?) LIMIT 5";
    String url = "jdbc:pqvector:" + root;
    try (Connection a = DriverManager.getConnection(url);
        Connection b = DriverManager.getConnection(url);
        Connection oneList = DriverManager.getConnection(url + ";nprobe=1");
        Connection exact = DriverManager.getConnection(url + ";useIndex=false")) {
      float[] query = vectorOf(a, 1234);
      PqVectorPrepare.PlanCacheStats s0 = PqVectorPrepare.planCacheStats();
      PreparedStatement onA = a.prepareStatement(sql);
      PqVectorPrepare.PlanCacheStats s1 = PqVectorPrepare.planCacheStats();
      assertEquals(s0.built() + 1, s1.built(), "the first connection planned the statement");
      PreparedStatement onB = b.prepareStatement(sql);
      PqVectorPrepare.PlanCacheStats s2 = PqVectorPrepare.planCacheStats();
      assertEquals(s1.built(), s2.built(), "the second connection planned nothing");
      assertEquals(s1.reused() + 1, s2.reused(), "it reused the first one's plan");
      PreparedStatement onOneList = oneList.prepareStatement(sql);
      PreparedStatement onExact = exact.prepareStatement(sql);
      PqVectorPrepare.PlanCacheStats s3 = PqVectorPrepare.planCacheStats();
      assertEquals(s2.built() + 2, s3.built(), "other settings, plans of their own");

      List<Long> fromA = nearest(onA, 1234, query);
      assertEquals(5, fromA.size());
      assertTrue(!fromA.contains(1234L), "the bound id is excluded: " + fromA);
      assertEquals(fromA, nearest(onB, 1234, query), "the shared plan, the same answer");
      List<Long> truth = nearest(onExact, 1234, query);
      assertEquals(truth, fromA, "every list this index probes by default finds the exact rows");
      // The statements are independent: binding one leaves the other's parameters alone.
      float[] other = vectorOf(a, 2500);
      List<Long> fromBOther = nearest(onB, 2500, other);
      assertEquals(fromA, nearest(onA, 1234, query));
      assertNotEquals(fromA, fromBOther);
      assertEquals(nearest(onExact, 2500, other), fromBOther);
      // The one-list plan is its own: it answers from one list (here it misses rows).
      assertEquals(5, nearest(onOneList, 1234, query).size());

      // Files added: the next prepare plans for the files as they are, and the earlier
      // statements run on them too.
      IvfFixtures.writeClustered(table.resolve("b.parquet"), 1000, 16, 20, 100_000, 2, "emb");
      float[] fromB = vectorOf(a, 100_321);
      PreparedStatement afterAdd = b.prepareStatement(sql);
      assertEquals(100_321L, nearest(afterAdd, -1, fromB).get(0));
      assertEquals(100_321L, nearest(onA, -1, fromB).get(0));
      assertEquals(100_321L, nearest(onB, -1, fromB).get(0));
      for (PreparedStatement s : List.of(onA, onB, onOneList, onExact, afterAdd)) {
        s.close();
      }
    }
  }

  @Test void aStatementThatCannotBePlannedFailsWithItsOwnErrorEveryTime() throws Exception {
    Path table = Files.createDirectories(root.resolve("t"));
    IvfFixtures.writeClustered(table.resolve("a.parquet"), 200, 8, 4, 0, 1, "emb");
    try (Connection a = DriverManager.getConnection("jdbc:pqvector:" + root);
        Connection b = DriverManager.getConnection("jdbc:pqvector:" + root)) {
      String sql = "SELECT no_such_column FROM t WHERE id = ?";
      for (Connection c : List.of(a, b, a)) {
        SQLException e = assertThrows(SQLException.class, () -> c.prepareStatement(sql));
        assertTrue(e.getMessage().contains("NO_SUCH_COLUMN")
            || e.getMessage().toLowerCase().contains("no_such_column"), e.getMessage());
      }
    }
  }

  private static List<Long> nearest(PreparedStatement s, long excluded, float[] query)
      throws SQLException {
    s.setLong(1, excluded);
    s.setObject(2, query);
    List<Long> ids = new ArrayList<>();
    try (ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }

  private static float[] vectorOf(Connection c, long id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT emb FROM t WHERE id = ?")) {
      s.setLong(1, id);
      try (ResultSet rs = s.executeQuery()) {
        assertTrue(rs.next(), "row " + id);
        Object[] values = (Object[]) rs.getArray(1).getArray();
        float[] v = new float[values.length];
        for (int i = 0; i < v.length; i++) {
          v[i] = ((Number) values[i]).floatValue();
        }
        return v;
      }
    }
  }
}
