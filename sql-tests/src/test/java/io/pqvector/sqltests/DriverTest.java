package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.lit;
import static io.pqvector.sqltests.Fixtures.query;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.jdbc.PqVectorDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver as a JDBC citizen: URL, options, tables from files, metadata, read-only, pruning. */
class DriverTest {
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

  static long count(Connection c, String table) throws SQLException {
    return ((Number) query(c, "SELECT COUNT(*) FROM " + table).get(0).get(0)).longValue();
  }

  static String messages(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      b.append(t.getMessage()).append(" / ");
    }
    return b.toString();
  }

  static TreeSet<String> tables(Connection c) throws SQLException {
    TreeSet<String> names = new TreeSet<>();
    try (ResultSet rs = c.getMetaData().getTables(null, "pqvector", null, null)) {
      while (rs.next()) {
        names.add(rs.getString("TABLE_NAME"));
      }
    }
    return names;
  }

  static void writeSmall(Path file, String select) throws SQLException {
    Fixtures.duck("COPY (" + select + ") TO " + lit(file) + " (FORMAT parquet)");
  }

  // ---- registration and URL ----

  @Test void registeredThroughServiceLoader() throws Exception {
    Driver d = DriverManager.getDriver("jdbc:pqvector:/tmp");
    assertTrue(d instanceof PqVectorDriver, d.getClass().getName());
    boolean found = false;
    for (Driver loaded : ServiceLoader.load(Driver.class)) {
      found |= loaded instanceof PqVectorDriver;
    }
    assertTrue(found, "META-INF/services/java.sql.Driver lists PqVectorDriver");
    assertTrue(d.acceptsURL("jdbc:pqvector:/any/dir;nprobe=3"));
    assertFalse(d.acceptsURL("jdbc:calcite:"));
    assertTrue(d.getPropertyInfo("jdbc:pqvector:/tmp", new Properties()).length >= 4);
  }

  @Test void urlOptionsAccepted() throws Exception {
    try (Connection c = Fixtures.pqvector(dir, ";nprobe=5;useIndex=false;cacheSize=64m",
        ";followSymlinks=false")) {
      assertEquals(3000, count(c, "docs"));
    }
  }

  @Test void propertiesAccepted() throws Exception {
    Properties p = new Properties();
    p.setProperty("nprobe", "7");
    p.setProperty("useIndex", "true");
    p.setProperty("cacheSize", "0");
    p.setProperty("user", "someone");
    p.setProperty("password", "");
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + dir, p)) {
      assertEquals(3000, count(c, "docs"));
    }
  }

  @Test void unknownKeyListsKnownOnes() {
    SQLException e = assertThrows(SQLException.class,
        () -> Fixtures.pqvector(dir, ";nprobes=5"));
    for (String s : new String[] {"nprobes", "nprobe", "useIndex", "cacheSize", "followSymlinks"}) {
      assertTrue(e.getMessage().contains(s), s + " in: " + e.getMessage());
    }
    Properties p = new Properties();
    p.setProperty("cache_size", "1");
    SQLException viaProperties = assertThrows(SQLException.class,
        () -> DriverManager.getConnection("jdbc:pqvector:" + dir, p));
    assertTrue(viaProperties.getMessage().contains("cache_size")
        && viaProperties.getMessage().contains("cacheSize"), viaProperties.getMessage());
  }

  @Test void badOptionValuesAreErrors() {
    for (String bad : new String[] {";nprobe=0", ";nprobe=x", ";useIndex=maybe", ";cacheSize=lots",
        ";nprobe"}) {
      assertThrows(SQLException.class, () -> Fixtures.pqvector(dir, bad), bad);
    }
  }

  @Test void relativePath() throws Exception {
    Path relative = Paths.get("").toAbsolutePath().relativize(dir);
    assertFalse(relative.isAbsolute());
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + relative)) {
      assertEquals(3000, count(c, "docs"));
    }
  }

  @Test void tildeExpansion() throws Exception {
    String home = System.getProperty("user.home");
    System.setProperty("user.home", dir.getParent().toString());
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:~/" + dir.getFileName())) {
      assertEquals(3000, count(c, "docs"));
    } finally {
      System.setProperty("user.home", home);
    }
  }

  @Test void missingDirectoryFailsAtConnectNamingIt() {
    Path missing = dir.resolve("no-such-dir");
    SQLException e = assertThrows(SQLException.class,
        () -> DriverManager.getConnection("jdbc:pqvector:" + missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test void fileInsteadOfDirectoryFailsAtConnectNamingIt() {
    SQLException e = assertThrows(SQLException.class,
        () -> DriverManager.getConnection("jdbc:pqvector:" + docs));
    assertTrue(e.getMessage().contains(docs.toString()), e.getMessage());
  }

  // ---- tables from files ----

  @Test void directoryLayoutGivesTables(@TempDir Path root) throws Exception {
    writeSmall(root.resolve("alpha.parquet"), "SELECT 1 AS a");
    writeSmall(root.resolve(".hidden.parquet"), "SELECT 1 AS a");
    writeSmall(root.resolve("_tmp.parquet"), "SELECT 1 AS a");
    Files.createDirectories(root.resolve("_staging"));
    writeSmall(root.resolve("_staging/x.parquet"), "SELECT 1 AS a");
    Files.writeString(root.resolve("notes.txt"), "not parquet");
    writeSmall(root.resolve("data.csv"), "SELECT 1 AS a"); // Parquet bytes, wrong name
    Files.createDirectories(root.resolve("events/2024"));
    writeSmall(root.resolve("events/2024/p1.parquet"), "SELECT 1 AS id, 'x' AS kind");
    writeSmall(root.resolve("events/p0.parquet"), "SELECT 2 AS id, 'y' AS kind");
    writeSmall(root.resolve("events/.p9.parquet"), "SELECT 9 AS id, 'z' AS kind");
    Files.createDirectories(root.resolve("empty"));
    try (Connection c = Fixtures.pqvector(root)) {
      assertEquals(List.of("alpha", "events"), new ArrayList<>(tables(c)));
      assertEquals(2, count(c, "events"));
      assertEquals(List.of(List.of(1, "x"), List.of(2, "y")),
          query(c, "SELECT id, kind FROM events ORDER BY id"));
    }
  }

  @Test void directoryTableUnitesColumnsByName(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("parts"));
    writeSmall(root.resolve("parts/a.parquet"), "SELECT 1::BIGINT AS id, 'one' AS x");
    writeSmall(root.resolve("parts/b.parquet"), "SELECT 2.5::DOUBLE AS y, 2::BIGINT AS id");
    try (Connection c = Fixtures.pqvector(root)) {
      List<List<Object>> rows = query(c, "SELECT id, x, y FROM parts ORDER BY id");
      assertEquals(2, rows.size());
      assertEquals(1L, rows.get(0).get(0));
      assertEquals("one", rows.get(0).get(1));
      assertNull(rows.get(0).get(2));
      assertEquals(2L, rows.get(1).get(0));
      assertNull(rows.get(1).get(1));
      assertEquals(2.5, rows.get(1).get(2));
    }
  }

  @Test void incompatibleTypesAcrossFilesNameBothFiles(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("bad"));
    writeSmall(root.resolve("bad/a.parquet"), "SELECT 1::BIGINT AS id");
    writeSmall(root.resolve("bad/b.parquet"), "SELECT 'two' AS id");
    try (Connection c = Fixtures.pqvector(root)) {
      SQLException e = assertThrows(SQLException.class, () -> count(c, "bad"));
      String m = messages(e);
      assertTrue(m.contains("a.parquet") && m.contains("b.parquet") && m.contains("id"), m);
    }
  }

  /** One directory with mismatched files must not take the other tables down with it. */
  @Test void incompatibleTableDoesNotBreakOtherTables(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("bad"));
    writeSmall(root.resolve("bad/a.parquet"), "SELECT 1::BIGINT AS id");
    writeSmall(root.resolve("bad/b.parquet"), "SELECT 'two' AS id");
    writeSmall(root.resolve("good.parquet"), "SELECT 1 AS id");
    try (Connection c = Fixtures.pqvector(root)) {
      assertEquals(1, count(c, "good"));
    }
  }

  @Test void tablesFollowFilesWithoutReconnecting(@TempDir Path root) throws Exception {
    writeSmall(root.resolve("alpha.parquet"), "SELECT 1 AS a");
    try (Connection c = Fixtures.pqvector(root)) {
      assertEquals(1, count(c, "alpha"));
      SQLException missing = assertThrows(SQLException.class, () -> count(c, "beta"));
      assertTrue(messages(missing).contains("beta"), messages(missing));
      writeSmall(root.resolve("beta.parquet"), "SELECT * FROM range(5)");
      assertEquals(5, count(c, "beta"));
      Files.delete(root.resolve("alpha.parquet"));
      assertThrows(SQLException.class, () -> count(c, "alpha"));
      // A replaced file is read afresh.
      writeSmall(root.resolve("beta.parquet"), "SELECT * FROM range(7)");
      assertEquals(7, count(c, "beta"));
    }
  }

  /** DatabaseMetaData.getTables (what a client's navigator shows) follows the files too. */
  @Test void getTablesFollowsFilesWithoutReconnecting(@TempDir Path root) throws Exception {
    writeSmall(root.resolve("alpha.parquet"), "SELECT 1 AS a");
    try (Connection c = Fixtures.pqvector(root)) {
      assertEquals(List.of("alpha"), new ArrayList<>(tables(c)));
      writeSmall(root.resolve("beta.parquet"), "SELECT * FROM range(5)");
      assertEquals(List.of("alpha", "beta"), new ArrayList<>(tables(c)), "after adding beta");
      Files.delete(root.resolve("alpha.parquet"));
      assertEquals(List.of("beta"), new ArrayList<>(tables(c)), "after removing alpha");
    }
  }

  // ---- identifiers ----

  @Test void unquotedIdentifiersAreCaseInsensitive() throws Exception {
    assertEquals(3000, count(pq, "DOCS"));
    assertEquals(3000, count(pq, "Docs"));
    assertEquals(3000, count(pq, "PQVECTOR.DOCS"));
    assertEquals(List.of(List.of(5L, "de")), query(pq, "SELECT ID, LANG FROM DoCs WHERE Id = 5"));
  }

  @Test void doubleQuotesQuoteIdentifiers(@TempDir Path root) throws Exception {
    writeSmall(root.resolve("odd.parquet"),
        "SELECT 1 AS \"Mixed Case\", 2 AS \"select\", 3 AS \"year\"");
    try (Connection c = Fixtures.pqvector(root)) {
      assertEquals(List.of(List.of(1, 2, 3)),
          query(c, "SELECT \"Mixed Case\", \"select\", \"year\" FROM \"odd\""));
      assertThrows(SQLException.class, () -> query(c, "SELECT select FROM odd"));
      assertEquals(List.of(List.of("it's")), query(c, "SELECT 'it''s' FROM odd"));
    }
  }

  // ---- read-only ----

  @Test void writesAreRejected() throws Exception {
    for (String sql : new String[] {
        "INSERT INTO docs (id) VALUES (1)",
        "UPDATE docs SET title = 'x' WHERE id = 1",
        "DELETE FROM docs WHERE id = 1",
        "CREATE TABLE t (a INT)",
        "DROP TABLE docs"}) {
      SQLException e = assertThrows(SQLException.class, () -> {
        try (Statement s = pq.createStatement()) {
          s.execute(sql);
        }
      }, sql);
      assertEquals("0A000", e.getSQLState(), sql + ": " + e.getMessage());
      String verb = sql.substring(0, sql.indexOf(' '));
      assertTrue(e.getMessage().contains("pqvector is read-only: " + verb + " is not supported"),
          sql + ": " + e.getMessage());
    }
    assertEquals(3000, count(pq, "docs"));
  }

  /** The refusal should say why (today it is Calcite's "not enough rules" planner dump). */
  @Test void writesAreRejectedWithAReadOnlyMessage() {
    for (String sql : new String[] {"INSERT INTO docs (id) VALUES (1)", "DELETE FROM docs"}) {
      SQLException e = assertThrows(SQLException.class, () -> {
        try (Statement s = pq.createStatement()) {
          s.execute(sql);
        }
      }, sql);
      String m = e.getMessage().toLowerCase();
      assertTrue(m.contains("read-only") || m.contains("read only"), sql + ": " + e.getMessage());
    }
  }

  // ---- metadata and transactions ----

  @Test void databaseMetaDataNamesPqvector() throws Exception {
    DatabaseMetaData md = pq.getMetaData();
    assertTrue(md.getDatabaseProductName().toLowerCase().contains("pqvector"),
        md.getDatabaseProductName());
    assertTrue(md.getDriverName().toLowerCase().contains("pqvector"), md.getDriverName());
    assertFalse(md.getDatabaseProductName().toLowerCase().contains("calcite"));
    assertFalse(md.getDriverName().toLowerCase().contains("calcite"));
    assertTrue(md.getURL() == null || md.getURL().startsWith("jdbc:pqvector:"), md.getURL());
  }

  @Test void databaseMetaDataAnswers() throws Exception {
    DatabaseMetaData md = pq.getMetaData();
    List<String> schemas = new ArrayList<>();
    try (ResultSet rs = md.getSchemas()) {
      while (rs.next()) {
        schemas.add(rs.getString("TABLE_SCHEM"));
      }
    }
    assertTrue(schemas.contains("pqvector"), schemas.toString());
    assertTrue(tables(pq).contains("docs"));
    List<String> columns = new ArrayList<>();
    try (ResultSet rs = md.getColumns(null, "pqvector", "docs", null)) {
      while (rs.next()) {
        columns.add(rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME"));
      }
    }
    assertEquals(List.of("id BIGINT", "title VARCHAR", "lang VARCHAR", "year INTEGER",
        "embedding REAL ARRAY"), columns);
    int types = 0;
    try (ResultSet rs = md.getTypeInfo()) {
      while (rs.next()) {
        types++;
      }
    }
    assertTrue(types > 5, "getTypeInfo rows: " + types);
    assertEquals("pqvector", pq.getSchema());
  }

  @Test void transactionCallsAreHarmless() throws Exception {
    assertDoesNotThrow(() -> pq.setAutoCommit(true));
    assertTrue(pq.getAutoCommit());
    assertDoesNotThrow(() -> pq.commit());
    assertDoesNotThrow(() -> pq.rollback());
    assertTrue(pq.isValid(5));
    assertEquals(3000, count(pq, "docs"));
  }

  // ---- row-group pruning ----

  @Test void pointLookupOnMultiRowGroupFile() throws Exception {
    for (long id : new long[] {5, 1500, 2999}) {
      List<List<Object>> rows = query(pq, "SELECT id, title, lang, \"year\" FROM docs WHERE id = " + id);
      assertEquals(1, rows.size(), "id " + id);
      assertEquals(id, rows.get(0).get(0));
      assertEquals("doc " + id, rows.get(0).get(1));
    }
    assertEquals(List.of(), query(pq, "SELECT id FROM docs WHERE id = 3000"));
  }

  @Test void explainShowsPruningPredicate() throws Exception {
    List<List<Object>> plan = query(pq, "EXPLAIN PLAN FOR SELECT id, title FROM docs WHERE id = 5");
    String text = plan.get(0).get(0).toString();
    assertTrue(text.contains("pruning="), text);
    assertTrue(text.contains("id"), text);
  }

  static void assertFiltersMatchDuckDb(String... clauses) throws Exception {
    List<String> problems = new ArrayList<>();
    try (Connection duck = Fixtures.duckdb()) {
      for (String where : clauses) {
        List<List<Object>> expected = query(duck, "SELECT id FROM read_parquet(" + lit(docs)
            + ") WHERE " + where + " ORDER BY id");
        assertFalse(expected.isEmpty(), where);
        try {
          List<List<Object>> actual = query(pq, "SELECT id FROM docs WHERE " + where
              + " ORDER BY id");
          if (!expected.toString().equals(actual.toString())) {
            problems.add(where + ": " + actual + " but DuckDB " + expected);
          }
        } catch (SQLException | RuntimeException | AssertionError e) {
          problems.add(where + ": " + e);
        }
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test void singleComparisonFiltersMatchDuckDb() throws Exception {
    assertFiltersMatchDuckDb("id < 3", "id >= 2997", "lang = 'de' AND id < 30",
        "\"year\" = 2025 AND id > 2900", "title = 'doc 2222'",
        "title IS NULL AND id < 100");
  }

  /** Two comparisons of one column: Calcite merges them into a SEARCH(Sarg) call. */
  @Test void rangeFiltersMatchDuckDb() throws Exception {
    assertFiltersMatchDuckDb("id > 990 AND id <= 1003", "id >= 10 AND id < 13", "id <> 0 AND id < 4",
        "lang <> 'en' AND id < 12", "\"year\" > 2020 AND \"year\" < 2023 AND id < 60");
  }

  /** Calcite turns IN lists and BETWEEN into SEARCH(Sarg) calls. */
  @Test void inListAndBetweenFilters() throws Exception {
    assertEquals("[[5], [2500]]",
        query(pq, "SELECT id FROM docs WHERE id IN (5, 2500) ORDER BY id").toString());
    assertEquals("[[10], [11], [12]]",
        query(pq, "SELECT id FROM docs WHERE id BETWEEN 10 AND 12 ORDER BY id").toString());
    assertEquals(List.of(List.of(2L)),
        query(pq, "SELECT COUNT(*) FROM docs WHERE lang IN ('de', 'fr') AND id < 5"));
  }
}
