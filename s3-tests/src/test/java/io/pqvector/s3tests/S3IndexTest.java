package io.pqvector.s3tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code index s3://...} and {@code rewrite} with either side in S3, through the command line
 * against a real S3 server (S3Proxy) in this JVM: the indexed object is byte for byte what the
 * local build makes of a local copy, its data pages are copied by the store rather than
 * downloaded, and a write that cannot complete (the object changed meanwhile, the store fails)
 * leaves the object as it was and no upload behind.
 */
class S3IndexTest {
  private static final String BUCKET = "indexing";

  @TempDir static Path temp;
  private static S3Server s3;
  /** DuckDB-written files: a folder of small tables, and one object above S3's 5 MiB part minimum. */
  private static Path folder;
  private static Path big;
  private static Path bigOther;

  @BeforeAll
  static void start() throws Exception {
    folder = Files.createDirectories(temp.resolve("folder"));
    Files.createDirectories(folder.resolve("parts"));
    S3TablesTest.duckdbWrite(folder.resolve("docs.parquet"), 0, 3000, 1);
    S3TablesTest.duckdbWrite(folder.resolve("parts/a.parquet"), 0, 700, 1);
    S3TablesTest.duckdbWrite(folder.resolve("parts/b.parquet"), 700, 900, 1);
    S3TablesTest.duckdbWrite(folder.resolve("_staging.parquet"), 0, 100, 2); // hidden: not a table
    big = temp.resolve("big.parquet");
    bigOther = temp.resolve("big-other.parquet");
    duckdbWriteWide(big, 20_000, 1);
    duckdbWriteWide(bigOther, 20_000, 2);
    assertTrue(Files.size(big) > 8L << 20, "above S3's part minimum and the upload part size: " + Files.size(big));
    s3 = new S3Server(Files.createDirectories(temp.resolve("s3")));
    s3.createBucket(BUCKET);
    System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
  }

  @AfterAll
  static void stop() throws Exception {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    if (s3 != null) {
      s3.close();
    }
  }

  /** 128 floats per row and a text column; random-looking, so the file is about as large as its values. */
  static void duckdbWriteWide(Path file, int rows, int seed) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
      s.execute("COPY (SELECT i AS id, md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS body, "
          + "list_transform(range(128), lambda j: CAST(sin(i * 0.37 * " + seed + " + j * 1.3 + i * j * 0.001) AS FLOAT))"
          + "::FLOAT[128] AS embedding FROM range(0, " + rows + ") t(i)) TO '"
          + file.toString().replace("'", "''") + "' (FORMAT parquet)");
    }
  }

  record Run(int code, String out, String err) {}

  /** The command line in this JVM (credentials: the SDK chain's system properties). */
  static Run cli(String endpoint, String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    if (endpoint != null) {
      all.addAll(List.of("--s3-endpoint", endpoint, "--s3-region", "us-east-1"));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = io.pqvector.cli.Main.run(all.toArray(new String[0]), new PrintStream(out, true),
        new PrintStream(err, true));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static byte[] download(String key) {
    return s3.client.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
  }

  static String etag(String key) {
    return s3.client.headObject(b -> b.bucket(BUCKET).key(key)).eTag();
  }

  static List<String> pendingUploads() {
    return s3.client.listMultipartUploads(b -> b.bucket(BUCKET)).uploads().stream()
        .map(u -> u.key() + " " + u.uploadId()).toList();
  }

  /** Where the live footer of a Parquet file's bytes starts. */
  static int footerStart(byte[] file) {
    int length = ByteBuffer.wrap(file, file.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    return file.length - 8 - length;
  }

  /** The value of a footer key-value entry, read by parquet-mr from the file's bytes. */
  static String footerValue(byte[] file, String key) throws Exception {
    Path f = Files.createTempFile(temp, "footer", ".parquet");
    Files.write(f, file);
    return io.pqvector.parquet.ParquetFiles.readFooter(f).getFileMetaData().getKeyValueMetaData().get(key);
  }

  /** Copies {@code source} to a fresh local directory, indexed there by the command line. */
  static Path indexedLocally(Path source, String name, String... options) throws Exception {
    Path dir = Files.createTempDirectory(temp, "local");
    Path copy = dir.resolve(name);
    Files.copy(source, copy);
    List<String> args = new ArrayList<>(List.of("index", copy.toString(), "--column", "embedding", "--no-progress"));
    args.addAll(Arrays.asList(options));
    Run r = cli(null, args.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
    return copy;
  }

  /** Rows in one file and not the other, both ways, by DuckDB (all columns compared). */
  static long duckdbDifference(Path a, Path b) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM (FROM read_parquet('" + a + "') EXCEPT ALL"
            + " FROM read_parquet('" + b + "'))) + (SELECT count(*) FROM (FROM read_parquet('" + b
            + "') EXCEPT ALL FROM read_parquet('" + a + "'))), (SELECT count(*) FROM read_parquet('" + a
            + "')) - (SELECT count(*) FROM read_parquet('" + b + "'))")) {
      rs.next();
      return rs.getLong(1) + Math.abs(rs.getLong(2));
    }
  }

  static Properties s3Properties() {
    Properties p = new Properties();
    p.setProperty("s3.endpoint", s3.endpoint.toString());
    p.setProperty("s3.region", "us-east-1");
    p.setProperty("s3.accessKeyId", S3Server.ACCESS_KEY);
    p.setProperty("s3.secretAccessKey", S3Server.SECRET_KEY);
    p.setProperty("s3.refresh", "0");
    return p;
  }

  static String explain(Connection c, String sql) throws SQLException {
    StringBuilder plan = new StringBuilder();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("EXPLAIN PLAN FOR " + sql)) {
      while (rs.next()) {
        plan.append(rs.getString(1));
      }
    }
    return plan.toString();
  }

  /**
   * The "done when": a folder of DuckDB files indexed in place with {@code index
   * s3://bucket/prefix/}, then searched through jdbc:pqvector:s3:// with the answers of the local
   * copy indexed locally; each object is byte for byte the locally indexed file, its bytes below
   * the payload are the original's, and DuckDB reads the same rows from it as before.
   */
  @Test
  void indexAFolderInPlace() throws Exception {
    for (String name : List.of("docs.parquet", "parts/a.parquet", "parts/b.parquet", "_staging.parquet")) {
      s3.upload(BUCKET, "folder/" + name, folder.resolve(name));
    }
    String hiddenTag = etag("folder/_staging.parquet");
    // A connection open before the index exists (s3.refresh=0: it looks at the folder every query).
    Connection before = DriverManager.getConnection("jdbc:pqvector:s3://" + BUCKET + "/folder", s3Properties());
    String probe = S3TablesTest.topK("docs", S3TablesTest.queryVector(0.7), 10);
    assertFalse(explain(before, probe).contains("IvfTopK("), "no index yet");
    List<String> exact = S3TablesTest.rows(before, probe);
    Run r = cli(s3.endpoint.toString(), "index", "s3://" + BUCKET + "/folder/", "--column", "embedding",
        "--seed", "7", "--no-progress");
    assertEquals(0, r.code(), r.err() + r.out());
    try (before) {
      assertTrue(explain(before, probe).contains("IvfTopK("), "the open connection sees the indexed version");
      assertEquals(exact.subList(0, 3), S3TablesTest.rows(before, probe).subList(0, 3));
    }
    assertEquals(3, r.out().lines().filter(l -> l.startsWith("indexed s3://" + BUCKET + "/folder/")).count(), r.out());
    assertEquals(hiddenTag, etag("folder/_staging.parquet"), "a hidden object is not a table and is left alone");

    Path local = Files.createTempDirectory(temp, "folder-local");
    Files.createDirectories(local.resolve("parts"));
    for (String name : List.of("docs.parquet", "parts/a.parquet", "parts/b.parquet")) {
      Files.copy(folder.resolve(name), local.resolve(name));
    }
    assertEquals(0, cli(null, "index", local.toString(), "--column", "embedding", "--seed", "7",
        "--no-progress").code());
    for (String name : List.of("docs.parquet", "parts/a.parquet", "parts/b.parquet")) {
      byte[] original = Files.readAllBytes(folder.resolve(name));
      byte[] indexed = download("folder/" + name);
      assertArrayEquals(Files.readAllBytes(local.resolve(name)), indexed, name + ": what the local build makes");
      // A first index goes after the original footer, which stays (dead) in place.
      assertTrue(indexed.length > original.length, name);
      assertArrayEquals(original, Arrays.copyOf(indexed, original.length),
          name + ": the original bytes, then the payload and the new footer");
      assertEquals(String.valueOf(footerStart(original)), footerValue(indexed, "pqvector.appendix.base"),
          name + ": the recorded base is where the original footer starts");
      Path downloaded = temp.resolve("downloaded-" + name.replace('/', '-'));
      Files.write(downloaded, indexed);
      assertEquals(0, duckdbDifference(folder.resolve(name), downloaded), name + ": DuckDB reads the same rows");
    }

    try (Connection remote = DriverManager.getConnection("jdbc:pqvector:s3://" + BUCKET + "/folder", s3Properties());
        Connection localConnection = DriverManager.getConnection("jdbc:pqvector:" + local)) {
      for (String table : List.of("docs", "parts")) {
        for (double shift : new double[] {0.0, 1.3, 2.9}) {
          String sql = S3TablesTest.topK(table, S3TablesTest.queryVector(shift), 10);
          List<String> expected = S3TablesTest.rows(localConnection, sql);
          assertEquals(10, expected.size());
          assertEquals(expected, S3TablesTest.rows(remote, sql), table + " " + shift);
          String plan = explain(remote, sql);
          assertTrue(plan.contains("IvfTopK("), plan);
        }
      }
    }
  }

  static long bytesGot(List<String> log, String key) {
    Pattern range = Pattern.compile("^GET /" + BUCKET + "/" + Pattern.quote(key) + " bytes=(\\d+)-(\\d+)");
    long total = 0;
    for (String line : log) {
      Matcher m = range.matcher(line);
      if (m.find()) {
        total += Long.parseLong(m.group(2)) - Long.parseLong(m.group(1)) + 1;
      }
    }
    return total;
  }

  /**
   * An object above S3's 5 MiB part minimum: its kept bytes are copied by the store
   * (UploadPartCopy), so only what the build reads (the vector column, footer) is downloaded.
   */
  @Test
  void aLargeObjectIsCopiedServerSide() throws Exception {
    s3.upload(BUCKET, "large/big.parquet", big);
    RequestCounter.drainLog();
    long before = RequestCounter.requests();
    long start = System.nanoTime();
    Run r = cli(s3.endpoint.toString(), "index", "s3://" + BUCKET + "/large/big.parquet", "--column",
        "embedding", "--no-progress");
    double seconds = (System.nanoTime() - start) / 1e9;
    assertEquals(0, r.code(), r.err());
    long requests = RequestCounter.requests() - before;
    List<String> log = RequestCounter.drainLog();
    List<String> copies = log.stream().filter(l -> l.contains(" copy bytes=")).toList();
    long got = bytesGot(log, "large/big.parquet");
    long size = Files.size(big);
    System.out.printf(Locale.ROOT, "index of a %,d-byte object: %d requests, %,d bytes read by GET, %.1f s;"
        + " copies %s%n", size, requests, got, seconds, copies);
    assertEquals(List.of("PUT /" + BUCKET + "/large/big.parquet copy bytes=0-" + (size - 1)),
        copies, "one UploadPartCopy of the original object, the new tail going after it");
    assertTrue(got < size, "the data pages of other columns were not downloaded: " + got + " of " + size);
    assertArrayEquals(Files.readAllBytes(indexedLocally(big, "big.parquet")), download("large/big.parquet"));
    assertEquals(List.of(), pendingUploads());
  }

  /** Above a copy part's size the kept bytes are copied in several parts, each within S3's limits. */
  @Test
  void aLargerObjectIsCopiedInSeveralParts() throws Exception {
    s3.upload(BUCKET, "parts/big.parquet", big);
    RequestCounter.drainLog();
    System.setProperty("pqvector.s3.copyPartBytes", String.valueOf(5L << 20));
    Run r;
    try {
      r = cli(s3.endpoint.toString(), "index", "s3://" + BUCKET + "/parts/big.parquet", "--column",
          "embedding", "--no-progress");
    } finally {
      System.clearProperty("pqvector.s3.copyPartBytes");
    }
    assertEquals(0, r.code(), r.err());
    List<String> copies = RequestCounter.drainLog().stream().filter(l -> l.contains(" copy bytes="))
        .toList();
    long size = Files.size(big);
    assertTrue(size > 2 * (5L << 20), "the object spans two 5 MiB parts: " + size);
    // S3Proxy, like S3, refuses a part other than the last below 5 MiB: both copies are larger.
    assertEquals(List.of("PUT /" + BUCKET + "/parts/big.parquet copy bytes=0-" + ((5L << 20) - 1),
        "PUT /" + BUCKET + "/parts/big.parquet copy bytes=" + (5L << 20) + "-" + (size - 1)), copies);
    assertArrayEquals(Files.readAllBytes(indexedLocally(big, "big.parquet")), download("parts/big.parquet"));
    assertEquals(List.of(), pendingUploads());
  }

  /** Indexing an indexed object again replaces its index, exactly as the local build does. */
  @Test
  void indexingAgainReplacesTheIndex() throws Exception {
    Path docs = folder.resolve("docs.parquet");
    s3.upload(BUCKET, "again/docs.parquet", docs);
    s3.upload(BUCKET, "again/big.parquet", big);
    for (String lists : List.of("20", "30", "10")) {
      Run r = cli(s3.endpoint.toString(), "index", "s3://" + BUCKET + "/again/", "--column", "embedding",
          "--lists", lists, "--no-progress");
      assertEquals(0, r.code(), r.err());
    }
    for (String name : List.of("docs.parquet", "big.parquet")) {
      Path source = name.equals("big.parquet") ? big : docs;
      Path local = indexedLocally(source, name, "--lists", "20");
      assertEquals(0, cli(null, "index", local.toString(), "--column", "embedding", "--lists", "30",
          "--no-progress").code());
      assertEquals(0, cli(null, "index", local.toString(), "--column", "embedding", "--lists", "10",
          "--no-progress").code());
      assertArrayEquals(Files.readAllBytes(local), download("again/" + name), name);
    }
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:s3://" + BUCKET + "/again", s3Properties())) {
      String sql = S3TablesTest.topK("docs", S3TablesTest.queryVector(0.4), 5);
      assertTrue(explain(c, sql).contains("IvfTopK("));
      assertEquals(5, S3TablesTest.rows(c, sql).size());
    }
  }

  /**
   * Another writer replaces the object after the index was built from it, while the new version
   * is being uploaded: the check before completing sees it, the upload is aborted and the other
   * writer's object stays.
   */
  @Test
  void anObjectReplacedBeforeCompletionIsNotOverwritten() throws Exception {
    s3.upload(BUCKET, "race/big.parquet", big);
    try (FaultProxy proxy = new FaultProxy(s3.endpoint)) {
      // The part carrying the payload: an upload part that is not a copy.
      proxy.beforeFirst(head -> head.startsWith("PUT /" + BUCKET + "/race/big.parquet?")
              && head.contains("uploadId=") && !head.toLowerCase(Locale.ROOT).contains("x-amz-copy-source"),
          () -> s3.upload(BUCKET, "race/big.parquet", bigOther));
      Run r = cli(proxy.endpoint.toString(), "index", "s3://" + BUCKET + "/race/big.parquet", "--column",
          "embedding", "--no-progress");
      assertEquals(1, r.code(), r.out());
      assertTrue(r.err().contains("s3://" + BUCKET + "/race/big.parquet changed after it was read"), r.err());
      assertTrue(r.err().contains("nothing was written"), r.err());
    }
    assertArrayEquals(Files.readAllBytes(bigOther), download("race/big.parquet"), "the other writer's version stays");
    assertEquals(List.of(), pendingUploads(), "the upload was aborted");
  }

  /** An object small enough to be rewritten whole, replaced while the index is being built from it. */
  @Test
  void anObjectReplacedWhileBeingReadIsNotOverwritten() throws Exception {
    Path docs = folder.resolve("docs.parquet");
    Path other = temp.resolve("docs-other.parquet");
    S3TablesTest.duckdbWrite(other, 0, 3000, 4);
    s3.upload(BUCKET, "race-small/docs.parquet", docs);
    try (FaultProxy proxy = new FaultProxy(s3.endpoint)) {
      proxy.beforeFirst(head -> head.startsWith("GET /" + BUCKET + "/race-small/docs.parquet ")
          && head.toLowerCase(Locale.ROOT).contains("range: bytes=0-"),
          () -> s3.upload(BUCKET, "race-small/docs.parquet", other));
      Run r = cli(proxy.endpoint.toString(), "index", "s3://" + BUCKET + "/race-small/", "--column",
          "embedding", "--no-progress");
      assertEquals(1, r.code(), r.out());
      assertTrue(r.err().contains("s3://" + BUCKET + "/race-small/docs.parquet"), r.err());
    }
    assertArrayEquals(Files.readAllBytes(other), download("race-small/docs.parquet"));
    assertEquals(List.of(), pendingUploads());
  }

  /**
   * The store keeps failing one step of the upload (the payload's part, then the completion):
   * after the SDK's retries the command fails naming the object, the upload is aborted and the
   * object is the one it was.
   */
  @Test
  void aFailingStoreLeavesTheObjectAsItWas() throws Exception {
    s3.upload(BUCKET, "failing/big.parquet", big);
    String path = "/" + BUCKET + "/failing/big.parquet?";
    for (String step : List.of("part", "complete")) {
      try (FaultProxy proxy = new FaultProxy(s3.endpoint)) {
        proxy.refuseMatching = step.equals("part")
            ? head -> head.startsWith("PUT " + path) && head.contains("uploadId=")
                && !head.toLowerCase(Locale.ROOT).contains("x-amz-copy-source")
            : head -> head.startsWith("POST " + path) && head.contains("uploadId=");
        Run r = cli(proxy.endpoint.toString(), "index", "s3://" + BUCKET + "/failing/big.parquet",
            "--column", "embedding", "--no-progress");
        assertEquals(1, r.code(), step + ": " + r.out());
        assertTrue(r.err().contains("s3://" + BUCKET + "/failing/big.parquet") && r.err().contains("503"),
            step + ": " + r.err());
        assertTrue(proxy.refused.get() >= 2, step + ": retried before giving up");
        System.out.println("store failing the " + step + ": " + r.err().strip());
      }
      assertArrayEquals(Files.readAllBytes(big), download("failing/big.parquet"), step);
      assertEquals(List.of(), pendingUploads(), step + ": the upload was aborted");
    }
  }

  /**
   * Connections reset under the copy and under the payload's part are retried by the SDK (the
   * part's body is sent again), and the object comes out as the local build makes it.
   */
  @Test
  void resetConnectionsAreRetried() throws Exception {
    s3.upload(BUCKET, "resets/big.parquet", big);
    try (FaultProxy proxy = new FaultProxy(s3.endpoint)) {
      proxy.resetMatching = head -> head.startsWith("PUT /" + BUCKET + "/resets/big.parquet?") && head.contains("uploadId=");
      proxy.matchingResetsLeft.set(2); // the copy's first attempt, then the payload part's first attempt
      Run r = cli(proxy.endpoint.toString(), "index", "s3://" + BUCKET + "/resets/big.parquet", "--column",
          "embedding", "--no-progress");
      assertEquals(0, r.code(), r.err());
      assertEquals(2, proxy.matchingResets.get());
    }
    assertArrayEquals(Files.readAllBytes(indexedLocally(big, "big.parquet")), download("resets/big.parquet"));
    assertEquals(List.of(), pendingUploads());
  }

  /**
   * The store completes the upload but its answer is lost: the SDK's retry is refused (the upload
   * is gone), and the command finds the object is the version it meant to write.
   */
  @Test
  void aLostCompletionAnswerIsRecognised() throws Exception {
    s3.upload(BUCKET, "lost/big.parquet", big);
    try (FaultProxy proxy = new FaultProxy(s3.endpoint)) {
      proxy.loseResponseMatching = head -> head.startsWith("POST /" + BUCKET + "/lost/big.parquet?")
          && head.contains("uploadId=");
      proxy.responsesToLose.set(1);
      Run r = cli(proxy.endpoint.toString(), "index", "s3://" + BUCKET + "/lost/big.parquet", "--column",
          "embedding", "--no-progress");
      assertEquals(0, r.code(), r.err());
      assertEquals(1, proxy.lostResponses.get());
    }
    assertArrayEquals(Files.readAllBytes(indexedLocally(big, "big.parquet")), download("lost/big.parquet"));
    assertEquals(List.of(), pendingUploads());
  }

  /** {@code rewrite} from and to S3 gives exactly the bytes of a local rewrite of the same input. */
  @Test
  void rewriteWithEitherSideInS3() throws Exception {
    Path docs = folder.resolve("docs.parquet");
    s3.upload(BUCKET, "rw/docs.parquet", docs);
    s3.upload(BUCKET, "rw/big.parquet", big);
    String endpoint = s3.endpoint.toString();
    // docs goes every way; big (above the 8 MiB upload part size) local -> s3 only, a multipart upload.
    for (String name : List.of("docs", "big")) {
      Path input = name.equals("big") ? big : docs;
      Path expectedFile = temp.resolve("rewritten-" + name + ".parquet");
      Run local = cli(null, "rewrite", input.toString(), expectedFile.toString(), "--column", "embedding",
          "--seed", "3", "--no-progress");
      assertEquals(0, local.code(), local.err());
      byte[] expected = Files.readAllBytes(expectedFile);

      if (name.equals("big")) {
        Run localToS3 = cli(endpoint, "rewrite", input.toString(), "s3://" + BUCKET + "/rw-out/big.parquet",
            "--column", "embedding", "--seed", "3", "--no-progress");
        assertEquals(0, localToS3.code(), localToS3.err());
        assertArrayEquals(expected, download("rw-out/big.parquet"), "big: local -> s3");
        continue;
      }
      Path fromS3 = temp.resolve("from-s3-" + name + ".parquet");
      Run s3ToLocal = cli(endpoint, "rewrite", "s3://" + BUCKET + "/rw/" + name + ".parquet", fromS3.toString(),
          "--column", "embedding", "--seed", "3", "--no-progress");
      assertEquals(0, s3ToLocal.code(), s3ToLocal.err());
      assertArrayEquals(expected, Files.readAllBytes(fromS3), name + ": s3 -> local");

      Run localToS3 = cli(endpoint, "rewrite", input.toString(), "s3://" + BUCKET + "/rw-out/" + name + ".parquet",
          "--column", "embedding", "--seed", "3", "--no-progress");
      assertEquals(0, localToS3.code(), localToS3.err());
      assertTrue(localToS3.out().contains("-> s3://" + BUCKET + "/rw-out/" + name + ".parquet"), localToS3.out());
      assertArrayEquals(expected, download("rw-out/" + name + ".parquet"), name + ": local -> s3");

      Run s3ToS3 = cli(endpoint, "rewrite", "s3://" + BUCKET + "/rw/" + name + ".parquet",
          "s3://" + BUCKET + "/rw-copy/" + name + ".parquet", "--column", "embedding", "--seed", "3", "--no-progress");
      assertEquals(0, s3ToS3.code(), s3ToS3.err());
      assertArrayEquals(expected, download("rw-copy/" + name + ".parquet"), name + ": s3 -> s3");
    }
    assertEquals(List.of(), pendingUploads());

    // As for a file: an existing output only with --force, never the input.
    String existing = etag("rw-out/big.parquet");
    Run refused = cli(endpoint, "rewrite", docs.toString(), "s3://" + BUCKET + "/rw-out/big.parquet",
        "--column", "embedding", "--no-progress");
    assertEquals(1, refused.code());
    assertEquals("pqvector rewrite: s3://" + BUCKET + "/rw-out/big.parquet already exists; use --force to replace it",
        refused.err().strip());
    assertEquals(existing, etag("rw-out/big.parquet"));
    Run forced = cli(endpoint, "rewrite", docs.toString(), "s3://" + BUCKET + "/rw-out/big.parquet",
        "--column", "embedding", "--seed", "3", "--force", "--no-progress");
    assertEquals(0, forced.code(), forced.err());
    assertArrayEquals(Files.readAllBytes(temp.resolve("rewritten-docs.parquet")), download("rw-out/big.parquet"));
    Run onItself = cli(endpoint, "rewrite", "s3://" + BUCKET + "/rw/docs.parquet", "s3://" + BUCKET + "/rw/docs.parquet",
        "--column", "embedding", "--force", "--no-progress");
    assertEquals(1, onItself.code());
    assertTrue(onItself.err().contains("never overwrites its input"), onItself.err());
    assertArrayEquals(Files.readAllBytes(docs), download("rw/docs.parquet"));
  }

  /** {@code java -jar pqvector.jar index s3://...}: the shaded jar writes through its relocated SDK. */
  @Test
  void theDriverJarIndexesAnS3Folder() throws Exception {
    s3.upload(BUCKET, "jar/big.parquet", big);
    Path jar = Path.of(System.getProperty("pqvector.jar"));
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString(), "index", "s3://" + BUCKET + "/jar/", "--column", "embedding",
        "--s3-endpoint", s3.endpoint.toString(), "--s3-region", "us-east-1");
    pb.environment().put("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY);
    pb.environment().put("AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), output);
    assertEquals(1, output.lines().filter(l -> l.startsWith("indexed s3://" + BUCKET + "/jar/big.parquet")).count(), output);
    assertArrayEquals(Files.readAllBytes(indexedLocally(big, "big.parquet")), download("jar/big.parquet"));
    assertFalse(output.contains("Exception"), output);
  }
}
