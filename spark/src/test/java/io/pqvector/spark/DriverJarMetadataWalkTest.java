package io.pqvector.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calls DBeaver's generic JDBC driver makes when it opens a connection and fills its navigator,
 * through DriverManager and the shaded driver jar (the artifact users add), with Spark's libraries
 * on the same class path.
 */
class DriverJarMetadataWalkTest {
  @TempDir Path dir;

  /** A small table written by the jar's own demo generator: id, title, lang, year, price, embedding. */
  Path demo() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    int code = io.pqvector.cli.Main.run(new String[] {"demo", "--dir", data.toString(), "--rows",
        "3000", "--dim", "8"}, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()),
        System.err);
    assertEquals(0, code);
    return data;
  }

  static List<Map<String, Object>> rows(ResultSet rs) throws SQLException {
    List<Map<String, Object>> out = new ArrayList<>();
    try (rs) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        Map<String, Object> row = new HashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          row.put(md.getColumnLabel(i), rs.getObject(i));
        }
        out.add(row);
      }
    }
    return out;
  }

  @Test void dbeaverStyleMetadataWalk() throws Exception {
    Path data = demo();
    String url = "jdbc:pqvector:" + data;
    Driver driver = DriverManager.getDriver(url);
    assertEquals("io.pqvector.jdbc.PqVectorDriver", driver.getClass().getName());
    DriverPropertyInfo[] props = driver.getPropertyInfo(url, new Properties());
    assertTrue(props.length >= 4);
    Properties info = new Properties();
    info.setProperty("user", "");
    info.setProperty("password", "");
    info.setProperty("ApplicationName", "DBeaver 25.1.0 - Main");
    try (Connection c = DriverManager.getConnection(url, info)) {
      c.setClientInfo("ApplicationName", "DBeaver 25.1.0 - Metadata");
      assertTrue(c.isValid(5));
      c.setAutoCommit(true);
      assertTrue(c.getAutoCommit());
      c.setReadOnly(true);
      c.getTransactionIsolation();
      c.getWarnings();
      c.getCatalog();
      c.getSchema();
      DatabaseMetaData md = c.getMetaData();
      assertEquals(url, md.getURL());
      assertTrue(md.getDatabaseProductName().contains("pqvector"), md.getDatabaseProductName());
      md.getDatabaseProductVersion();
      md.getDriverName();
      md.getIdentifierQuoteString();
      md.getSQLKeywords();
      md.getNumericFunctions();
      md.getStringFunctions();
      md.supportsTransactions();
      md.getDefaultTransactionIsolation();
      rows(md.getCatalogs());
      rows(md.getTableTypes());

      List<Map<String, Object>> schemas = rows(md.getSchemas());
      List<Object> schemaNames = new ArrayList<>();
      schemas.forEach(r -> schemaNames.add(r.get("TABLE_SCHEM")));
      assertEquals(List.of("pqvector"), schemaNames);

      List<Map<String, Object>> tables = rows(md.getTables(null, null, "%", null));
      Set<Object> tableNames = new TreeSet<>();
      tables.forEach(r -> tableNames.add(r.get("TABLE_SCHEM") + "." + r.get("TABLE_NAME")));
      assertEquals(Set.of("pqvector.docs"), tableNames);

      Map<String, Map<String, Object>> columns = new HashMap<>();
      for (Map<String, Object> r : rows(md.getColumns(null, "pqvector", "docs", "%"))) {
        columns.put((String) r.get("COLUMN_NAME"), r);
      }
      assertEquals(Set.of("id", "title", "lang", "year", "price", "embedding"), columns.keySet());
      assertEquals(19, columns.get("id").get("COLUMN_SIZE"));
      assertEquals(10, columns.get("year").get("COLUMN_SIZE"));
      assertEquals(Integer.MAX_VALUE, columns.get("title").get("COLUMN_SIZE"));
      assertEquals("REAL ARRAY", columns.get("embedding").get("TYPE_NAME"));
      assertEquals(Types.ARRAY, columns.get("embedding").get("DATA_TYPE"));
      for (Map<String, Object> col : columns.values()) {
        assertFalse(Integer.valueOf(-1).equals(col.get("COLUMN_SIZE")), col.toString());
      }

      Set<Object> typeNames = new HashSet<>();
      rows(md.getTypeInfo()).forEach(r -> typeNames.add(r.get("TYPE_NAME")));
      for (Map<String, Object> col : columns.values()) {
        assertTrue(typeNames.contains(col.get("TYPE_NAME")), col.get("TYPE_NAME") + " not in "
            + typeNames);
      }

      Set<Object> functions = new HashSet<>();
      rows(md.getFunctions(null, "pqvector", "%")).forEach(r -> functions.add(r.get("FUNCTION_NAME")));
      for (String f : new String[] {"array_distance", "array_cosine_distance",
          "array_cosine_similarity", "array_inner_product", "array_negative_inner_product"}) {
        assertTrue(functions.contains(f), f + " not in getFunctions");
      }

      assertTrue(rows(md.getPrimaryKeys(null, "pqvector", "docs")).isEmpty());
      assertTrue(rows(md.getIndexInfo(null, "pqvector", "docs", false, true)).isEmpty());
      assertTrue(rows(md.getImportedKeys(null, "pqvector", "docs")).isEmpty());
      assertTrue(rows(md.getExportedKeys(null, "pqvector", "docs")).isEmpty());
      rows(md.getProcedures(null, "pqvector", "%"));
      rows(md.getTablePrivileges(null, "pqvector", "docs"));
      rows(md.getBestRowIdentifier(null, "pqvector", "docs", DatabaseMetaData.bestRowSession,
          true));

      // The data editor: the first 200 rows, every value read as an object.
      try (PreparedStatement ps = c.prepareStatement("SELECT * FROM docs")) {
        ps.setMaxRows(200);
        ps.setFetchSize(200);
        try (ResultSet rs = ps.executeQuery()) {
          ResultSetMetaData rsmd = rs.getMetaData();
          for (int i = 1; i <= rsmd.getColumnCount(); i++) {
            if (rsmd.getColumnType(i) == Types.VARCHAR) {
              assertTrue(rsmd.getPrecision(i) > 0, rsmd.getColumnLabel(i));
            }
          }
          int n = 0;
          int vectors = 0;
          while (rs.next()) {
            for (int i = 1; i <= rsmd.getColumnCount(); i++) {
              rs.getObject(i);
            }
            float[] v = rs.getObject("embedding", float[].class);
            vectors += v != null && v.length == 8 ? 1 : 0;
            n++;
          }
          assertEquals(200, n);
          assertTrue(vectors > 0);
        }
      }
      c.commit();
      c.rollback();
    }
  }
}
