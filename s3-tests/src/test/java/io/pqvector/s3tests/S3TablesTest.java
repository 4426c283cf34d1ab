package io.pqvector.s3tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.rewrite.SearchLayoutRewriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables in an S3 bucket, served by a real S3 server (S3Proxy) in this JVM, queried through
 * {@code jdbc:pqvector:s3://...} and DriverManager, against the same files read locally.
 */
class S3TablesTest {
  private static final String BUCKET = "vectors";
  private static final int DIM = 16;

  @TempDir static Path temp;
  private static Path local;
  private static S3Server s3;

  @BeforeAll
  static void start() throws Exception {
    local = Files.createDirectories(temp.resolve("local"));
    Files.createDirectories(local.resolve("parts"));
    duckdbWrite(local.resolve("docs.parquet"), 0, 3000, 1);
    duckdbWrite(local.resolve("parts/a.parquet"), 0, 700, 1);
    duckdbWrite(local.resolve("parts/b.parquet"), 700, 700, 1);
    duckdbWrite(local.resolve("indexed.parquet"), 0, 6000, 2);
    IvfIndexBuilder.forFile(local.resolve("indexed.parquet")).column("embedding").seed(7).build();
    Path raw = temp.resolve("raw.parquet");
    duckdbWrite(raw, 0, 6000, 3);
    SearchLayoutRewriter.from(raw).to(local.resolve("laid.parquet")).column("embedding").seed(7).rewrite();

    s3 = new S3Server(Files.createDirectories(temp.resolve("s3")));
    s3.createBucket(BUCKET);
    for (String name : List.of("docs.parquet", "parts/a.parquet", "parts/b.parquet", "indexed.parquet",
        "laid.parquet")) {
      s3.upload(BUCKET, "tables/" + name, local.resolve(name));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  /** Rows {@code first..first+count-1} with deterministic vectors; {@code seed} varies the values. */
  static void duckdbWrite(Path file, int first, int count, int seed) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
      s.execute("COPY (SELECT i AS id, 'doc ' || i AS title, "
          + "list_transform(range(" + DIM + "), lambda j: CAST(sin(i * 0.37 * " + seed + " + j * 1.3) AS FLOAT))::FLOAT["
          + DIM + "] AS embedding FROM range(" + first + ", " + (first + count) + ") t(i)) TO '"
          + file.toString().replace("'", "''") + "' (FORMAT parquet)");
    }
  }

  static Properties s3Properties(String refresh) {
    Properties p = new Properties();
    p.setProperty("s3.endpoint", s3.endpoint.toString());
    p.setProperty("s3.region", "us-east-1");
    p.setProperty("s3.accessKeyId", S3Server.ACCESS_KEY);
    p.setProperty("s3.secretAccessKey", S3Server.SECRET_KEY);
    if (refresh != null) {
      p.setProperty("s3.refresh", refresh);
    }
    return p;
  }

  static Connection s3Connection(String prefix, String refresh) throws SQLException {
    return DriverManager.getConnection("jdbc:pqvector:s3://" + BUCKET + "/" + prefix, s3Properties(refresh));
  }

  static String queryVector(double shift) {
    StringBuilder b = new StringBuilder("ARRAY[");
    for (int j = 0; j < DIM; j++) {
      b.append(j == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", Math.cos(j * 0.7 + shift)));
    }
    return b.append(']').toString();
  }

  static String topK(String table, String vector, int k) {
    return "SELECT id, title, array_distance(embedding, " + vector + ") AS d FROM " + table
        + " ORDER BY d LIMIT " + k;
  }

  static List<String> rows(Connection c, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          b.append(i == 1 ? "" : " | ").append(rs.getObject(i));
        }
        out.add(b.toString());
      }
    }
    return out;
  }

  @Test
  void listsTablesLikeADirectory() throws SQLException {
    try (Connection c = s3Connection("tables", null)) {
      List<String> names = new ArrayList<>();
      try (ResultSet rs = c.getMetaData().getTables(null, "pqvector", "%", null)) {
        while (rs.next()) {
          names.add(rs.getString("TABLE_NAME"));
        }
      }
      assertEquals(List.of("docs", "indexed", "laid", "parts"), names.stream().sorted().toList());
      assertEquals(List.of("1400"), rows(c, "SELECT count(*) FROM parts"));
    }
  }

  @Test
  void sameRowsAndDistancesAsTheLocalCopy() throws SQLException {
    try (Connection remote = s3Connection("tables/", null);
        Connection exactLocal = DriverManager.getConnection("jdbc:pqvector:" + local)) {
      for (String table : List.of("docs", "parts", "indexed", "laid")) {
        for (double shift : new double[] {0.0, 1.1, 2.7}) {
          String sql = topK(table, queryVector(shift), 10);
          List<String> expected = rows(exactLocal, sql);
          assertEquals(10, expected.size());
          assertEquals(expected, rows(remote, sql), table + " " + shift);
        }
      }
      // Exact search through S3 too (the index bypassed) agrees with the local exact answer.
      String filtered = "SELECT id, array_distance(embedding, " + queryVector(0.4)
          + ") AS d FROM docs WHERE MOD(id, 3) = 0 ORDER BY d LIMIT 5";
      assertEquals(rows(exactLocal, filtered), rows(remote, filtered));
    }
    try (Connection remote = DriverManager.getConnection(
        "jdbc:pqvector:s3://" + BUCKET + "/tables;useIndex=false", s3Properties(null));
        Connection exactLocal = DriverManager.getConnection("jdbc:pqvector:" + local + ";useIndex=false")) {
      String sql = topK("indexed", queryVector(0.9), 10);
      assertEquals(rows(exactLocal, sql), rows(remote, sql));
    }
  }

  /** Request counts per query, cold (new file system, nothing cached) and warm; printed for the README. */
  @Test
  void requestCountsColdAndWarm() throws SQLException {
    for (String table : List.of("docs", "indexed", "laid")) {
      // A prefix of its own per table so that each cold measurement starts with nothing cached.
      s3.upload(BUCKET, "counts-" + table + "/" + table + ".parquet", local.resolve(table + ".parquet"));
      RequestCounter.drainLog();
      long before = RequestCounter.requests();
      long start = System.nanoTime();
      try (Connection c = s3Connection("counts-" + table, "3600")) {
        String sql = topK(table, queryVector(0.5), 10);
        List<String> cold = rows(c, sql);
        long coldRequests = RequestCounter.requests() - before;
        double coldMs = (System.nanoTime() - start) / 1e6;
        System.out.println("  cold: " + RequestCounter.drainLog());
        long warmBefore = RequestCounter.requests();
        long warmStart = System.nanoTime();
        List<String> warm = rows(c, topK(table, queryVector(0.5), 10));
        long warmRequests = RequestCounter.requests() - warmBefore;
        double warmMs = (System.nanoTime() - warmStart) / 1e6;
        System.out.println("  warm: " + RequestCounter.drainLog());
        long otherBefore = RequestCounter.requests();
        rows(c, topK(table, queryVector(2.2), 10));
        long otherRequests = RequestCounter.requests() - otherBefore;
        System.out.printf(Locale.ROOT, "S3 requests, table %s: cold (connect + first query) %d (%.0f ms),"
            + " same query warm %d (%.1f ms), new query vector warm %d%n", table, coldRequests, coldMs,
            warmRequests, warmMs, otherRequests);
        assertEquals(cold, warm);
        assertTrue(coldRequests > 0);
        assertTrue(warmRequests < coldRequests, "a warm query reads less than a cold one");
        assertEquals(0, warmRequests, "the same query again within s3.refresh makes no request");
      }
      // The same, with 20 ms added to every request: cold time / 20 ms ~ sequential round trips.
      s3.upload(BUCKET, "latency-" + table + "/" + table + ".parquet", local.resolve(table + ".parquet"));
      RequestCounter.latencyMillis = 20;
      long t0 = System.nanoTime();
      long r0 = RequestCounter.requests();
      try (Connection c = s3Connection("latency-" + table, "3600")) {
        long t1 = System.nanoTime();
        long r1 = RequestCounter.requests();
        rows(c, topK(table, queryVector(0.5), 10));
        System.out.printf(Locale.ROOT, "  with 20 ms per request: connect (listing, footer) %.0f ms, %d requests;"
            + " first top-k %.0f ms, %d requests%n", (t1 - t0) / 1e6, r1 - r0,
            (System.nanoTime() - t1) / 1e6, RequestCounter.requests() - r1);
      } finally {
        RequestCounter.latencyMillis = 0;
      }
    }
    // s3.refresh=0: a warm query lists the folder again (and reads nothing else).
    try (Connection c = s3Connection("counts-indexed", "0")) {
      rows(c, topK("indexed", queryVector(0.5), 10));
      RequestCounter.drainLog();
      long before = RequestCounter.requests();
      rows(c, topK("indexed", queryVector(0.5), 10));
      long warm = RequestCounter.requests() - before;
      System.out.println("S3 requests, s3.refresh=0, warm query: " + warm + " " + RequestCounter.drainLog());
      assertTrue(warm >= 1, "the folder is listed again");
    }
  }

  @Test
  void aReplacedObjectIsSeenAfterTheRefreshInterval() throws Exception {
    Path v1 = temp.resolve("v1.parquet");
    Path v2 = temp.resolve("v2.parquet");
    duckdbWrite(v1, 0, 1000, 1);
    duckdbWrite(v2, 0, 1000, 5); // same rows and schema, other vectors
    Path localV1 = Files.createDirectories(temp.resolve("localv1"));
    Path localV2 = Files.createDirectories(temp.resolve("localv2"));
    Files.copy(v1, localV1.resolve("t.parquet"));
    Files.copy(v2, localV2.resolve("t.parquet"));
    String sql = topK("t", queryVector(0.3), 5);
    List<String> expectV1;
    List<String> expectV2;
    try (Connection a = DriverManager.getConnection("jdbc:pqvector:" + localV1);
        Connection b = DriverManager.getConnection("jdbc:pqvector:" + localV2)) {
      expectV1 = rows(a, sql);
      expectV2 = rows(b, sql);
    }
    assertNotEquals(expectV1, expectV2);

    s3.upload(BUCKET, "changing/t.parquet", v1);
    try (Connection every = s3Connection("changing", "0");
        Connection interval = s3Connection("changing", "1")) {
      assertEquals(expectV1, rows(every, sql));
      assertEquals(expectV1, rows(interval, sql));
      s3.upload(BUCKET, "changing/t.parquet", v2);
      // s3.refresh=0: the next query looks again.
      assertEquals(expectV2, rows(every, sql));
      // s3.refresh=1: within the second the connection may still answer from the version it
      // listed, or fail on a read of the replaced object; it never mixes versions. After it, the
      // new version is read.
      Thread.sleep(1100);
      assertEquals(expectV2, rows(interval, sql));
    }
  }

  @Test
  void missingBucketAndRefusedAccessFailTheConnectionNamingTheLocation() {
    SQLException missing = assertThrows(SQLException.class,
        () -> DriverManager.getConnection("jdbc:pqvector:s3://no-such-bucket/tables", s3Properties(null)));
    assertEquals("08001", missing.getSQLState());
    assertTrue(missing.getMessage().contains("s3://no-such-bucket"), missing.getMessage());
    assertTrue(missing.getMessage().contains("no such bucket"), missing.getMessage());

    Properties wrong = s3Properties(null);
    wrong.setProperty("s3.secretAccessKey", "not-the-secret");
    SQLException denied = assertThrows(SQLException.class,
        () -> DriverManager.getConnection("jdbc:pqvector:s3://" + BUCKET + "/tables", wrong));
    assertEquals("08001", denied.getSQLState());
    assertTrue(denied.getMessage().contains("s3://" + BUCKET + "/tables"), denied.getMessage());
    assertTrue(denied.getMessage().contains("access denied"), denied.getMessage());

    Properties typo = s3Properties(null);
    typo.setProperty("s3.regoin", "eu-west-1");
    SQLException misspelt = assertThrows(SQLException.class,
        () -> DriverManager.getConnection("jdbc:pqvector:s3://" + BUCKET + "/tables", typo));
    assertEquals("08001", misspelt.getSQLState());
    assertTrue(misspelt.getMessage().contains("s3.region"), misspelt.getMessage());
  }

  @Test
  void anObjectDeletedAfterListingFailsTheQueryNamingIt() throws Exception {
    s3.upload(BUCKET, "gone/g.parquet", local.resolve("indexed.parquet"));
    try (Connection c = s3Connection("gone", "3600")) {
      // Connecting read the footer; the vectors, not read yet, are gone when the query wants them.
      s3.delete(BUCKET, "gone/g.parquet");
      SQLException e = assertThrows(SQLException.class, () -> rows(c, topK("g", queryVector(0), 3)));
      assertTrue(e.getMessage().contains("s3://" + BUCKET + "/gone/g.parquet"), e.getMessage());
      assertFalse(e.getSQLState() == null, "has a SQLState");
      System.out.println("deleted object: " + e.getSQLState() + " " + e.getMessage());
    }
  }

  @Test
  void sqlCommandOnAnS3Folder() {
    // The command line takes credentials from the SDK's default chain; its system properties are
    // the part of the chain a test can set.
    System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      int code = io.pqvector.cli.Main.run(new String[] {"sql", "s3://" + BUCKET + "/tables",
          "--s3-endpoint", s3.endpoint.toString(), "--s3-region", "us-east-1", "--s3-path-style",
          "-e", "SELECT count(*) AS n FROM parts"},
          new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
      assertEquals(0, code, err.toString());
      assertTrue(out.toString().contains("1400"), out.toString());
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }

  /** {@code java -jar pqvector.jar sql s3://...}: the shaded jar, credentials from the environment. */
  @Test
  void theDriverJarQueriesAnS3Folder() throws Exception {
    Path jar = Path.of(System.getProperty("pqvector.jar"));
    assertTrue(Files.isRegularFile(jar), "the build copies the driver jar to " + jar);
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString(), "sql", "s3://" + BUCKET + "/tables",
        "--s3-endpoint", s3.endpoint.toString(), "--s3-region", "us-east-1",
        "-e", "SELECT count(*) AS n FROM parts");
    pb.environment().put("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY);
    pb.environment().put("AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), output);
    assertTrue(output.contains("1400"), output);
  }

  /**
   * {@code serve s3://...} from the driver jar, as users run it: a remote client (Avatica's JDBC
   * driver) gets the same rows and distances as an embedded connection to the same folder.
   */
  @Test
  void serveAnS3Folder() throws Exception {
    try (JarServer server = new JarServer(
            Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY),
            "s3://" + BUCKET + "/tables", "--port", "0",
            "--s3-endpoint", s3.endpoint.toString(), "--s3-region", "us-east-1");
        Connection remote = DriverManager.getConnection(server.url);
        Connection embedded = s3Connection("tables", null)) {
      for (String sql : List.of("SELECT count(*) FROM parts",
          topK("indexed", queryVector(0.3), 10), topK("laid", queryVector(1.7), 10))) {
        List<String> expected = rows(embedded, sql);
        assertFalse(expected.isEmpty(), sql);
        assertEquals(expected, rows(remote, sql), sql);
      }
    }
  }

  @Test
  void benchCommandOnAnS3Object() {
    System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      int code = io.pqvector.cli.Main.run(new String[] {"bench", "s3://" + BUCKET + "/tables/indexed.parquet",
          "--column", "embedding", "--queries", "20", "--nprobe", "1,4", "--json", "--no-progress",
          "--s3-endpoint", s3.endpoint.toString(), "--s3-region", "us-east-1"},
          new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
      assertEquals(0, code, err.toString() + out);
      assertTrue(out.toString().contains("\"recommendedNprobe\""), out.toString());
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }

  /** A throttling store (503 SlowDown): retried with backoff, then a clear error naming the location. */
  @Test
  void throttlingIsRetriedThenReported() throws Exception {
    try (FaultProxy proxy = new FaultProxy(s3.endpoint)) {
      Properties p = s3Properties(null);
      p.setProperty("s3.endpoint", proxy.endpoint.toString());
      proxy.refuseNext.set(2);
      try (Connection c = DriverManager.getConnection("jdbc:pqvector:s3://" + BUCKET + "/tables", p)) {
        assertEquals(List.of("1400"), rows(c, "SELECT count(*) FROM parts"));
      }
      assertEquals(2, proxy.refused.get(), "the first two requests were refused and retried");

      proxy.refuseNext.set(1_000);
      p.setProperty("s3.refresh", "0"); // another file system: nothing listed or kept yet
      long start = System.nanoTime();
      SQLException e = assertThrows(SQLException.class,
          () -> DriverManager.getConnection("jdbc:pqvector:s3://" + BUCKET + "/tables", p));
      double seconds = (System.nanoTime() - start) / 1e9;
      assertEquals("08001", e.getSQLState());
      assertTrue(e.getMessage().contains("s3://" + BUCKET + "/tables") && e.getMessage().contains("503"),
          e.getMessage());
      System.out.printf(Locale.ROOT, "persistent 503: %d attempts, gave up after %.1f s: %s%n",
          proxy.refused.get() - 2, seconds, e.getMessage());
    }
  }
}
