package io.pqvector.sqltests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.server.PqVectorServer;
import io.pqvector.server.Serialization;
import io.pqvector.server.ServerLimits;
import io.pqvector.server.UsersFile;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code serve} seen from real remote clients: Avatica's own client jar in a class loader of its
 * own (and sqlline in another process), against a server started here, answers compared with the
 * embedded driver on the same directory.
 */
class ServeRemoteTest {
  @TempDir static Path tmp;
  static Path dir;
  static PqVectorServer protobuf;
  static PqVectorServer json;

  @BeforeAll static void serve() throws Exception {
    dir = ServedData.shared();
    protobuf = start(Serialization.PROTOBUF, ServerLimits.DEFAULT);
    json = start(Serialization.JSON, ServerLimits.DEFAULT);
  }

  @AfterAll static void stop() throws Exception {
    protobuf.close();
    json.close();
  }

  static PqVectorServer start(Serialization s, ServerLimits limits) throws Exception {
    PqVectorServer.Options o = new PqVectorServer.Options();
    o.root = dir.toString();
    o.port = 0;
    o.serialization = s;
    o.limits = limits;
    return PqVectorServer.start(o);
  }

  static PqVectorServer server(Serialization s) {
    return s == Serialization.PROTOBUF ? protobuf : json;
  }

  static Connection embedded(String... options) throws SQLException {
    return DriverManager.getConnection("jdbc:pqvector:" + dir
        + (options.length == 0 ? "" : ";" + String.join(";", options)));
  }

  static List<String> query(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        Object p = params[i];
        if (p instanceof float[] v) {
          // A REAL array made by the connection: the portable way (protobuf's client cannot
          // send a float[] through setObject).
          ps.setArray(i + 1, c.createArrayOf("REAL", ServedData.boxed(v)));
        } else {
          ps.setObject(i + 1, p);
        }
      }
      try (ResultSet rs = ps.executeQuery()) {
        return ServedData.rows(rs);
      }
    }
  }

  @Test void theUrlIsPrintedAndPointsAtLoopback() {
    assertTrue(protobuf.url().matches(
        "jdbc:avatica:remote:url=http://127\\.0\\.0\\.1:\\d+;serialization=protobuf"),
        protobuf.url());
    assertTrue(json.url().endsWith(";serialization=json"), json.url());
  }

  /** The calls DBeaver's Avatica driver makes when it opens a connection and its navigator. */
  @ParameterizedTest @EnumSource(Serialization.class)
  void metadataWalkAsDBeaverMakesIt(Serialization s) throws Exception {
    try (Connection c = AvaticaClient.connect(server(s).url());
         Connection local = embedded()) {
      DatabaseMetaData md = c.getMetaData();
      assertFalse(md.getDatabaseProductName().isEmpty());
      md.getDatabaseProductVersion();
      md.getDriverName();
      md.getIdentifierQuoteString();
      md.getSQLKeywords();
      md.supportsTransactions();
      c.getAutoCommit();
      c.getTransactionIsolation();
      c.isReadOnly();
      c.getCatalog();
      c.getSchema();
      List<String> tableTypes = column(md.getTableTypes(), "TABLE_TYPE");
      assertTrue(tableTypes.contains("TABLE"), tableTypes.toString());
      column(md.getCatalogs(), "TABLE_CAT");
      List<String> schemas = column(md.getSchemas(), "TABLE_SCHEM");
      assertTrue(schemas.contains("pqvector"), schemas.toString());
      List<String> tables = column(md.getTables(null, "pqvector", "%", null), "TABLE_NAME");
      assertEquals(column(local.getMetaData().getTables(null, "pqvector", "%", null),
          "TABLE_NAME"), tables);
      assertTrue(tables.containsAll(List.of("docs", "v768", "v4096")), tables.toString());
      for (String t : tables) {
        try (ResultSet cols = md.getColumns(null, "pqvector", t, "%");
             ResultSet want = local.getMetaData().getColumns(null, "pqvector", t, "%")) {
          List<String> got = new ArrayList<>();
          while (cols.next()) {
            got.add(cols.getString("COLUMN_NAME") + " " + cols.getInt("DATA_TYPE") + " "
                + cols.getString("TYPE_NAME"));
          }
          List<String> expected = new ArrayList<>();
          while (want.next()) {
            expected.add(want.getString("COLUMN_NAME") + " " + want.getInt("DATA_TYPE") + " "
                + want.getString("TYPE_NAME"));
          }
          assertEquals(expected, got, t);
          assertTrue(got.contains("embedding 2003 REAL ARRAY"), got.toString());
        }
        md.getPrimaryKeys(null, "pqvector", t).close();
        md.getImportedKeys(null, "pqvector", t).close();
        md.getExportedKeys(null, "pqvector", t).close();
        md.getIndexInfo(null, "pqvector", t, false, true).close();
      }
      assertFalse(column(md.getTypeInfo(), "TYPE_NAME").isEmpty());
      md.getFunctions(null, "pqvector", "%").close();
      // DBeaver's data view: a plain SELECT with the vector column.
      try (Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT * FROM docs ORDER BY id LIMIT 200")) {
        assertEquals("REAL ARRAY", rs.getMetaData().getColumnTypeName(rs.findColumn("embedding")));
        int n = 0;
        while (rs.next()) {
          n++;
        }
        assertEquals(200, n);
      }
    }
  }

  /** Something that must fail. */
  interface Failing {
    void run() throws Exception;
  }

  /**
   * Runs {@code f}, which must fail, and returns every message of the failure's chain (cut to
   * 2,000 characters). Avatica's client reports some server errors as SQLException and others
   * (those while connecting or fetching) as its own RuntimeException; both carry the server's
   * message and SQLState as "Error n (STATE)".
   */
  static String failure(Failing f) {
    try {
      f.run();
    } catch (Exception e) {
      StringBuilder b = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) {
        String m = String.valueOf(t.getMessage());
        b.append(m.length() > 600 ? m.substring(0, 300) + " ... " + m.substring(m.length() - 300)
            : m).append(" | ");
        if (t instanceof SQLException se && se.getSQLState() != null) {
          b.append("(").append(se.getSQLState()).append(") ");
        }
        try {
          // The client's AvaticaClientRuntimeException, from the client's own class loader.
          Object state = t.getClass().getMethod("getSqlState").invoke(t);
          b.append("(").append(state).append(") ");
        } catch (ReflectiveOperationException notThatKind) {
          // Only Avatica's runtime exceptions carry a state this way.
        }
        try {
          // The server's own exception text, which Avatica's client keeps beside its message.
          String getter = t instanceof SQLException ? "getStackTraces" : "getServerExceptions";
          for (Object server : (List<?>) t.getClass().getMethod(getter).invoke(t)) {
            String first = String.valueOf(server).lines().findFirst().orElse("");
            b.append("server: ").append(first.length() > 600 ? first.substring(0, 600) : first)
                .append(" | ");
          }
        } catch (ReflectiveOperationException | ClassCastException notThatKind) {
          // Not an Avatica exception.
        }
      }
      return b.toString();
    }
    throw new AssertionError("expected a failure");
  }

  private static List<String> column(ResultSet rs, String name) throws SQLException {
    List<String> out = new ArrayList<>();
    try (rs) {
      while (rs.next()) {
        out.add(rs.getString(name));
      }
    }
    return out;
  }

  /** Literal, ? parameter and subquery; exact, indexed and filtered; equal to the embedded. */
  @ParameterizedTest @EnumSource(Serialization.class)
  void vectorQueriesAnswerAsTheEmbeddedDriver(Serialization s) throws Exception {
    try (Connection c = AvaticaClient.connect(server(s).url());
         Connection local = embedded()) {
      for (String table : List.of("docs", "v768", "v4096")) {
        float[] q = ServedData.vector(local, table, 17);
        q[0] += 0.01f;
        String literal = Fixtures.pqArray(q);
        List<String> sqls = List.of(
            "SELECT id, array_distance(embedding, " + literal + ") AS d FROM " + table
                + " ORDER BY array_distance(embedding, " + literal + ") LIMIT 10",
            "SELECT id, array_distance(embedding, ?) AS d FROM " + table
                + " ORDER BY array_distance(embedding, ?) LIMIT 10",
            "SELECT id FROM " + table + " WHERE cat = 3 ORDER BY array_distance(embedding, ?)"
                + " LIMIT 7",
            "SELECT /*+ nprobe(2) */ id FROM " + table + " ORDER BY array_distance(embedding,"
                + " (SELECT embedding FROM " + table + " WHERE id = 42)) LIMIT 5");
        for (String sql : sqls) {
          int markers = (int) sql.chars().filter(ch -> ch == '?').count();
          Object[] params = new Object[markers];
          java.util.Arrays.fill(params, q);
          List<String> want = query(local, sql, params);
          assertFalse(want.isEmpty(), sql);
          assertEquals(want, query(c, sql, params), s + ": " + sql);
        }
        try (Connection exact = AvaticaClient.connect(server(s).url(), "useIndex", "false");
             Connection localExact = embedded("useIndex=false")) {
          String sql = "SELECT id FROM " + table + " ORDER BY array_distance(embedding, ?)"
              + " LIMIT 10";
          assertEquals(query(localExact, sql, q), query(exact, sql, q), sql);
        }
      }
    }
  }

  /** The server's URL with the client's choice of serialization. */
  static String asClient(PqVectorServer server, Serialization client) {
    return server.url().replaceAll("serialization=\\w+", "serialization=" + client.urlName());
  }

  /**
   * 768- and 4,096-dim vectors both ways, read back exactly and sent as parameters made with
   * {@code createArrayOf("REAL", ...)}, by clients of either serialization against a server of
   * either (a server answers each request in the serialization it came in).
   */
  @ParameterizedTest @EnumSource(Serialization.class)
  void vectorsTravelBothWaysAt768And4096Dims(Serialization s) throws Exception {
    for (Serialization client : Serialization.values()) {
      try (Connection c = AvaticaClient.connect(asClient(server(s), client));
           Connection local = embedded()) {
        for (String table : List.of("v768", "v4096")) {
          int dim = table.equals("v768") ? 768 : 4096;
          for (long id : new long[] {0, 5, 299}) {
            float[] want = ServedData.vector(local, table, id);
            float[] got = ServedData.vector(c, table, id);
            assertEquals(dim, got.length);
            assertTrue(java.util.Arrays.equals(want, got), client + " " + table + " row " + id);
            try (PreparedStatement ps = c.prepareStatement("SELECT id, array_distance("
                + "embedding, ?) FROM " + table + " ORDER BY array_distance(embedding, ?)"
                + " LIMIT 1")) {
              ps.setArray(1, c.createArrayOf("REAL", ServedData.boxed(got)));
              ps.setArray(2, c.createArrayOf("REAL", ServedData.boxed(got)));
              try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(id, rs.getLong(1));
                assertEquals(0.0, rs.getDouble(2), 0.0);
              }
            }
          }
          try (ResultSet rs = c.createStatement().executeQuery("SELECT embedding FROM " + table
              + " LIMIT 1")) {
            assertTrue(rs.next());
            // REAL elements over protobuf; over JSON the server widens them to DOUBLE, exactly,
            // because Avatica's JSON client cannot read a REAL array.
            assertEquals(client == Serialization.PROTOBUF ? "REAL" : "DOUBLE",
                rs.getArray(1).getBaseTypeName());
          }
        }
      }
    }
  }

  /**
   * {@code setObject(float[])}, 768 and 4,096 dims: a JSON client sends it (to either server);
   * Avatica's protobuf client refuses it itself, before sending anything ("Unhandled value"),
   * so the README sends such clients to {@code serialization=json} or createArrayOf.
   */
  @ParameterizedTest @EnumSource(Serialization.class)
  void setObjectWithAFloatArray(Serialization s) throws Exception {
    try (Connection local = embedded();
         Connection viaJson = AvaticaClient.connect(asClient(server(s), Serialization.JSON));
         Connection viaProtobuf = AvaticaClient.connect(asClient(server(s),
             Serialization.PROTOBUF))) {
      for (String table : List.of("v768", "v4096")) {
        String sql = "SELECT id, array_distance(embedding, ?) AS d FROM " + table
            + " ORDER BY array_distance(embedding, ?) LIMIT 3";
        float[] q = ServedData.vector(local, table, 9);
        q[1] += 0.5f;
        try (PreparedStatement ps = viaJson.prepareStatement(sql)) {
          ps.setObject(1, q);
          ps.setObject(2, q);
          try (ResultSet rs = ps.executeQuery()) {
            assertEquals(query(local, sql, q, q), ServedData.rows(rs), table);
          }
        }
        try (PreparedStatement ps = viaProtobuf.prepareStatement(sql)) {
          ps.setObject(1, q);
          ps.setObject(2, q);
          String e = failure(ps::executeQuery);
          assertTrue(e.contains("Unhandled value: OBJECT class [F"), e);
        }
      }
    }
  }

  /** Either serialization against either server, errors included. */
  @Test void aServerAnswersBothSerializations() throws Exception {
    for (PqVectorServer server : List.of(protobuf, json)) {
      for (Serialization client : Serialization.values()) {
        try (Connection c = AvaticaClient.connect(asClient(server, client))) {
          assertEquals(List.of("300"), query(c, "SELECT count(*) FROM v4096"));
          String e = failure(() -> query(c, "SELECT nope FROM v4096"));
          assertTrue(e.contains("42000")
              && e.toLowerCase(java.util.Locale.ROOT).contains("nope"), e);
        }
      }
    }
  }

  /** Plans made, plans reused (JVM-wide) as the server reports them on {@code GET /status}. */
  static long[] plans(PqVectorServer server) throws Exception {
    java.util.Map<String, Long> st = ServerProcess.status(server.url());
    return new long[] {st.get("plansBuilt"), st.get("plansReused")};
  }

  /** A vector among several clusters, where probing one list misses rows the exact search finds. */
  static float[] between(Connection c, String table) throws SQLException {
    float[] mean = null;
    for (long id = 0; id < 10; id++) {
      float[] v = ServedData.vector(c, table, id);
      if (mean == null) {
        mean = new float[v.length];
      }
      for (int i = 0; i < v.length; i++) {
        mean[i] += v[i] / 10;
      }
    }
    return mean;
  }

  /**
   * One plan cache for every connection of the JVM: a literal-vector query planned for one remote
   * client is reused by other remote clients (both serializations) and by an embedded connection
   * with the same directory and settings; clients with other nprobe or useIndex get plans of
   * their own, and their answers follow their own settings.
   */
  @Test void connectionsShareOnePlanCacheButNotAcrossSettings() throws Exception {
    try (Connection local = embedded();
         Connection a = AvaticaClient.connect(protobuf.url());
         Connection b = AvaticaClient.connect(json.url());
         Connection oneList = AvaticaClient.connect(protobuf.url(), "nprobe", "1");
         Connection oneListToo = AvaticaClient.connect(json.url(), "nprobe", "1");
         Connection exact = AvaticaClient.connect(protobuf.url(), "useIndex", "false")) {
      float[] q1 = between(local, "docs");
      float[] q2 = ServedData.vector(local, "docs", 11);
      float[] q3 = ServedData.vector(local, "docs", 12);
      // A query text no other test runs, so that its plan is made here.
      String sql = "SELECT id AS shared_plan_probe FROM docs ORDER BY array_distance(embedding,"
          + " %s) LIMIT 9";
      long[] s0 = plans(protobuf);
      List<String> fromA = query(a, String.format(sql, Fixtures.pqArray(q1)));
      long[] s1 = plans(protobuf);
      assertEquals(s0[0] + 1, s1[0], "the first client's query was planned");
      query(b, String.format(sql, Fixtures.pqArray(q2)));
      long[] s2 = plans(protobuf);
      assertEquals(s1[0], s2[0], "another client (JSON server) planned nothing");
      assertEquals(s1[1] + 1, s2[1], "it reused the plan");
      query(local, String.format(sql, Fixtures.pqArray(q3)));
      long[] s3 = plans(protobuf);
      assertEquals(s2[0], s3[0], "an embedded connection with the same settings planned nothing");
      assertEquals(s2[1] + 1, s3[1]);
      List<String> fromOneList = query(oneList, String.format(sql, Fixtures.pqArray(q1)));
      long[] s4 = plans(protobuf);
      assertEquals(s3[0] + 1, s4[0], "nprobe=1 got a plan of its own");
      List<String> fromExact = query(exact, String.format(sql, Fixtures.pqArray(q1)));
      long[] s5 = plans(protobuf);
      assertEquals(s4[0] + 1, s5[0], "useIndex=false got a plan of its own");
      query(oneListToo, String.format(sql, Fixtures.pqArray(q2)));
      long[] s6 = plans(protobuf);
      assertEquals(s5[0], s6[0], "a second nprobe=1 client reused the nprobe=1 plan");
      assertEquals(s5[1] + 1, s6[1]);
      try (Connection localOneList = embedded("nprobe=1");
           Connection localExact = embedded("useIndex=false")) {
        String text = String.format(sql, Fixtures.pqArray(q1));
        assertEquals(query(local, text), fromA);
        assertEquals(query(localOneList, text), fromOneList);
        assertEquals(query(localExact, text), fromExact);
        // The settings change the answer here, so a plan shared across them would be seen.
        assertFalse(fromOneList.equals(fromExact), fromOneList + " vs " + fromExact);
      }
    }
  }

  /** Clients asking for the same new query at once: one plan is made, all answers right. */
  @Test void concurrentClientsPlanAQueryOnce() throws Exception {
    int n = 8;
    String sql = "SELECT id AS concurrent_plan_probe FROM v768 ORDER BY"
        + " array_distance(embedding, %s) LIMIT 4";
    List<Connection> clients = new ArrayList<>();
    try (Connection local = embedded()) {
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        clients.add(AvaticaClient.connect(i % 2 == 0 ? protobuf.url() : json.url()));
        texts.add(String.format(sql, Fixtures.pqArray(ServedData.vector(local, "v768",
            100 + i))));
      }
      long[] before = plans(protobuf);
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(n);
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors
          .newFixedThreadPool(n);
      List<java.util.concurrent.Future<List<String>>> answers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Connection c = clients.get(i);
        String text = texts.get(i);
        answers.add(pool.submit(() -> {
          start.await();
          return query(c, text);
        }));
      }
      List<List<String>> got = new ArrayList<>();
      for (java.util.concurrent.Future<List<String>> f : answers) {
        got.add(f.get(300, TimeUnit.SECONDS));
      }
      pool.shutdown();
      long[] after = plans(protobuf);
      assertEquals(before[0] + 1, after[0], "one plan for " + n + " clients at once");
      assertEquals(before[1] + n - 1, after[1]);
      for (int i = 0; i < n; i++) {
        assertEquals(query(local, texts.get(i)), got.get(i), "client " + i);
      }
    } finally {
      for (Connection c : clients) {
        c.close();
      }
    }
  }

  @Test void aClientTunesItsOwnQueriesButNotWhatTheServerOwns() throws Exception {
    try (Connection c = AvaticaClient.connect(protobuf.url(), "recall", "0.5");
         Connection local = embedded("recall=0.5")) {
      String sql = "SELECT id FROM docs ORDER BY array_distance(embedding, ?) LIMIT 10";
      float[] q = between(local, "docs");
      assertEquals(query(local, sql, q), query(c, sql, q));
    }
    try (Connection c = AvaticaClient.connect(protobuf.url(), "nprobe", "1");
         Connection local = embedded("nprobe=1")) {
      String sql = "SELECT id FROM docs ORDER BY array_distance(embedding, ?) LIMIT 10";
      float[] q = ServedData.vector(local, "docs", 3);
      assertEquals(query(local, sql, q), query(c, sql, q));
    }
    for (String[] owned : new String[][] {{"followSymlinks", "true"}, {"cacheSize", "4g"},
        {"s3.endpoint", "http://127.0.0.1:1"}, {"directory", "/"}}) {
      String e = failure(() -> AvaticaClient.connect(protobuf.url(), owned).close());
      assertTrue(e.contains("'" + owned[0] + "' is set by the server"), e);
      assertTrue(e.contains("(08001)"), e);
    }
  }

  @Test void pathsOutsideTheServedRootAreRefused() throws Exception {
    Path outside = tmp.resolve("outside");
    Files.createDirectories(outside);
    Files.copy(dir.resolve("docs.parquet"), outside.resolve("secret.parquet"));
    Path link = dir.resolve("link");
    Files.createSymbolicLink(link, outside);
    try (Connection c = AvaticaClient.connect(protobuf.url()); Statement s = c.createStatement()) {
      for (String sql : List.of("SELECT count(*) FROM \"../outside/secret\"",
          "SELECT count(*) FROM \"" + outside.resolve("secret.parquet") + "\"",
          "SELECT count(*) FROM link", "SELECT count(*) FROM \"link\".\"secret\"")) {
        String e = failure(() -> s.executeQuery(sql).next());
        assertTrue(e.contains("not found") && e.contains("42000"), e);
      }
      String w = failure(() -> s.executeUpdate("DELETE FROM docs"));
      assertTrue(w.contains("read-only"), w);
    } finally {
      Files.delete(link);
    }
  }

  @Test void perConnectionLimits() throws Exception {
    try (PqVectorServer limited = start(Serialization.PROTOBUF,
        new ServerLimits(100, 1, 1, 1 << 20))) {
      try (Connection c = AvaticaClient.connect(limited.url()); Statement s = c.createStatement()) {
        try (ResultSet rs = s.executeQuery("SELECT id FROM docs LIMIT 100")) {
          int n = 0;
          while (rs.next()) {
            n++;
          }
          assertEquals(100, n);
        }
        String rows = failure(() -> {
          try (ResultSet rs = s.executeQuery("SELECT id FROM docs")) {
            while (rs.next()) {
              rs.getLong(1);
            }
          }
        });
        assertTrue(rows.contains("more than 100 rows"), rows);
        long start = System.nanoTime();
        String slow = failure(() -> s.executeQuery(
            "SELECT count(*) FROM v768 a CROSS JOIN v768 b CROSS JOIN v4096 x"
                + " WHERE array_distance(a.embedding, b.embedding) < 0.0001").next());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60));
        // The server's query timeout: the driver's own timeout error, SQLState HYT00.
        assertTrue(slow.contains("query timed out") && slow.contains("HYT00"), slow);
      }
    }
  }

  /** --max-concurrent-queries holds per connection: another connection is not held up. */
  @Test void aConnectionRunsAtMostItsLimitOfQueriesAtOnce() throws Exception {
    PqVectorServer limited = start(Serialization.PROTOBUF, new ServerLimits(1000, 1, 300,
        1 << 20));
    Connection c = AvaticaClient.connect(limited.url());
    String[] slowError = new String[1];
    Thread slow = new Thread(() -> slowError[0] = failure(() -> c.createStatement().executeQuery(
        "SELECT count(*) FROM v768 a CROSS JOIN v768 b CROSS JOIN v4096 x"
            + " WHERE array_distance(a.embedding, b.embedding) < 0.0001").next()));
    try {
      slow.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (limited.runningQueries() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(1, limited.runningQueries());
      String second = failure(() -> c.createStatement().executeQuery(
          "SELECT count(*) FROM v4096").next());
      assertTrue(second.contains("already runs 1 queries") && second.contains("53000"), second);
      try (Connection other = AvaticaClient.connect(limited.url())) {
        assertEquals(List.of("300"), query(other, "SELECT count(*) FROM v4096"));
      }
    } finally {
      limited.close();
      slow.join(60_000);
      try {
        c.close();
      } catch (Exception serverGone) {
        // The server that knew the connection has stopped; this only tidies up the client.
      }
    }
    assertFalse(slow.isAlive());
    assertTrue(slowError[0].contains("HY008") || slowError[0].contains("shutting down"),
        slowError[0]);
  }

  @Test void oversizedAndMalformedRequestsAreRefusedAndTheServerGoesOn() throws Exception {
    try (PqVectorServer small = start(Serialization.PROTOBUF,
        new ServerLimits(1000, 4, 60, 64 << 10))) {
      String address = small.url().replaceAll(".*url=([^;]+);.*", "$1");
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> garbage = http.send(HttpRequest.newBuilder(URI.create(address))
          .POST(HttpRequest.BodyPublishers.ofString("\u0000\u0001garbage{")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(500, garbage.statusCode());
      HttpResponse<String> big = http.send(HttpRequest.newBuilder(URI.create(address))
          .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[200_000])).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(big.body().contains("larger than the server's limit of 65536 bytes"),
          big.body());
      HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(address)).GET()
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(405, get.statusCode());
      assertTrue(get.body().contains("serialization=protobuf"), get.body());
      try (Connection c = AvaticaClient.connect(small.url())) {
        // A 4,096-dim literal is about 40 kB of SQL: under the limit.
        float[] q = ServedData.vector(c, "v4096", 1);
        assertEquals(1L, Long.valueOf(query(c, "SELECT id FROM v4096 ORDER BY"
            + " array_distance(embedding, " + Fixtures.pqArray(q) + ") LIMIT 1").get(0)));
        float[] huge = new float[20_000];
        String e = failure(() -> query(c, "SELECT id FROM v4096"
            + " ORDER BY array_distance(embedding, " + Fixtures.pqArray(huge) + ") LIMIT 1"));
        assertTrue(e.contains("larger than the server's limit") && e.contains("54000"), e);
        assertEquals(1L, Long.valueOf(query(c, "SELECT id FROM v4096 ORDER BY"
            + " array_distance(embedding, ?) LIMIT 1", q).get(0)));
      }
    }
  }

  @Test void usersLogInWithBasicAndWrongPasswordsAreLimited() throws Exception {
    Path users = tmp.resolve("users");
    UsersFile.add(users, "alice", "s3cret!".toCharArray());
    UsersFile.add(users, "bob", "hunter2".toCharArray());
    String text = Files.readString(users);
    assertFalse(text.contains("s3cret") || text.contains("hunter2"));
    assertTrue(text.contains("alice:pbkdf2-sha256:"), text);
    PqVectorServer.Options o = new PqVectorServer.Options();
    o.root = dir.toString();
    o.port = 0;
    o.usersFile = users;
    o.maxLoginFailures = 4;
    try (PqVectorServer s = PqVectorServer.start(o)) {
      assertTrue(s.url().endsWith(";authentication=BASIC"), s.url());
      try (Connection c = AvaticaClient.connect(s.url(), "avatica_user", "alice",
          "avatica_password", "s3cret!")) {
        assertEquals(List.of("20000"), query(c, "SELECT count(*) FROM docs"));
      }
      String anonymous = failure(
          () -> AvaticaClient.connect(s.url().replace(";authentication=BASIC", "")).close());
      assertTrue(anonymous.contains("HTTP/401"), anonymous);
      // The status page asks for a login too.
      String status = s.url().replaceAll(".*url=([^;]+).*", "$1") + "/status";
      HttpClient http = HttpClient.newHttpClient();
      assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(status)).GET().build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      HttpResponse<String> withLogin = http.send(HttpRequest.newBuilder(URI.create(status))
          .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
              "alice:s3cret!".getBytes(StandardCharsets.UTF_8))).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, withLogin.statusCode());
      assertTrue(withLogin.body().contains("\"runningQueries\":0"), withLogin.body());
      // A removed user is out at once (the server rereads a changed users file).
      UsersFile.remove(users, "alice");
      String removed = failure(() -> AvaticaClient.connect(
          s.url(), "avatica_user", "alice", "avatica_password", "s3cret!").close());
      assertTrue(removed.contains("authentication failed for user 'alice'"), removed);
      // Four failures from one address (this one and three for bob) and it is refused.
      for (int i = 0; i < 3; i++) {
        String wrong = failure(() -> AvaticaClient.connect(
            s.url(), "avatica_user", "bob", "avatica_password", "nope").close());
        assertTrue(wrong.contains("authentication failed for user 'bob'"), wrong);
        assertTrue(wrong.contains("(28000)"), wrong);
      }
      // The fourth attempt is refused without looking at the password, even the right one.
      String limited = failure(() -> AvaticaClient.connect(
          s.url(), "avatica_user", "bob", "avatica_password", "hunter2").close());
      assertTrue(limited.contains("too many failed logins"), limited);
    }
  }

  @Test void withoutUsersOnlyLoopbackIsServed() {
    PqVectorServer.Options o = new PqVectorServer.Options();
    o.root = dir.toString();
    o.port = 0;
    o.host = "0.0.0.0";
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PqVectorServer.start(o).close());
    assertTrue(e.getMessage().contains("without --users"), e.getMessage());
  }

  @Test void httpsWithAKeystore() throws Exception {
    Path keystore = tmp.resolve("server.p12");
    Path truststore = tmp.resolve("client.p12");
    Path cert = tmp.resolve("server.crt");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(keytool, "-genkeypair", "-alias", "pqvector", "-keyalg", "RSA", "-keysize", "2048",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit");
    run(keytool, "-exportcert", "-alias", "pqvector", "-keystore", keystore.toString(),
        "-storepass", "changeit", "-file", cert.toString());
    run(keytool, "-importcert", "-noprompt", "-alias", "pqvector", "-file", cert.toString(),
        "-storetype", "PKCS12", "-keystore", truststore.toString(), "-storepass", "trustme");
    PqVectorServer.Options o = new PqVectorServer.Options();
    o.root = dir.toString();
    o.port = 0;
    o.tlsKeystore = keystore;
    o.tlsPassword = "changeit".toCharArray();
    try (PqVectorServer s = PqVectorServer.start(o)) {
      assertTrue(s.url().contains("url=https://127.0.0.1:"), s.url());
      try (Connection c = AvaticaClient.connect(s.url() + ";truststore=" + truststore
          + ";truststore_password=trustme")) {
        assertEquals(List.of("300"), query(c, "SELECT count(*) FROM v4096"));
      }
      String untrusted = failure(() -> AvaticaClient.connect(s.url()).close());
      assertTrue(untrusted.contains("SSL") || untrusted.contains("certificat"), untrusted);
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
  }

  /** sqlline in another JVM with only sqlline's and Avatica's jars on its class path. */
  @Test void sqllineInAnotherProcess() throws Exception {
    String sql = "SELECT id FROM docs WHERE cat = 4 ORDER BY array_distance(embedding,"
        + " (SELECT embedding FROM docs WHERE id = 42)) LIMIT 5";
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", AvaticaClient.classPath(
        AvaticaClient.JARS.resolve(AvaticaClient.SQLLINE_JAR).toAbsolutePath().toString()),
        "sqlline.SqlLine", "-u", protobuf.url(), "-n", "", "-p", "", "--outputformat=csv",
        "--showHeader=false", "--silent=true", "-e", sql)
        .redirectErrorStream(true).start();
    p.getOutputStream().close();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    String text = out.toString(StandardCharsets.UTF_8);
    List<String> ids = new ArrayList<>();
    for (String line : text.split("\\R")) {
      if (line.matches("'?\\d+'?")) {
        ids.add(line.replace("'", ""));
      }
    }
    try (Connection local = embedded()) {
      assertEquals(query(local, sql), ids, text);
    }
  }
}
