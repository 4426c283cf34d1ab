package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.pqArray;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.format.IvfIndexFormat;
import io.pqvector.vector.Metric;
import io.pqvector.parquet.ParquetFiles;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What JDBC clients (DBeaver's generic driver, pools, frameworks) expect of the driver. */
class ClientCompatibilityTest {
  @TempDir static Path dir;
  static Path docs;
  static Connection pq;

  @BeforeAll static void setUp() throws Exception {
    docs = Fixtures.writeDocs(dir);
    pq = Fixtures.pqvector(dir);
  }

  @AfterAll static void tearDown() throws Exception {
    pq.close();
  }

  static float[] duckVector(long id) throws SQLException {
    return IvfFixtures.vectorOf(docs, "embedding", id);
  }

  @Test void preparedStatementHonoursMaxRows() throws Exception {
    try (PreparedStatement ps = pq.prepareStatement("SELECT id FROM docs")) {
      ps.setMaxRows(200);
      assertEquals(200, Fixtures.rows(ps.executeQuery()).size());
      ps.setMaxRows(0);
      assertEquals(3000, Fixtures.rows(ps.executeQuery()).size());
    }
    try (Statement s = pq.createStatement()) {
      s.setMaxRows(7);
      assertEquals(7, Fixtures.rows(s.executeQuery("SELECT id FROM docs")).size());
    }
  }

  @Test void arrayResultSetHasIndexAndValueWithExactFloats() throws Exception {
    float[] expected = duckVector(1);
    try (Statement s = pq.createStatement();
         ResultSet rs = s.executeQuery("SELECT id, embedding FROM docs WHERE id = 1")) {
      assertTrue(rs.next());
      Array array = rs.getArray(2);
      try (ResultSet elements = array.getResultSet()) {
        ResultSetMetaData md = elements.getMetaData();
        assertEquals(2, md.getColumnCount());
        assertEquals("INDEX", md.getColumnLabel(1));
        assertEquals("VALUE", md.getColumnLabel(2));
        assertEquals(Types.REAL, md.getColumnType(2));
        int n = 0;
        while (elements.next()) {
          assertEquals(n + 1, elements.getInt(1));
          assertEquals(expected[n], elements.getFloat(2));
          assertEquals(expected[n], ((Number) elements.getObject(2)).floatValue());
          n++;
        }
        assertEquals(expected.length, n);
      }
    }
  }

  @Test void getObjectAsFloatArray() throws Exception {
    float[] expected = duckVector(2);
    try (PreparedStatement ps = pq.prepareStatement(
        "SELECT embedding FROM docs WHERE id IN (2, 3) ORDER BY id")) {
      ResultSet rs = ps.executeQuery();
      assertTrue(rs.next());
      assertArrayEquals(expected, rs.getObject(1, float[].class));
      assertArrayEquals(expected, rs.getObject("embedding", float[].class));
      double[] doubles = rs.getObject(1, double[].class);
      assertEquals(expected.length, doubles.length);
      assertEquals(expected[5], (float) doubles[5]);
      // Row 3 is one of the rows whose vector is NULL (every 97th, from 3).
      assertTrue(rs.next());
      assertNull(rs.getObject(1, float[].class));
    }
  }

  @Test void foreignPropertiesAreIgnoredAndNearTyposNamed() throws Exception {
    Properties p = new Properties();
    p.setProperty("ApplicationName", "DBeaver 25.1");
    p.setProperty("connectTimeout", "20");
    p.setProperty("nprobe", "4");
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + dir, p)) {
      assertEquals(1, Fixtures.query(c, "SELECT COUNT(*) FROM docs").size());
    }
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + dir
        + ";ApplicationName=x;loginTimeout=5")) {
      assertFalse(c.isClosed());
      // Tools set client info after connecting; it is kept, not refused.
      c.setClientInfo("ApplicationName", "DBeaver 25.1");
      assertEquals("DBeaver 25.1", c.getClientInfo("ApplicationName"));
    }
    SQLException typo = assertThrows(SQLException.class,
        () -> DriverManager.getConnection("jdbc:pqvector:" + dir + ";nprobes=5"));
    assertTrue(typo.getMessage().contains("did you mean 'nprobe'"), typo.getMessage());
    assertEquals("08001", typo.getSQLState());
    SQLException typo2 = assertThrows(SQLException.class,
        () -> DriverManager.getConnection("jdbc:pqvector:" + dir + ";useIndx=false"));
    assertTrue(typo2.getMessage().contains("'useIndex'"), typo2.getMessage());
  }

  @Test void getUrlIsTheUrlAsGiven() throws Exception {
    String url = "jdbc:pqvector:" + dir + ";nprobe=3";
    try (Connection c = DriverManager.getConnection(url)) {
      assertEquals(url, c.getMetaData().getURL());
    }
  }

  static SQLException failing(String sql) {
    return assertThrows(SQLException.class, () -> {
      try (Statement s = pq.createStatement(); ResultSet rs = s.executeQuery(sql)) {
        while (rs.next()) {
          rs.getObject(1);
        }
      }
    });
  }

  @Test void everyErrorHasAStandardSqlState() throws Exception {
    SQLException syntax = failing("SELEC id FROM docs");
    assertEquals("42000", syntax.getSQLState());
    assertInstanceOf(SQLSyntaxErrorException.class, syntax);
    assertEquals("42000", failing("SELECT nope FROM docs").getSQLState());
    assertEquals("42000", failing("SELECT id FROM nosuchtable").getSQLState());
    assertEquals("42000", failing("SELECT no_such_function(id) FROM docs").getSQLState());
    SQLException dims = failing(
        "SELECT id FROM docs ORDER BY array_distance(embedding, ARRAY[1, 2]) LIMIT 3");
    assertEquals("22000", dims.getSQLState());
    assertInstanceOf(SQLDataException.class, dims);
    SQLException write = failing("INSERT INTO docs (id) VALUES (1)");
    assertEquals("0A000", write.getSQLState());
    assertInstanceOf(SQLFeatureNotSupportedException.class, write);
    // A prepared statement: wrong dimensions bound as a float[].
    try (PreparedStatement ps = pq.prepareStatement(
        "SELECT id FROM docs ORDER BY array_distance(embedding, ?) LIMIT 3")) {
      ps.setObject(1, new float[] {1, 2, 3});
      SQLException bound = assertThrows(SQLException.class, () -> Fixtures.rows(ps.executeQuery()));
      assertEquals("22000", bound.getSQLState());
    }
    SQLException prepare = assertThrows(SQLException.class,
        () -> pq.prepareStatement("SELECT nope FROM docs"));
    assertEquals("42000", prepare.getSQLState());
    SQLException connect = assertThrows(SQLException.class,
        () -> DriverManager.getConnection("jdbc:pqvector:" + dir.resolve("missing")));
    assertEquals("08001", connect.getSQLState());
  }

  /** A directory table with one good index and one damaged index: the damaged file is searched
   * exactly, and the statement says so. */
  @Test void exactFallbackIsAWarning(@TempDir Path root) throws Exception {
    Path table = Files.createDirectories(root.resolve("t"));
    Path good = IvfFixtures.writeClustered(table.resolve("a.parquet"), 2000, 16, 20, 0, 3, "emb");
    Path bad = IvfFixtures.writeClustered(table.resolve("b.parquet"), 2000, 16, 20, 10_000, 4,
        "emb");
    IvfFixtures.index(good, "emb", Metric.L2);
    IvfFixtures.index(bad, "emb", Metric.L2);
    String value = ParquetFiles.readFooter(bad).getFileMetaData().getKeyValueMetaData()
        .get(IvfIndexFormat.footerKey("emb"));
    String[] range = value.split(":");
    try (RandomAccessFile f = new RandomAccessFile(bad.toFile(), "rw")) {
      long at = Long.parseLong(range[0]) + Long.parseLong(range[1]) / 2;
      f.seek(at);
      int v = f.read();
      f.seek(at);
      f.write(v ^ 0x40);
    }
    float[] q = IvfFixtures.vectorOf(good, "emb", 17);
    try (Connection c = Fixtures.pqvector(root);
         PreparedStatement ps = c.prepareStatement(
             "SELECT id FROM t ORDER BY array_distance(emb, ?) LIMIT 5")) {
      ps.setObject(1, q);
      try (ResultSet rs = ps.executeQuery()) {
        assertEquals(5, Fixtures.rows(rs).size());
      }
      SQLWarning w = ps.getWarnings();
      assertNotNull(w, "no warning for the damaged index of " + bad);
      assertTrue(w.getMessage().contains(bad.toString()) && w.getMessage().contains("exactly"),
          w.getMessage());
      assertNull(w.getNextWarning(), "one warning per damaged file");
      ps.clearWarnings();
      assertNull(ps.getWarnings());
      // Each execution reports its own warnings, not the previous one's.
      try (ResultSet rs = ps.executeQuery()) {
        Fixtures.rows(rs);
      }
      assertNotNull(ps.getWarnings());
      assertNull(ps.getWarnings().getNextWarning());
    }
  }

  @Test void countAndConstantQueriesReadNoVectors() throws Exception {
    // One column, the narrowest: year (INT32); never the vectors (field 4).
    String count = IvfFixtures.explain(pq, "SELECT COUNT(*) FROM docs");
    assertTrue(count.contains("fields=[[3]]"), count);
    assertEquals(3000L, ((Number) Fixtures.query(pq, "SELECT COUNT(*) FROM docs").get(0).get(0))
        .longValue());
    String one = IvfFixtures.explain(pq, "SELECT 1 FROM docs");
    assertTrue(one.contains("fields=[[3]]"), one);
    assertEquals(3000, Fixtures.query(pq, "SELECT 1 FROM docs").size());
    String byLang = IvfFixtures.explain(pq, "SELECT lang, COUNT(title) FROM docs GROUP BY lang");
    assertTrue(byLang.contains("fields=[[2, 1]]") || byLang.contains("fields=[[1, 2]]"), byLang);
    List<List<Object>> groups = Fixtures.query(pq,
        "SELECT lang, COUNT(title), COUNT(*) FROM docs GROUP BY lang ORDER BY lang");
    List<List<Object>> duck = new ArrayList<>();
    try (Connection d = Fixtures.duckdb()) {
      duck = Fixtures.query(d, "SELECT lang, COUNT(title), COUNT(*) FROM "
          + Fixtures.lit(docs) + " GROUP BY lang ORDER BY lang");
    }
    assertEquals(duck.toString(), groups.toString());
  }

  @Test void explainShowsAVectorLiteralAsItsDimension() throws Exception {
    float[] q = Fixtures.queryVector(3, Fixtures.DIM);
    String plan = IvfFixtures.explain(pq,
        "SELECT id, array_distance(embedding, " + pqArray(q) + ") AS d FROM docs"
            + " ORDER BY d LIMIT 3");
    assertTrue(plan.contains("<vector(" + Fixtures.DIM + ")>"), plan);
    assertFalse(plan.contains("DECIMAL"), plan);
    assertTrue(plan.contains("ExactTopK(") || plan.contains("IvfTopK("), plan);
  }
}
