package io.pqvector.sqltests.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.ivf.IvfIndexBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queries while their file is replaced, again and again, by a file with other vectors under the
 * same ids (written elsewhere, then renamed over it, as a job that regenerates embeddings does);
 * some versions are indexed, some not. An answer must be one version's: every row of the same
 * version (its {@code gen} column), a version that was there at some moment of the query, each
 * row with that version's vector for its id and its own distance; an exact answer (or every
 * list probed) must be that version's exact top-k. A query may fail only while a replacement
 * overlapped it, and only with the SQLException that says so (SQLState 40001, run it again).
 * Once the replacing stops, every kind of query must give the last version's exact answer:
 * nothing read from an earlier version may be kept under the new one. Before each query pinned
 * the version it reads, about one query in twenty here mixed two versions (an id of one, the
 * vector of another), exact searches included. Duration: {@code
 * pqvector.hardening.replaceSeconds} (default 20).
 */
class ReplaceWhileQueryingTest {
  static final int DIM = 16;
  static final int ROWS = 4_000;
  static final int K = 10;
  static final int VERSIONS = 6;
  static final int QUERY_VECTORS = 4;
  static final int QUERY_THREADS = 6;
  static final long SECONDS = Long.getLong("pqvector.hardening.replaceSeconds", 20);
  static final String[] OPTIONS = {";useIndex=false", ";nprobe=100000", ""};

  @TempDir Path work;

  record Row(long id, double d) {}

  /** One replacement: which version went in, and when the rename started and ended. */
  record Replacement(int version, long start, long end) {}

  final float[][] queries = new float[QUERY_VECTORS][];
  /** [version] id -> vector. */
  final List<Map<Long, float[]>> vectors = new ArrayList<>();
  /** [version][query][filtered] -> exact top-k. */
  List<Row>[][][] exact;
  final List<Replacement> replacements = new CopyOnWriteArrayList<>();
  final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  final Set<String> errors = ConcurrentHashMap.newKeySet();
  final AtomicLong checked = new AtomicLong();
  final AtomicLong failedDuringReplace = new AtomicLong();

  @SuppressWarnings("unchecked")
  @Test void answersComeFromOneVersionAndNothingOfAnOldVersionIsKept() throws Exception {
    Path staging = Files.createDirectories(work.resolve("staging"));
    Path dir = Files.createDirectories(work.resolve("data"));
    for (int q = 0; q < QUERY_VECTORS; q++) {
      queries[q] = Hx.queryVector(700 + q, DIM);
    }
    exact = new List[VERSIONS][QUERY_VECTORS][2];
    for (int v = 0; v < VERSIONS; v++) {
      Path vdir = Files.createDirectories(staging.resolve("v" + v));
      Hx.writeVectors(vdir.resolve("t.parquet"), ROWS, DIM, 1024, v, 0);
      vectors.add(new HashMap<>());
      try (Connection c = Hx.pq(vdir, ";useIndex=false")) {
        try (Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT id, embedding FROM t")) {
          while (rs.next()) {
            vectors.get(v).put(rs.getLong(1), Hx.floats(rs.getArray(2)));
          }
        }
        for (int q = 0; q < QUERY_VECTORS; q++) {
          for (int f = 0; f < 2; f++) {
            exact[v][q][f] = top(c, q, f == 1);
          }
        }
      }
      if (v % 3 != 2) {
        IvfIndexBuilder.forFile(vdir.resolve("t.parquet")).column("embedding").seed(v).threads(1)
            .build();
      }
    }
    Files.copy(staging.resolve("v0").resolve("t.parquet"), dir.resolve("t.parquet"));
    replacements.add(new Replacement(0, 0, 0));

    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
    ExecutorService pool = Executors.newFixedThreadPool(1 + QUERY_THREADS);
    List<Future<?>> futures = new ArrayList<>();
    futures.add(pool.submit(() -> {
      Random rnd = new Random(1);
      int version = 0;
      while (System.nanoTime() < end) {
        Thread.sleep(50 + rnd.nextInt(150));
        version = (version + 1 + rnd.nextInt(VERSIONS - 1)) % VERSIONS;
        // Written beside it under a name that is not a table, then renamed over it.
        Path tmp = dir.resolve("t.parquet.incoming");
        Files.copy(staging.resolve("v" + version).resolve("t.parquet"), tmp,
            StandardCopyOption.REPLACE_EXISTING);
        long start = System.nanoTime();
        Files.move(tmp, dir.resolve("t.parquet"), StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
        replacements.add(new Replacement(version, start, System.nanoTime()));
      }
      return null;
    }));
    for (int t = 0; t < QUERY_THREADS; t++) {
      int id = t;
      futures.add(pool.submit(() -> {
        worker(dir, id, end);
        return null;
      }));
    }
    pool.shutdown();
    assertTrue(pool.awaitTermination(SECONDS + 120, TimeUnit.SECONDS), "did not finish");
    for (Future<?> f : futures) {
      f.get();
    }
    int last = replacements.get(replacements.size() - 1).version();
    System.out.printf("ReplaceWhileQueryingTest: %d replacements, %d queries checked, %d failed"
        + " with an SQLException while a replacement overlapped %s, %d wrong%n",
        replacements.size() - 1, checked.get(), failedDuringReplace.get(), errors,
        failures.size());
    Map<String, Integer> byKind = new java.util.TreeMap<>();
    for (String f : failures) {
      byKind.merge(f.replaceAll("^connection \\d+", "").replaceAll(", query.*", "")
          .replaceAll(":.*", ""), 1, Integer::sum);
    }
    System.out.println("  wrong answers by connection options: " + byKind);
    failures.stream().limit(5).forEach(f -> System.out.println("  " + f));
    assertTrue(failures.isEmpty(), failures.size() + " wrong answers, first: " + failures.peek());
    assertTrue(replacements.size() > 10 && checked.get() > 100,
        replacements.size() + " replacements, " + checked.get() + " queries");

    // Settled: every kind of query gives the last version's rows and, exactly where it is exact,
    // its answer, on new connections (the caches are the JVM's, shared by all connections).
    long settled = System.nanoTime();
    for (String options : OPTIONS) {
      try (Connection c = Hx.pq(dir, options)) {
        for (int q = 0; q < QUERY_VECTORS; q++) {
          for (int f = 0; f < 2; f++) {
            try (PreparedStatement p = c.prepareStatement(sql(f == 1))) {
              String problem = runAndCheck(p, q, f == 1, options, settled);
              assertEquals(null, problem, "after the last replacement (version " + last + "), "
                  + options + " query " + q + (f == 1 ? " filtered" : ""));
            }
          }
        }
      }
    }
  }

  private static String sql(boolean filtered) {
    return "SELECT id, gen, embedding, array_distance(embedding, ?) AS d FROM t"
        + (filtered ? " WHERE lang = 'en'" : "") + " ORDER BY d LIMIT " + K;
  }

  private List<Row> top(Connection c, int q, boolean filtered) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql(filtered))) {
      p.setObject(1, queries[q]);
      List<Row> rows = new ArrayList<>();
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          rows.add(new Row(rs.getLong(1), rs.getDouble(4)));
        }
      }
      return rows;
    }
  }

  private void worker(Path dir, int id, long end) throws Exception {
    Random rnd = new Random(id);
    String options = OPTIONS[id % OPTIONS.length];
    try (Connection c = Hx.pq(dir, options);
        PreparedStatement plain = c.prepareStatement(sql(false));
        PreparedStatement filtered = c.prepareStatement(sql(true))) {
      while (System.nanoTime() < end) {
        int q = rnd.nextInt(QUERY_VECTORS);
        int f = rnd.nextInt(2);
        PreparedStatement p = f == 1 ? filtered : plain;
        long t0 = System.nanoTime();
        String problem;
        try {
          problem = runAndCheck(p, q, f == 1, options, t0);
        } catch (SQLException e) {
          if (replacedDuring(t0, System.nanoTime()) && "40001".equals(e.getSQLState())) {
            failedDuringReplace.incrementAndGet();
            errors.add(e.getMessage().replaceAll("/[^ :\"]*/", "/…/"));
            continue;
          }
          failures.add("connection " + id + options + ": " + e);
          continue;
        }
        if (problem != null) {
          failures.add("connection " + id + options + ", query " + q + (f == 1 ? " filtered" : "")
              + ": " + problem);
        }
        checked.incrementAndGet();
      }
    }
  }

  /** Runs query {@code q}, started at {@code t0}; null when its answer is right. */
  private String runAndCheck(PreparedStatement p, int q, boolean filtered, String options,
      long t0) throws SQLException {
    p.setObject(1, queries[q]);
    List<long[]> rows = new ArrayList<>();
    List<float[]> returned = new ArrayList<>();
    List<Double> ds = new ArrayList<>();
    try (ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        rows.add(new long[] {rs.getLong(1), rs.getLong(2)});
        returned.add(Hx.floats(rs.getArray(3)));
        ds.add(rs.getDouble(4));
      }
    }
    return check(q, filtered, options, rows, returned, ds, t0, System.nanoTime());
  }

  private boolean replacedDuring(long t0, long t1) {
    for (Replacement r : replacements) {
      if (r.start() < t1 && r.end() > t0 - 1_000_000_000L) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code version} was the file's content at some moment of [t0, t1]. */
  private boolean presentDuring(int version, long t0, long t1) {
    List<Replacement> all = new ArrayList<>(replacements);
    for (int i = 0; i < all.size(); i++) {
      Replacement r = all.get(i);
      long from = i == 0 ? Long.MIN_VALUE : r.start();
      long to = i + 1 < all.size() ? all.get(i + 1).end() : Long.MAX_VALUE;
      if (r.version() == version && from < t1 && to > t0) {
        return true;
      }
    }
    return false;
  }

  private String check(int q, boolean filtered, String options, List<long[]> rows,
      List<float[]> returned, List<Double> ds, long t0, long t1) {
    if (rows.size() != K) {
      return rows.size() + " rows";
    }
    int version = (int) rows.get(0)[1];
    if (version < 0 || version >= VERSIONS || !presentDuring(version, t0, t1)) {
      return "rows of version " + version + ", which was not there during the query";
    }
    for (int r = 0; r < K; r++) {
      long id = rows.get(r)[0];
      if (rows.get(r)[1] != version) {
        return "rows of versions " + version + " and " + rows.get(r)[1] + " in one answer";
      }
      float[] truth = vectors.get(version).get(id);
      if (truth == null || !Arrays.equals(truth, returned.get(r))) {
        return "row " + r + " (id " + id + ", version " + version + ") has another vector";
      }
      double own = Hx.l2(truth, queries[q]);
      if (Math.abs(own - ds.get(r)) > 1e-4 * Math.max(1, own)) {
        return "row " + r + " (id " + id + ", version " + version + ") has distance "
            + ds.get(r) + ", its own is " + own;
      }
      if (filtered && id % 5 < 2) {
        return "row " + r + " (id " + id + ") does not pass the filter";
      }
    }
    List<Row> got = new ArrayList<>();
    for (int r = 0; r < K; r++) {
      got.add(new Row(rows.get(r)[0], ds.get(r)));
    }
    return options.isEmpty() ? approximateProblem(got, version, q, filtered)
        : exactProblem(got, exact[version][q][filtered ? 1 : 0]);
  }

  private String approximateProblem(List<Row> got, int version, int q, boolean filtered) {
    List<Row> best = exact[version][q][filtered ? 1 : 0];
    if (got.size() != K) {
      return got.size() + " rows";
    }
    for (int r = 0; r < K; r++) {
      if (r > 0 && got.get(r).d() < got.get(r - 1).d()) {
        return "not ordered by distance";
      }
      if (got.get(r).d() < best.get(r).d() - 1e-6) {
        return "row " + r + " beats the exact answer of version " + version;
      }
    }
    return null;
  }

  private static String exactProblem(List<Row> got, List<Row> expected) {
    if (got.size() != expected.size()) {
      return got.size() + " rows, expected " + expected.size();
    }
    for (int r = 0; r < got.size(); r++) {
      if (got.get(r).id() != expected.get(r).id()
          && Math.abs(got.get(r).d() - expected.get(r).d()) > 1e-6) {
        return "row " + r + " is " + got.get(r) + ", expected " + expected.get(r);
      }
    }
    return null;
  }
}
