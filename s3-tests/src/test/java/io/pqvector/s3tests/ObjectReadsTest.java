package io.pqvector.s3tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.rewrite.SearchLayoutRewriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading tables in object storage as a query sees it: one-file tables behind an http(s) URL
 * (a real HTTP server honouring Range), each query's request count, parallel ranged GETs, cancel
 * and timeout reaching a request in flight, and broken responses (cut short, reset) retried or
 * failing cleanly. Real servers only: S3Proxy, the JDK's HttpServer, and a fault-injecting TCP
 * proxy in front of either.
 */
class ObjectReadsTest {
  private static final String BUCKET = "reads";
  private static final int DIM = 16;
  private static final AtomicInteger UNIQUE = new AtomicInteger();

  @TempDir static Path temp;
  private static Path local;
  private static S3Server s3;
  private static RangeFileServer http;

  @BeforeAll
  static void start() throws Exception {
    local = Files.createDirectories(temp.resolve("local"));
    S3TablesTest.duckdbWrite(local.resolve("docs.parquet"), 0, 3000, 1);
    S3TablesTest.duckdbWrite(local.resolve("indexed.parquet"), 0, 6000, 2);
    IvfIndexBuilder.forFile(local.resolve("indexed.parquet")).column("embedding").seed(7).build();
    Path raw = temp.resolve("raw.parquet");
    S3TablesTest.duckdbWrite(raw, 0, 6000, 3);
    SearchLayoutRewriter.from(raw).to(local.resolve("laid.parquet")).column("embedding").seed(7).rewrite();
    // Big enough that the probed lists lie in many places of the file.
    Path bigRaw = temp.resolve("bigraw.parquet");
    S3TablesTest.duckdbWrite(bigRaw, 0, 40_000, 4);
    SearchLayoutRewriter.from(bigRaw).to(local.resolve("big.parquet")).column("embedding").seed(7).rewrite();
    s3 = new S3Server(Files.createDirectories(temp.resolve("s3")));
    s3.createBucket(BUCKET);
    http = new RangeFileServer(local);
  }

  @AfterAll
  static void stop() throws Exception {
    if (http != null) {
      http.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  /** A copy of a local table under a name of its own: nothing of it is cached anywhere yet. */
  static String fresh(String table) throws Exception {
    String name = table + "_" + UNIQUE.incrementAndGet();
    Files.createDirectories(local.resolve("fresh"));
    Files.copy(local.resolve(table + ".parquet"), local.resolve("fresh/" + name + ".parquet"),
        StandardCopyOption.REPLACE_EXISTING);
    return name;
  }

  static String httpUrl(String name) {
    return http.base + "/fresh/" + name + ".parquet";
  }

  /** An S3 folder of its own holding one copy of {@code table}; returns the folder. */
  static String s3Folder(String table) {
    String prefix = "t" + UNIQUE.incrementAndGet();
    s3.upload(BUCKET, prefix + "/" + table + ".parquet", local.resolve(table + ".parquet"));
    return prefix;
  }

  static Properties s3Properties(java.net.URI endpoint) {
    Properties p = new Properties();
    p.setProperty("s3.endpoint", endpoint.toString());
    p.setProperty("s3.region", "us-east-1");
    p.setProperty("s3.accessKeyId", S3Server.ACCESS_KEY);
    p.setProperty("s3.secretAccessKey", S3Server.SECRET_KEY);
    p.setProperty("s3.refresh", "3600");
    return p;
  }

  static List<String> rows(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      return rows(s, sql);
    }
  }

  static List<String> rows(Statement s, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = s.executeQuery(sql)) {
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

  static String topK(String table, double shift, int k) {
    return S3TablesTest.topK(table, S3TablesTest.queryVector(shift), k);
  }

  static List<String> localRows(String sql, String options) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + local + options)) {
      return rows(c, sql);
    }
  }

  // ---------------------------------------------------------------- http(s) one-file tables

  @Test
  void anHttpUrlIsAOneFileTable() throws Exception {
    for (String table : List.of("docs", "indexed", "laid")) {
      String name = fresh(table);
      try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + httpUrl(name))) {
        List<String> names = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
          while (rs.next()) {
            names.add(rs.getString("TABLE_NAME"));
          }
        }
        assertEquals(List.of(name), names);
        for (double shift : new double[] {0.0, 1.3}) {
          List<String> expected = localRows(topK(table, shift, 10), "");
          assertEquals(10, expected.size());
          assertEquals(expected, rows(c, topK(name, shift, 10)), table + " " + shift);
        }
        assertEquals(localRows("SELECT count(*), sum(id) FROM " + table, ""),
            rows(c, "SELECT count(*), sum(id) FROM " + name));
      }
      // exact search over HTTP too
      try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + httpUrl(name) + ";useIndex=false")) {
        assertEquals(localRows(topK(table, 0.7, 10), ";useIndex=false"), rows(c, topK(name, 0.7, 10)));
      }
    }
  }

  /** The driver jar's server serves an http(s) one-file table to remote clients. */
  @Test
  void serveAnHttpFile() throws Exception {
    String name = fresh("indexed");
    try (JarServer server = new JarServer(Map.of(), httpUrl(name), "--port", "0");
        Connection remote = DriverManager.getConnection(server.url)) {
      for (double shift : new double[] {0.0, 0.9}) {
        List<String> expected = localRows(topK("indexed", shift, 10), "");
        assertEquals(10, expected.size());
        assertEquals(expected, rows(remote, topK(name, shift, 10)), "shift " + shift);
      }
    }
  }

  @Test
  void httpErrorsFailTheConnectionNamingTheUrl() throws Exception {
    Files.createDirectories(local.resolve("noranges"));
    Files.copy(local.resolve("docs.parquet"), local.resolve("noranges/docs.parquet"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.createDirectories(local.resolve("private"));
    Files.copy(local.resolve("docs.parquet"), local.resolve("private/docs.parquet"),
        StandardCopyOption.REPLACE_EXISTING);
    String[][] cases = {
        {http.base + "/no/such.parquet", "no such object (HTTP 404)"},
        {http.base + "/private/docs.parquet", "access denied"},
        {http.base + "/noranges/docs.parquet", "does not support HTTP range requests"},
        {http.base + "/docs.csv", "must be the URL of one Parquet file"},
    };
    for (String[] c : cases) {
      SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection("jdbc:pqvector:" + c[0]));
      assertEquals("08001", e.getSQLState(), e.getMessage());
      assertTrue(e.getMessage().contains(c[0]) && e.getMessage().contains(c[1]), e.getMessage());
      System.out.println("http error: " + e.getMessage());
    }
  }

  /** A file replaced on the server is read as the new one, never as a mix of both. */
  @Test
  void aReplacedHttpFileIsNeverReadAsTheOldOne() throws Exception {
    Path v1 = temp.resolve("hv1.parquet");
    Path v2 = temp.resolve("hv2.parquet");
    // Larger than what connecting reads (the file's two ends), so the vectors are read later.
    S3TablesTest.duckdbWrite(v1, 0, 20_000, 1);
    S3TablesTest.duckdbWrite(v2, 0, 20_000, 5);
    Path dir = Files.createDirectories(local.resolve("changing"));
    Path served = dir.resolve("c.parquet");
    Files.copy(v1, served, StandardCopyOption.REPLACE_EXISTING);
    List<List<String>> expected = new ArrayList<>();
    for (Path v : List.of(v1, v2)) {
      Path d = Files.createDirectories(temp.resolve("oracle-" + v.getFileName()));
      Files.copy(v, d.resolve("c.parquet"), StandardCopyOption.REPLACE_EXISTING);
      try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + d)) {
        expected.add(rows(c, topK("c", 0.3, 5)));
      }
    }
    assertNotEquals(expected.get(0), expected.get(1));
    String url = http.base + "/changing/c.parquet";
    try (Connection every = DriverManager.getConnection("jdbc:pqvector:" + url + ";s3.refresh=0");
        Connection pinned = DriverManager.getConnection("jdbc:pqvector:" + url + ";s3.refresh=3600")) {
      assertEquals(expected.get(0), rows(every, topK("c", 0.3, 5)));
      rows(pinned, "SELECT count(*) FROM c"); // the footer only: the vectors are not read yet
      Files.copy(v2, served, StandardCopyOption.REPLACE_EXISTING);
      assertEquals(expected.get(1), rows(every, topK("c", 0.3, 5)));
      // Pinned to the first version, the connection asks for it (If-Match) and is refused.
      SQLException e = assertThrows(SQLException.class, () -> rows(pinned, topK("c", 0.3, 5)));
      assertTrue(e.getMessage().contains(url) && e.getMessage().contains("changed"), e.getMessage());
      // and the next query reads the new file
      assertEquals(expected.get(1), rows(pinned, topK("c", 0.3, 5)));
    }
  }

  @Test
  void sqlAndBenchCommandsOnAnHttpFile() throws Exception {
    String name = fresh("indexed");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = io.pqvector.cli.Main.run(new String[] {"sql", httpUrl(name),
        "-e", "SELECT count(*) AS n FROM " + name},
        new PrintStream(out, true), new PrintStream(err, true));
    assertEquals(0, code, err.toString());
    assertTrue(out.toString().contains("6000"), out.toString());
    out.reset();
    code = io.pqvector.cli.Main.run(new String[] {"bench", httpUrl(name), "--column", "embedding",
        "--queries", "10", "--nprobe", "1,4", "--json", "--no-progress"},
        new PrintStream(out, true), new PrintStream(err, true));
    assertEquals(0, code, err.toString() + out);
    assertTrue(out.toString().contains("\"recommendedNprobe\""), out.toString());
  }

  // ---------------------------------------------------------------- per-query request counts

  private static final Pattern SUMMARY = Pattern.compile("object storage: (\\d+) requests?, (\\d+) bytes");

  /** The statement's warning about its requests, as {requests, bytes}. */
  static long[] requestCounts(Statement s) throws SQLException {
    for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
      Matcher m = SUMMARY.matcher(w.getMessage());
      if (m.matches()) {
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
      }
    }
    return null;
  }

  @Test
  void eachQueryReportsItsRequestsAndBytes() throws Exception {
    String folder = s3Folder("laid");
    String name = fresh("laid");
    for (String url : List.of("jdbc:pqvector:s3://" + BUCKET + "/" + folder, "jdbc:pqvector:" + httpUrl(name))) {
      String table = url.startsWith("jdbc:pqvector:s3") ? "laid" : name;
      try (Connection c = DriverManager.getConnection(url, s3Properties(s3.endpoint));
          Statement s = c.createStatement()) {
        List<String> cold = rows(s, topK(table, 0.5, 10));
        long[] first = requestCounts(s);
        assertNotNull(first, "a query on object storage reports its requests");
        assertTrue(first[0] > 0 && first[1] > 0, url + " cold: " + first[0] + " requests, " + first[1] + " bytes");
        assertEquals(cold, rows(s, topK(table, 0.5, 10)));
        long[] warm = requestCounts(s);
        assertEquals(0, warm[0], "the same query again makes no request");
        assertEquals(0, warm[1]);
        // A prepared statement reports per execution as well.
        try (java.sql.PreparedStatement ps = c.prepareStatement(topK(table, 2.1, 10))) {
          ps.executeQuery().close();
          long[] again = requestCounts(ps);
          assertNotNull(again);
        }
        System.out.printf(Locale.ROOT, "%s: cold query %d requests, %d bytes; warm 0%n", url, first[0], first[1]);
      }
    }
    // A local directory reports nothing.
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + local); Statement s = c.createStatement()) {
      rows(s, topK("laid", 0.5, 10));
      assertEquals(null, requestCounts(s));
    }
  }

  // ---------------------------------------------------------------- parallel ranged GETs

  /**
   * A cold query on a large rewritten file through a store 20 ms away: the probed lists' pages
   * are fetched by a few GETs in parallel; the figures (printed) go to the README.
   */
  @Test
  void probedPagesAreFetchedInParallel() throws Exception {
    for (String kind : List.of("s3", "http")) {
      java.net.URI upstream = kind.equals("s3") ? s3.endpoint : http.base;
      try (FaultProxy proxy = new FaultProxy(upstream)) {
        proxy.latencyMillis = 20;
        String url;
        String table;
        if (kind.equals("s3")) {
          url = "jdbc:pqvector:s3://" + BUCKET + "/" + s3Folder("big");
          table = "big";
        } else {
          table = fresh("big");
          url = "jdbc:pqvector:" + proxy.endpoint + "/fresh/" + table + ".parquet";
        }
        long start = System.nanoTime();
        // 16 lists: their pages lie all over the file
        try (Connection c = DriverManager.getConnection(url + ";nprobe=16", s3Properties(proxy.endpoint));
            Statement s = c.createStatement()) {
          double connectMs = (System.nanoTime() - start) / 1e6;
          int connectTrips = proxy.sequentialRoundTrips();
          long queryStart = System.nanoTime();
          List<String> got = rows(s, topK(table, 0.5, 10));
          double queryMs = (System.nanoTime() - queryStart) / 1e6;
          long[] counts = requestCounts(s);
          int trips = proxy.sequentialRoundTrips();
          assertEquals(localRows(topK("big", 0.5, 10), ";nprobe=16"), got);
          long warmStart = System.nanoTime();
          rows(s, topK(table, 0.5, 10));
          double warmMs = (System.nanoTime() - warmStart) / 1e6;
          System.out.printf(Locale.ROOT, "%s, 40,000 x 16 rewritten, nprobe 16, 20 ms per request: connect"
              + " %.0f ms (%d round trips); cold top-10 %.0f ms, %d requests, %d bytes, up to %d at once;"
              + " connect + query %d sequential round trips; warm repeat %.1f ms, %s%n", kind, connectMs,
              connectTrips, queryMs, counts[0], counts[1], proxy.maxConcurrent(), trips, warmMs,
              java.util.Arrays.toString(requestCounts(s)));
          proxy.log.forEach(l -> System.out.println("    " + l));
          // The 16 lists' pages (and the final rows' pages) are fetched by GETs in flight together.
          assertTrue(proxy.maxConcurrent() >= 3, kind + ": at most " + proxy.maxConcurrent() + " GETs at once");
          assertTrue(trips < counts[0] + connectTrips, kind + ": " + trips + " sequential round trips for "
              + counts[0] + " requests");
        }
      }
    }
  }

  // ---------------------------------------------------------------- cancel and timeout

  @Test
  void cancelAndTimeoutAbortARequestInFlight() throws Exception {
    for (String kind : List.of("s3", "http")) {
      java.net.URI upstream = kind.equals("s3") ? s3.endpoint : http.base;
      try (FaultProxy proxy = new FaultProxy(upstream)) {
        for (String how : List.of("cancel", "timeout")) {
          String url;
          String table;
          if (kind.equals("s3")) {
            url = "jdbc:pqvector:s3://" + BUCKET + "/" + s3Folder("indexed");
            table = "indexed";
          } else {
            table = fresh("indexed");
            url = "jdbc:pqvector:" + proxy.endpoint + "/fresh/" + table + ".parquet";
          }
          try (Connection c = DriverManager.getConnection(url, s3Properties(proxy.endpoint));
              Statement s = c.createStatement()) {
            rows(c, "SELECT count(*) FROM " + table); // footers read
            Thread.sleep(300); // any read-ahead of the connection is done
            int abandonedBefore = proxy.abandoned.get();
            proxy.holdNext.set(1_000);
            ScheduledExecutorService canceller = Executors.newSingleThreadScheduledExecutor();
            long start = System.nanoTime();
            try {
              if (how.equals("cancel")) {
                canceller.schedule(() -> {
                  s.cancel();
                  return null;
                }, 500, TimeUnit.MILLISECONDS);
              } else {
                s.setQueryTimeout(1);
              }
              SQLException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                  java.time.Duration.ofSeconds(20),
                  () -> assertThrows(SQLException.class, () -> rows(s, topK(table, 0.5, 10))));
              double seconds = (System.nanoTime() - start) / 1e9;
              assertEquals(how.equals("cancel") ? "HY008" : "HYT00", e.getSQLState(), e.toString());
              long deadline = System.nanoTime() + 3_000_000_000L;
              while (proxy.abandoned.get() == abandonedBefore && System.nanoTime() < deadline) {
                Thread.sleep(10);
              }
              System.out.printf(Locale.ROOT, "%s %s: SQLException %s after %.2f s; held GETs the client"
                  + " closed: %d%n", kind, how, e.getSQLState(), seconds, proxy.abandoned.get() - abandonedBefore);
              // The GET is held for 30 s: the query stops long before (about 0.5 s after cancel, 1.1 s
              // with a timeout of 1 s, measured); the bound leaves room for a loaded machine.
              assertTrue(seconds < 6, how + " took " + seconds + " s");
              assertTrue(proxy.abandoned.get() > abandonedBefore, "the GET in flight was aborted");
            } finally {
              proxy.holdNext.set(0);
              canceller.shutdownNow();
            }
            // The connection still answers afterwards.
            s.setQueryTimeout(0);
            assertEquals(localRows(topK("indexed", 0.5, 10), ""), rows(c, topK(table, 0.5, 10)));
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- broken responses

  @Test
  void truncatedBodiesAndResetsAreRetriedOrFailCleanly() throws Exception {
    List<String> expected = localRows(topK("laid", 0.5, 10), "");
    for (String kind : List.of("s3", "http")) {
      java.net.URI upstream = kind.equals("s3") ? s3.endpoint : http.base;
      try (FaultProxy proxy = new FaultProxy(upstream)) {
        for (String fault : List.of("truncate", "reset")) {
          AtomicInteger faults = fault.equals("truncate") ? proxy.truncateNext : proxy.resetNext;
          AtomicInteger seen = fault.equals("truncate") ? proxy.truncated : proxy.resets;
          for (int times : new int[] {1, 1_000}) {
            String url;
            String table;
            if (kind.equals("s3")) {
              url = "jdbc:pqvector:s3://" + BUCKET + "/" + s3Folder("laid");
              table = "laid";
            } else {
              table = fresh("laid");
              url = "jdbc:pqvector:" + proxy.endpoint + "/fresh/" + table + ".parquet";
            }
            try (Connection c = DriverManager.getConnection(url, s3Properties(proxy.endpoint))) {
              rows(c, "SELECT count(*) FROM " + table);
              Thread.sleep(300);
              int before = seen.get();
              faults.set(times);
              try {
                if (times == 1) {
                  assertEquals(expected, rows(c, topK(table, 0.5, 10)), kind + " " + fault + " once: retried");
                  assertEquals(before + 1, seen.get(), "one response was broken");
                } else {
                  SQLException e = assertThrows(SQLException.class, () -> rows(c, topK(table, 0.5, 10)));
                  assertTrue(e.getMessage().contains(table + ".parquet"), e.getMessage());
                  assertTrue(seen.get() - before >= 3, "retried before giving up: " + (seen.get() - before));
                  System.out.printf("%s, every ranged GET %s: %s %s%n", kind, fault, e.getSQLState(), e.getMessage());
                }
              } finally {
                faults.set(0);
              }
              // Once the store behaves, the same connection answers right.
              assertEquals(expected, rows(c, topK(table, 0.5, 10)));
            }
          }
        }
      }
    }
  }
}
