package io.pqvector.sqltests.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.ivf.IvfIndexBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queries through the index while the same file is indexed again and again in place, each time
 * with another seed: its rows never change, so every answer is checkable row by row. With every
 * list probed the answer must be the exact one; with the default depth each returned row must
 * be the row its id names, with that row's vector and its own distance, and pass the filter.
 *
 * <p>What this guards: the lists of one index are not the lists of the next, so nothing kept
 * per list (gathered vectors, filter codes) may be taken for another index of the same file. A
 * query that loaded the index just before a re-index once kept one index's list vectors (or
 * filter codes) under the file's next version, and later queries paired them with the new
 * index's row ids: rows came back with another row's distance (seen in ConcurrencyTest), or a
 * filtered query failed with an ArrayIndexOutOfBoundsException (this test, 60 s, before the
 * fix). Duration: {@code pqvector.hardening.reindexSeconds} (default 30).
 */
class ReindexWhileQueryingTest {
  static final int DIM = 16;
  static final int ROWS = 4_000;
  static final int K = 10;
  static final int QUERY_VECTORS = 6;
  /** More threads than cores, so a query is often paused between its steps. */
  static final int QUERY_THREADS = 8;
  static final long SECONDS = Long.getLong("pqvector.hardening.reindexSeconds", 30);

  @TempDir Path work;

  record Row(long id, double d) {}

  @Test void everyAnswerIsRightWhileTheIndexIsRebuiltInPlace() throws Exception {
    Path dir = Files.createDirectories(work.resolve("t"));
    Path file = Hx.writeVectors(dir.resolve("t.parquet"), ROWS, DIM, 1024, 7, 0);
    IvfIndexBuilder.forFile(file).column("embedding").seed(0).threads(1).build();
    float[][] queries = new float[QUERY_VECTORS][];
    for (int q = 0; q < queries.length; q++) {
      queries[q] = Hx.queryVector(900 + q, DIM);
    }
    Map<Long, float[]> vectors = new HashMap<>();
    List<Row>[][] exact = exactAnswers(dir, queries, vectors);

    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicLong queriesChecked = new AtomicLong();
    AtomicLong reindexes = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
    ExecutorService pool = Executors.newFixedThreadPool(1 + QUERY_THREADS);
    List<Future<?>> futures = new ArrayList<>();
    futures.add(pool.submit(() -> {
      int seed = 1;
      while (System.nanoTime() < end) {
        IvfIndexBuilder.forFile(file).column("embedding").seed(seed++).threads(1).build();
        reindexes.incrementAndGet();
      }
      return null;
    }));
    for (int t = 0; t < QUERY_THREADS; t++) {
      boolean allLists = t % 3 != 2;
      int id = t;
      futures.add(pool.submit(() -> {
        query(dir, allLists, id, end, queries, vectors, exact, failures, queriesChecked);
        return null;
      }));
    }
    pool.shutdown();
    assertTrue(pool.awaitTermination(SECONDS + 120, TimeUnit.SECONDS), "did not finish");
    for (Future<?> f : futures) {
      f.get();
    }
    System.out.printf("ReindexWhileQueryingTest: %d queries checked, %d re-indexes, %d wrong%n",
        queriesChecked.get(), reindexes.get(), failures.size());
    assertTrue(failures.isEmpty(), failures.size() + " wrong answers, first: " + failures.peek());
    assertTrue(reindexes.get() >= 2 && queriesChecked.get() > 100,
        queriesChecked.get() + " queries, " + reindexes.get() + " re-indexes");
  }

  private static String sql(boolean filtered) {
    return "SELECT id, embedding, array_distance(embedding, ?) AS d FROM t"
        + (filtered ? " WHERE lang = 'en'" : "") + " ORDER BY d LIMIT " + K;
  }

  /** Each query's exact top-k, unfiltered and filtered, and every row's vector by id. */
  @SuppressWarnings("unchecked")
  private static List<Row>[][] exactAnswers(Path dir, float[][] queries, Map<Long, float[]> vectors)
      throws Exception {
    List<Row>[][] exact = new List[queries.length][2];
    try (Connection c = Hx.pq(dir, ";useIndex=false")) {
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT id, embedding FROM t")) {
        while (rs.next()) {
          vectors.put(rs.getLong(1), Hx.floats(rs.getArray(2)));
        }
      }
      assertEquals(ROWS, vectors.size());
      for (int q = 0; q < queries.length; q++) {
        for (int f = 0; f < 2; f++) {
          try (PreparedStatement p = c.prepareStatement(sql(f == 1))) {
            p.setObject(1, queries[q]);
            List<Row> rows = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
              while (rs.next()) {
                rows.add(new Row(rs.getLong(1), rs.getDouble(3)));
              }
            }
            assertEquals(K, rows.size());
            exact[q][f] = rows;
          }
        }
      }
    }
    return exact;
  }

  private static void query(Path dir, boolean allLists, int id, long end, float[][] queries,
      Map<Long, float[]> vectors, List<Row>[][] exact, ConcurrentLinkedQueue<String> failures,
      AtomicLong checked) throws Exception {
    Random rnd = new Random(id);
    try (Connection c = Hx.pq(dir, allLists ? ";nprobe=100000" : "");
        PreparedStatement plain = c.prepareStatement(sql(false));
        PreparedStatement filtered = c.prepareStatement(sql(true))) {
      while (System.nanoTime() < end) {
        int q = rnd.nextInt(queries.length);
        int f = rnd.nextInt(2);
        PreparedStatement p = f == 1 ? filtered : plain;
        p.setObject(1, queries[q]);
        List<long[]> ids = new ArrayList<>();
        List<Double> ds = new ArrayList<>();
        List<float[]> returned = new ArrayList<>();
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            ids.add(new long[] {rs.getLong(1)});
            returned.add(Hx.floats(rs.getArray(2)));
            ds.add(rs.getDouble(3));
          }
        }
        String problem = check(queries[q], f == 1, allLists, ids, returned, ds, vectors,
            exact[q][f]);
        if (problem != null) {
          failures.add((allLists ? "every list" : "default depth") + (f == 1 ? ", filtered" : "")
              + ", query " + q + ": " + problem);
        }
        checked.incrementAndGet();
      }
    }
  }

  private static String check(float[] query, boolean filtered, boolean allLists,
      List<long[]> ids, List<float[]> returned, List<Double> ds, Map<Long, float[]> vectors,
      List<Row> exact) {
    if (ids.size() != K) {
      return ids.size() + " rows";
    }
    for (int r = 0; r < K; r++) {
      long id = ids.get(r)[0];
      float[] truth = vectors.get(id);
      if (truth == null) {
        return "row " + r + ": no row has id " + id;
      }
      if (!java.util.Arrays.equals(truth, returned.get(r))) {
        return "row " + r + " (id " + id + ") came back with another row's vector";
      }
      double own = Hx.l2(truth, query);
      if (Math.abs(own - ds.get(r)) > 1e-4 * Math.max(1, own)) {
        return "row " + r + " (id " + id + ") has distance " + ds.get(r) + ", its own is " + own;
      }
      if (filtered && id % 5 < 2) {
        return "row " + r + " (id " + id + ") does not pass the filter";
      }
      if (r > 0 && ds.get(r) < ds.get(r - 1)) {
        return "not ordered by distance: " + ds;
      }
      if (ds.get(r) < exact.get(r).d() - 1e-6) {
        return "row " + r + " beats the exact answer: " + ds.get(r) + " < " + exact.get(r);
      }
      if (allLists && id != exact.get(r).id() && Math.abs(ds.get(r) - exact.get(r).d()) > 1e-6) {
        return "row " + r + " is " + id + " (" + ds.get(r) + "), expected " + exact.get(r);
      }
    }
    return null;
  }
}
