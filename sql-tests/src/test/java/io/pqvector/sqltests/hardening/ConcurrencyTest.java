package io.pqvector.sqltests.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.parquet.decode.DecodedPageCache;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixed vector queries on 16 connections while files come, get re-indexed and go.
 *
 * <p>Design that makes every answer checkable. The table {@code corpus} is a directory of
 * DuckDB-written files. File {@code g} (its generation) holds rows {@code id = g * 100000 + i},
 * {@code gen = g}, and a vector that is a fixed function of {@code (g, i)}; a file's rows never
 * change once it is visible (re-indexing rewrites only the appendix and footer). Before a file
 * becomes visible (written under a staging directory, indexed or not, then atomically renamed
 * into {@code corpus/}), its own exact top-10 for each of the four query vectors, with and
 * without the filter, is computed by pqvector with {@code useIndex=false} and registered. The
 * background thread time-stamps every rename and delete (start and end). A query that ran in
 * {@code [t0, t1]} must have seen every file that was certainly present throughout (added
 * before t0, not removed before t1) and may have seen those present at some moment in between.
 * So for an exact answer (exact scan, or the index with every list probed) with rows {@code R}:
 * every row must come from a possibly present file, and {@code R} must equal the top-10 of the
 * union of the registered per-file lists over {@code certain ∪ files(R)} (a file the query saw
 * that contributed no row cannot change the answer). Queries with the default nprobe are
 * approximate, so for them the invariants are checked: 10 distinct rows, ordered by distance,
 * each from a possibly present file, distance never better than the exact best. A query may
 * fail only with an SQLException while a delete overlapped it (the file it listed is gone);
 * any other failure fails the test.
 *
 * <p>Also: no deadlock (the whole run has a hard deadline and a thread dump on failure), heap
 * after GC at the end within the page cache's capacity plus 256 MB of what it was before, and
 * {@code Statement.cancel()} / {@code setQueryTimeout(1)} stop a long scan within 5 seconds.
 * Duration: {@code pqvector.hardening.soakSeconds} (default 150).
 */
class ConcurrencyTest {
  static final int DIM = 16;
  static final int ROWS = 4_000;
  static final int K = 10;
  static final int CONNECTIONS = 16;
  static final int QUERIES_PER_VECTOR = 4;
  static final long SOAK_SECONDS = Long.getLong("pqvector.hardening.soakSeconds", 150);

  @TempDir Path work;

  record Row(long id, double d) {}

  /** One file's lifetime and its own exact answers. */
  static final class FileInfo {
    final int gen;
    volatile long addStart = Long.MAX_VALUE;
    volatile long addEnd = Long.MAX_VALUE;
    volatile long removeStart = Long.MAX_VALUE;
    volatile long removeEnd = Long.MAX_VALUE;
    /** [query vector][filtered 0/1] -> its top-10, nearest first. */
    final List<Row>[][] top;

    @SuppressWarnings("unchecked")
    FileInfo(int gen) {
      this.gen = gen;
      this.top = new List[QUERIES_PER_VECTOR][2];
    }

    boolean certainlyPresent(long t0, long t1) {
      return addEnd < t0 && removeStart > t1;
    }

    boolean possiblyPresent(long t0, long t1) {
      return addStart < t1 && removeEnd > t0;
    }
  }

  final Map<Integer, FileInfo> files = new ConcurrentHashMap<>();
  final float[][] vectors = new float[QUERIES_PER_VECTOR][];
  Path corpus;
  Path staging;

  static String sql(float[] q, boolean filtered, String table) {
    return "SELECT id, gen, array_distance(embedding, " + Hx.pqArray(q) + ") AS d FROM " + table
        + (filtered ? " WHERE lang = 'en'" : "") + " ORDER BY d LIMIT " + K;
  }

  /** Writes generation g under staging, computes its own answers, optionally indexes it. */
  FileInfo prepare(int gen, boolean index) throws Exception {
    Path dir = Files.createDirectories(staging.resolve("g" + gen));
    Path f = Hx.writeVectors(dir.resolve("f" + gen + ".parquet"), ROWS, DIM, 1024, gen,
        gen * 100_000L);
    FileInfo info = new FileInfo(gen);
    String table = "f" + gen;
    try (Connection c = Hx.pq(dir, ";useIndex=false")) {
      for (int q = 0; q < QUERIES_PER_VECTOR; q++) {
        for (int filtered = 0; filtered < 2; filtered++) {
          List<Row> rows = new ArrayList<>();
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery(sql(vectors[q], filtered == 1, table))) {
            while (rs.next()) {
              rows.add(new Row(rs.getLong(1), rs.getDouble(3)));
            }
          }
          assertEquals(K, rows.size());
          info.top[q][filtered] = rows;
        }
      }
    }
    if (index) {
      IvfIndexBuilder.forFile(f).column("embedding").seed(gen).threads(1).build();
    }
    return info;
  }

  void publish(FileInfo info) throws Exception {
    Path from = staging.resolve("g" + info.gen).resolve("f" + info.gen + ".parquet");
    files.put(info.gen, info);
    info.addStart = System.nanoTime();
    Files.move(from, corpus.resolve("f" + info.gen + ".parquet"), StandardCopyOption.ATOMIC_MOVE);
    info.addEnd = System.nanoTime();
  }

  void remove(FileInfo info) throws Exception {
    info.removeStart = System.nanoTime();
    Files.delete(corpus.resolve("f" + info.gen + ".parquet"));
    info.removeEnd = System.nanoTime();
  }

  /** Counters: [kind] of queries answered, errors during deletes, ties accepted. */
  static final String[] KINDS = {"exact", "exact+filter", "index(all lists)",
      "index(all lists)+filter", "index(default nprobe)", "index(default nprobe)+filter"};
  final AtomicLongArray answered = new AtomicLongArray(KINDS.length);
  final AtomicLong errorsDuringDelete = new AtomicLong();
  final AtomicLong reindexes = new AtomicLong();
  final AtomicLong adds = new AtomicLong();
  final AtomicLong removes = new AtomicLong();
  final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  final Set<String> errorMessages = ConcurrentHashMap.newKeySet();

  @Test void mixedQueriesWhileFilesChange() throws Exception {
    corpus = Files.createDirectories(work.resolve("root").resolve("corpus"));
    staging = Files.createDirectories(work.resolve("staging"));
    for (int q = 0; q < QUERIES_PER_VECTOR; q++) {
      vectors[q] = Hx.queryVector(500 + q, DIM);
    }
    // Twelve initial files: eight indexed, four not; generations 0..11.
    for (int g = 0; g < 12; g++) {
      publish(prepare(g, g % 3 != 2));
    }
    Path root = corpus.getParent();
    System.gc();
    long heapBefore = usedHeap();

    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS + 1);
    List<Future<?>> futures = new ArrayList<>();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(SOAK_SECONDS);
    for (int c = 0; c < CONNECTIONS; c++) {
      int id = c;
      futures.add(pool.submit(() -> {
        worker(root, id, end);
        return null;
      }));
    }
    futures.add(pool.submit(() -> {
      background(end, stop);
      return null;
    }));
    pool.shutdown();
    boolean finished = pool.awaitTermination(SOAK_SECONDS + 120, TimeUnit.SECONDS);
    if (!finished) {
      stop.set(true);
      String dump = threadDump();
      pool.shutdownNow();
      fail("soak did not finish within " + (SOAK_SECONDS + 120) + " s (deadlock?)\n" + dump);
    }
    for (Future<?> f : futures) {
      f.get(1, TimeUnit.SECONDS); // rethrows worker failures
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long total = 0;
    StringBuilder report = new StringBuilder(String.format(
        "ConcurrencyTest: %d connections, %.0f s, files added %d, re-indexed %d, removed %d%n",
        CONNECTIONS, seconds, adds.get(), reindexes.get(), removes.get()));
    for (int k = 0; k < KINDS.length; k++) {
      report.append(String.format("  %-30s %6d%n", KINDS[k], answered.get(k)));
      total += answered.get(k);
    }
    report.append(String.format("  total %d queries checked, %.1f queries/s; SQLExceptions while"
        + " a delete overlapped: %d %s%n", total, total / seconds, errorsDuringDelete.get(),
        errorMessages));
    System.gc();
    System.gc();
    long heapAfter = usedHeap();
    DecodedPageCache cache = DecodedPageCache.shared();
    report.append(String.format("  heap used after GC: before %d MB, after %d MB; page cache %d of"
        + " %d MB%n", heapBefore >> 20, heapAfter >> 20, cache.usedBytes() >> 20,
        cache.capacity() >> 20));
    System.out.println(report);
    assertTrue(failures.isEmpty(), failures.size() + " wrong answers, first: " + failures.peek());
    for (int k = 0; k < KINDS.length; k++) {
      assertTrue(answered.get(k) > 0, "no query of kind " + KINDS[k]);
    }
    assertTrue(adds.get() > 0 && removes.get() > 0 && reindexes.get() > 0, report.toString());
    assertTrue(cache.usedBytes() <= cache.capacity());
    assertTrue(heapAfter - heapBefore <= cache.capacity() + (256L << 20),
        "heap grew by " + ((heapAfter - heapBefore) >> 20) + " MB");
  }

  static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  static String threadDump() {
    StringBuilder sb = new StringBuilder();
    for (ThreadInfo t : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
      sb.append(t);
    }
    return sb.toString();
  }

  private void worker(Path root, int id, long end) throws Exception {
    Random rnd = new Random(id);
    String options = switch (id % 3) {
      case 0 -> ";useIndex=false";
      case 1 -> ";nprobe=100000";
      default -> "";
    };
    try (Connection c = Hx.pq(root, options)) {
      List<Statement> statements = List.of(c.createStatement(), c.createStatement(),
          c.createStatement());
      while (System.nanoTime() < end) {
        int q = rnd.nextInt(QUERIES_PER_VECTOR);
        boolean filtered = rnd.nextBoolean();
        int kind = (id % 3) * 2 + (filtered ? 1 : 0);
        Statement s = statements.get(rnd.nextInt(statements.size()));
        long t0 = System.nanoTime();
        List<long[]> ids = new ArrayList<>();
        List<Double> ds = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql(vectors[q], filtered, "corpus"))) {
          while (rs.next()) {
            ids.add(new long[] {rs.getLong(1), rs.getLong(2)});
            ds.add(rs.getDouble(3));
          }
        } catch (SQLException e) {
          long t1 = System.nanoTime();
          if (deleteOverlapped(t0, t1)) {
            errorsDuringDelete.incrementAndGet();
            String m = e.getMessage();
            m = m.indexOf("\": ") > 0 ? m.substring(m.indexOf("\": ") + 3) : m;
            errorMessages.add(m.replaceAll("f\\d+", "f#").replaceAll("/[^ :]*/", "/…/"));
            continue;
          }
          failures.add("connection " + id + ": " + e);
          throw e;
        }
        long t1 = System.nanoTime();
        String problem = check(q, filtered, kind < 4, ids, ds, t0, t1);
        if (problem != null) {
          failures.add("connection " + id + " " + KINDS[kind] + ": " + problem);
        }
        answered.incrementAndGet(kind);
      }
      for (Statement s : statements) {
        s.close();
      }
    }
  }

  private boolean deleteOverlapped(long t0, long t1) {
    for (FileInfo f : files.values()) {
      if (f.removeStart != Long.MAX_VALUE && f.removeStart < t1 && f.removeEnd > t0 - 1_000_000_000L) {
        return true;
      }
    }
    return false;
  }

  /** Null when the answer is right for some set of files the query may have seen. */
  private String check(int q, boolean filtered, boolean exact, List<long[]> rows, List<Double> ds,
      long t0, long t1) {
    Set<Integer> seen = new HashSet<>();
    Set<Long> distinct = new HashSet<>();
    for (int r = 0; r < rows.size(); r++) {
      long id = rows.get(r)[0];
      int gen = (int) rows.get(r)[1];
      if (id / 100_000 != gen) {
        return "row " + id + " claims generation " + gen;
      }
      FileInfo f = files.get(gen);
      if (f == null || !f.possiblyPresent(t0, t1)) {
        return "row " + id + " from file " + gen + " that was not present during the query";
      }
      if (filtered && (id % 100_000) % 5 < 2) {
        return "row " + id + " does not pass the filter";
      }
      if (r > 0 && ds.get(r) < ds.get(r - 1)) {
        return "not ordered by distance: " + ds;
      }
      distinct.add(id);
      seen.add(gen);
    }
    if (distinct.size() != rows.size()) {
      return "duplicate rows";
    }
    Set<Integer> basis = new HashSet<>(seen);
    for (FileInfo f : files.values()) {
      if (f.certainlyPresent(t0, t1)) {
        basis.add(f.gen);
      }
    }
    List<Row> expected = new ArrayList<>();
    for (int g : basis) {
      expected.addAll(files.get(g).top[q][filtered ? 1 : 0]);
    }
    expected.sort(Comparator.comparingDouble(Row::d).thenComparingLong(Row::id));
    expected = expected.subList(0, Math.min(K, expected.size()));
    if (rows.size() != expected.size()) {
      return "expected " + expected.size() + " rows, got " + rows.size();
    }
    if (exact) {
      for (int r = 0; r < rows.size(); r++) {
        if (rows.get(r)[0] != expected.get(r).id()
            && Math.abs(ds.get(r) - expected.get(r).d()) > 1e-6) {
          return "row " + r + " is " + rows.get(r)[0] + " (" + ds.get(r) + "), expected "
              + expected.get(r) + "; files seen " + seen + ", basis " + basis;
        }
      }
    } else {
      // Approximate: never better than the exact answer at any rank.
      for (int r = 0; r < rows.size(); r++) {
        if (ds.get(r) < expected.get(r).d() - 1e-6) {
          return "approximate row " + r + " beats the exact answer: " + ds.get(r) + " < "
              + expected.get(r);
        }
      }
    }
    return null;
  }

  /** Adds, re-indexes and removes files until the end; keeps 8 to 20 files visible. */
  private void background(long end, AtomicBoolean stop) throws Exception {
    Random rnd = new Random(4242);
    int nextGen = 12;
    FileInfo ready = prepare(nextGen++, true);
    while (System.nanoTime() < end && !stop.get()) {
      List<FileInfo> visible = new ArrayList<>();
      for (FileInfo f : files.values()) {
        if (f.addEnd != Long.MAX_VALUE && f.removeStart == Long.MAX_VALUE) {
          visible.add(f);
        }
      }
      visible.sort(Comparator.comparingInt(f -> f.gen));
      int action = rnd.nextInt(3);
      if ((action == 0 && visible.size() < 20) || visible.size() < 8) {
        publish(ready);
        adds.incrementAndGet();
        ready = prepare(nextGen++, rnd.nextBoolean());
      } else if (action == 1) {
        FileInfo f = visible.get(rnd.nextInt(visible.size()));
        IvfIndexBuilder.forFile(corpus.resolve("f" + f.gen + ".parquet")).column("embedding")
            .seed(rnd.nextInt(1000)).threads(1).build();
        reindexes.incrementAndGet();
      } else {
        remove(visible.get(rnd.nextInt(visible.size())));
        removes.incrementAndGet();
      }
      Thread.sleep(200 + rnd.nextInt(300));
    }
  }

  /** Cancel and timeout stop a long query within 5 s, with an SQLException. */
  @Test void cancelAndTimeoutStopALongQuery() throws Exception {
    Path dir = Files.createDirectories(work.resolve("long"));
    Hx.writeVectors(dir.resolve("t.parquet"), 20_000, DIM, 4096, 77, 0);
    // 400 million pairs: minutes of work if nothing stops it.
    String slow = "SELECT count(*) FROM t a CROSS JOIN t b"
        + " WHERE array_distance(a.embedding, b.embedding) < 0.0001";
    try (Connection c = Hx.pq(dir)) {
      for (String how : List.of("cancel", "timeout")) {
        Statement s = c.createStatement();
        ExecutorService canceller = Executors.newSingleThreadExecutor();
        long[] stoppedAt = new long[1];
        long start = System.nanoTime();
        if (how.equals("cancel")) {
          canceller.submit(() -> {
            Thread.sleep(1000);
            s.cancel();
            return null;
          });
        } else {
          s.setQueryTimeout(1);
        }
        SQLException e = null;
        try {
          e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
              java.time.Duration.ofSeconds(60), () -> {
                try (ResultSet rs = s.executeQuery(slow)) {
                  while (rs.next()) {
                    rs.getLong(1);
                  }
                  return null;
                } catch (SQLException x) {
                  stoppedAt[0] = System.nanoTime();
                  return x;
                }
              }, how + ": query did not stop within 60 s");
        } finally {
          canceller.shutdownNow();
        }
        assertNotNull(e, how + ": the query finished instead of being stopped");
        if (how.equals("timeout")) {
          assertTrue(e instanceof java.sql.SQLTimeoutException, "timeout: " + e);
          assertEquals("HYT00", e.getSQLState());
        } else {
          assertEquals("HY008", e.getSQLState(), "cancel: " + e);
        }
        double seconds = (stoppedAt[0] - start) / 1e9;
        System.out.printf("ConcurrencyTest %s: SQLException after %.2f s: %s%n", how, seconds,
            e.getMessage().lines().findFirst().orElse(""));
        assertTrue(seconds < 6, how + " took " + seconds + " s");
        s.close();
      }
      // The connection still works afterwards.
      assertEquals(1, Hx.longs(c, "SELECT count(*) FROM t").size());
    }
  }
}
