package io.pqvector.sqltests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Array;
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
 * A statement prepared once and run after its table's files changed answers from the files as
 * they are at the run, as a statement prepared then would: files added, removed and replaced
 * since are seen, through the index and without it. A change of the columns' types fails the run
 * with a message that says to prepare again.
 */
class PreparedStatementFilesTest {
  @TempDir Path root;

  @Test void aPreparedStatementSeesTheFilesAsTheyAreAtEachRun() throws Exception {
    Path table = Files.createDirectories(root.resolve("t"));
    IvfFixtures.writeClustered(table.resolve("a.parquet"), 3000, 16, 20, 0, 1, "emb");
    IvfFixtures.index(table.resolve("a.parquet"), "emb", io.pqvector.vector.Metric.L2);
    Path staging = Files.createDirectories(root.resolve(".staging"));
    IvfFixtures.writeClustered(staging.resolve("b.parquet"), 2000, 16, 20, 100_000, 2, "emb");
    IvfFixtures.writeClustered(staging.resolve("c.parquet"), 1000, 16, 20, 200_000, 3, "emb");
    // The root unchanged for an hour, as a data directory usually is: every change below happens
    // inside the table's directory, which a run looks at without listing the root again.
    Files.setLastModifiedTime(root, java.nio.file.attribute.FileTime.fromMillis(
        System.currentTimeMillis() - 3_600_000));

    for (String options : List.of("", ";useIndex=false")) {
      try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + root + options);
          PreparedStatement count = c.prepareStatement("SELECT count(*) FROM t");
          PreparedStatement nearest = c.prepareStatement(
              "SELECT id FROM t ORDER BY array_distance(emb, ?) LIMIT 1");
          PreparedStatement vectorOf = c.prepareStatement("SELECT emb FROM t WHERE id = ?")) {
        assertEquals(3000, single(count));
        float[] fromB = vector(staging.resolve("b.parquet"), 100_123);

        Files.copy(staging.resolve("b.parquet"), table.resolve("b.parquet"));
        assertEquals(5000, single(count), options + ": a file added after prepare");
        nearest.setObject(1, fromB);
        assertEquals(100_123, single(nearest), options + ": its rows are searched");

        Files.delete(table.resolve("a.parquet"));
        assertEquals(2000, single(count), options + ": a file removed after prepare");
        assertEquals(100_123, single(nearest));

        // b replaced (renamed over) by c's rows: the old rows are gone, the new ones found.
        Files.copy(staging.resolve("c.parquet"), table.resolve(".incoming.parquet"));
        Files.move(table.resolve(".incoming.parquet"), table.resolve("b.parquet"),
            StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        assertEquals(1000, single(count), options + ": a file replaced after prepare");
        float[] fromC = vector(staging.resolve("c.parquet"), 200_077);
        nearest.setObject(1, fromC);
        assertEquals(200_077, single(nearest), options);
        vectorOf.setLong(1, 100_123);
        assertEquals(0, rows(vectorOf).size(), options + ": the replaced rows are gone");

        // Back to the first state for the next connection.
        Files.delete(table.resolve("b.parquet"));
        IvfFixtures.writeClustered(table.resolve("a.parquet"), 3000, 16, 20, 0, 1, "emb");
        IvfFixtures.index(table.resolve("a.parquet"), "emb", io.pqvector.vector.Metric.L2);
        assertEquals(3000, single(count));
      }
    }
  }

  @Test void aChangeOfColumnTypesAsksToPrepareAgain() throws Exception {
    Path table = Files.createDirectories(root.resolve("t"));
    IvfFixtures.writeClustered(table.resolve("a.parquet"), 500, 8, 5, 0, 1, "emb");
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + root);
        PreparedStatement cats = c.prepareStatement("SELECT cat FROM t WHERE id = 7")) {
      assertEquals(7, single(cats));
      Fixtures.duck("COPY (SELECT 7::BIGINT AS id, 'seven' AS cat) TO "
          + Fixtures.lit(table.resolve("a.parquet")) + " (FORMAT parquet)");
      SQLException e = assertThrows(SQLException.class, () -> single(cats));
      assertTrue(e.getMessage().contains("prepare it again"), e.getMessage());
    }
  }

  /**
   * A run looks at the files of the tables its plan reads, not at everything under the root: files
   * added to another table leave the statement's plan as it is (nothing is planned again), while a
   * file added to its own table is seen by the next run.
   */
  @Test void aRunLooksAtTheFilesOfItsOwnTablesOnly() throws Exception {
    Path t = Files.createDirectories(root.resolve("t"));
    Path u = Files.createDirectories(root.resolve("u"));
    IvfFixtures.writeClustered(t.resolve("a.parquet"), 500, 8, 5, 0, 1, "emb");
    IvfFixtures.writeClustered(u.resolve("a.parquet"), 500, 8, 5, 0, 1, "emb");
    Files.setLastModifiedTime(root, java.nio.file.attribute.FileTime.fromMillis(
        System.currentTimeMillis() - 3_600_000));
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + root);
        PreparedStatement countT = c.prepareStatement("SELECT count(*) AS own_tables_probe FROM t")) {
      assertEquals(500, single(countT));
      long built = io.pqvector.calcite.prepare.PqVectorPrepare.planCacheStats().built();
      for (int i = 0; i < 3; i++) {
        IvfFixtures.writeClustered(u.resolve("more" + i + ".parquet"), 100, 8, 5, 10_000 * (i + 1),
            2, "emb");
        assertEquals(500, single(countT));
      }
      assertEquals(built, io.pqvector.calcite.prepare.PqVectorPrepare.planCacheStats().built(),
          "files added to another table made no new plan");
      IvfFixtures.writeClustered(t.resolve("b.parquet"), 100, 8, 5, 50_000, 3, "emb");
      assertEquals(600, single(countT), "a file added to its own table is seen");
      assertEquals(built + 1,
          io.pqvector.calcite.prepare.PqVectorPrepare.planCacheStats().built());
    }
  }

  private static long single(PreparedStatement s) throws SQLException {
    List<Object[]> rows = rows(s);
    assertEquals(1, rows.size());
    return ((Number) rows.get(0)[0]).longValue();
  }

  private static List<Object[]> rows(PreparedStatement s) throws SQLException {
    List<Object[]> out = new ArrayList<>();
    try (ResultSet rs = s.executeQuery()) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        Object[] row = new Object[n];
        for (int i = 0; i < n; i++) {
          row[i] = rs.getObject(i + 1);
        }
        out.add(row);
      }
    }
    return out;
  }

  /** Row {@code id}'s vector, read from {@code file} by a connection of its own. */
  private static float[] vector(Path file, long id) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + file.getParent());
        PreparedStatement s = c.prepareStatement("SELECT emb FROM "
            + file.getFileName().toString().replace(".parquet", "") + " WHERE id = ?")) {
      s.setLong(1, id);
      try (ResultSet rs = s.executeQuery()) {
        assertTrue(rs.next(), "row " + id + " of " + file);
        Array a = rs.getArray(1);
        Object[] values = (Object[]) a.getArray();
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
          out[i] = ((Number) values[i]).floatValue();
        }
        return out;
      }
    }
  }
}
