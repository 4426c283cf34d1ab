import io.pqvector.cli.DemoDataset;
import io.pqvector.ivf.BuildReport;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.rewrite.SearchLayoutRewriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * How query cost grows with the table (run by bench/scale.sh; not a test). For each table size:
 * the demo table (128 dims, topics, lang/year columns) written with parquet-mr and indexed in
 * place, then through real JDBC with the page cache on, after one pass over the queries (whose
 * median is reported too, as the first-pass figure) and {@link #WARM_PASSES} more, over
 * {@link #TIMED_PASSES} passes: median and p99 latency of a prepared
 * query at a fixed nprobe, unfiltered and with two filters, and unfiltered at the default
 * recall target (the lists probed on average); the literal-vector query; recall@10
 * against the exact answer; the vectors each query scored; 8 connections at once (throughput and
 * p99). Arguments: {@code --rows 100000,1000000 --dim 128 --nprobe 8 --queries 200
 * --dir bench/work/scale --seconds 20 --warm-seconds 10 --recall-queries 30 --cache-size 4g
 * --layout in-place|rewrite} (all optional;
 * {@code --layout rewrite} measures a {@code rewrite} copy of each table instead).
 */
public class ScaleBench {
  /** Untimed passes over the queries after the first (cold) one, then timed ones. */
  static final int WARM_PASSES = 4;
  static final int TIMED_PASSES = 3;

  static final String[] FILTERS = {"", "WHERE lang = 'de'", "WHERE lang = 'de' AND \"year\" > 2015"};

  public static void main(String[] args) throws Exception {
    String rowsArg = arg(args, "--rows", "100000,1000000");
    int dim = Integer.parseInt(arg(args, "--dim", "128"));
    int nprobe = Integer.parseInt(arg(args, "--nprobe", "8"));
    int queries = Integer.parseInt(arg(args, "--queries", "200"));
    int seconds = Integer.parseInt(arg(args, "--seconds", "20"));
    int warmSeconds = Integer.parseInt(arg(args, "--warm-seconds", "10"));
    int recallQueries = Integer.parseInt(arg(args, "--recall-queries", "30"));
    String extra = arg(args, "--properties", "");
    String cacheSize = arg(args, "--cache-size", "4g");
    boolean rewrite = arg(args, "--layout", "in-place").equals("rewrite");
    Path root = Paths.get(arg(args, "--dir", "bench/work/scale")).toAbsolutePath();
    System.out.printf(Locale.ROOT, "# ScaleBench: dim %d, nprobe %d, %d queries, %d cores, heap %d MB,"
        + " cacheSize %s, %s, extra properties '%s'%n", dim, nprobe, queries,
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
        cacheSize, rewrite ? "rewrite copy" : "indexed in place", extra);
    System.out.println("| rows | lists | build s | filter | median ms | p99 ms | recall@10 |"
        + " vectors scored | literal median ms (prepared, same loop) | first pass median ms |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    List<String> concurrency = new ArrayList<>();
    for (String r : rowsArg.split(",")) {
      int rows = Integer.parseInt(r.trim());
      Path dir = root.resolve(rows + "x" + dim);
      Path file = dir.resolve("docs.parquet");
      double buildSeconds = Double.NaN;
      int lists;
      if (!Files.exists(file)) {
        Files.createDirectories(dir);
        DemoDataset.write(file, rows, dim, 42);
        long t0 = System.nanoTime();
        BuildReport report = IvfIndexBuilder.forFile(file).column("embedding").build();
        buildSeconds = (System.nanoTime() - t0) / 1e9;
        lists = report.lists();
        System.err.printf(Locale.ROOT, "# %,d rows: index of %d lists built in %.1f s%n", rows,
            lists, buildSeconds);
      } else {
        lists = -1;
      }
      if (rewrite) {
        Path copy = root.resolve(rows + "x" + dim + "-rewrite");
        if (!Files.exists(copy.resolve("docs.parquet"))) {
          Files.createDirectories(copy);
          long t0 = System.nanoTime();
          lists = SearchLayoutRewriter.from(file).to(copy.resolve("docs.parquet"))
              .column("embedding").rewrite().lists();
          buildSeconds = (System.nanoTime() - t0) / 1e9;
        } else {
          lists = -1;
          buildSeconds = Double.NaN;
        }
        dir = copy;
      }
      String url = "jdbc:pqvector:" + dir + ";cacheSize=" + cacheSize + ";nprobe=" + nprobe
          + extra;
      float[][] qs = queryVectors(dir, queries, dim);
      try (Connection fixed = DriverManager.getConnection(url);
          Connection byRecall = DriverManager.getConnection("jdbc:pqvector:" + dir
              + ";cacheSize=" + cacheSize + extra);
          Connection exact = DriverManager.getConnection("jdbc:pqvector:" + dir + ";useIndex=false")) {
        // The filters at the fixed nprobe, then the unfiltered query with a default connection
        // (recall=0.95: the lists each file's recall curve chooses).
        for (int shape = 0; shape <= FILTERS.length; shape++) {
          boolean atRecall = shape == FILTERS.length;
          String filter = atRecall ? "" : FILTERS[shape];
          Connection c = atRecall ? byRecall : fixed;
          String sql = "SELECT id FROM docs " + filter
              + " ORDER BY array_distance(embedding, ?) LIMIT 10";
          try (PreparedStatement ps = c.prepareStatement(sql);
              PreparedStatement ex = exact.prepareStatement(sql)) {
            // One pass over the queries fills the cache (pages, each probed list's vectors, the
            // filter columns); its median is reported as the cold figure.
            long[] firstPass = new long[qs.length];
            for (int q = 0; q < qs.length; q++) {
              long t0 = System.nanoTime();
              run(ps, qs[q]);
              firstPass[q] = System.nanoTime() - t0;
            }
            // Then passes the JIT needs to compile this shape's path (a filter takes another
            // path at each size: a kept bitmap at 100,000 rows, each list's codes at 1,000,000,
            // and 200 queries are too few to compile it), and timed passes.
            for (int pass = 0; pass < WARM_PASSES; pass++) {
              for (float[] q : qs) {
                run(ps, q);
              }
            }
            long[] nanos = new long[qs.length * TIMED_PASSES];
            long scored = 0;
            long probed = 0;
            for (int i = 0; i < nanos.length; i++) {
              float[] q = qs[i % qs.length];
              long t0 = System.nanoTime();
              run(ps, q);
              nanos[i] = System.nanoTime() - t0;
              var stats = io.pqvector.calcite.search.VectorSearch.lastStats();
              scored += stats == null ? 0 : stats.rowsScored();
              probed += stats == null ? 0 : stats.listsProbed();
            }
            double recall = 0;
            int checked = Math.min(recallQueries, qs.length);
            for (int q = 0; q < checked; q++) {
              Set<Long> truth = new HashSet<>(run(ex, qs[q]));
              long hits = run(ps, qs[q]).stream().filter(truth::contains).count();
              recall += truth.isEmpty() ? 1 : (double) hits / truth.size();
            }
            String literal = "";
            if (shape == 0) {
              double[] m = literalMedianMs(c, ps, qs);
              literal = String.format(Locale.ROOT, "%.2f (prepared %.2f)", m[0], m[1]);
            }
            System.out.printf(Locale.ROOT,
                "| %,d | %s | %s | %s | %.2f | %.2f | %.3f | %,d | %s | %.2f |%n",
                rows, lists < 0 ? "(built before)" : String.valueOf(lists),
                Double.isNaN(buildSeconds) ? "" : String.format(Locale.ROOT, "%.1f", buildSeconds),
                atRecall ? String.format(Locale.ROOT, "none, recall=0.95 (nprobe %.1f)",
                    probed / (double) nanos.length)
                    : filter.isEmpty() ? "none" : filter.replace("|", "\\|"),
                percentile(nanos, 0.5),
                percentile(nanos, 0.99), recall / checked, scored / nanos.length, literal,
                percentile(firstPass, 0.5));
          }
        }
      }
      concurrency.addAll(concurrent(url, qs, rows, seconds, warmSeconds));
    }
    System.out.println();
    System.out.println("| rows | connections | queries/s | median ms | p99 ms |"
        + " kernel reclaim (kdamond) ms in the window |");
    System.out.println("| --- | --- | --- | --- | --- | --- |");
    concurrency.forEach(System.out::println);
  }

  /**
   * 8 connections running prepared unfiltered queries for {@code seconds}: closed loop (each
   * sends its next query as soon as the last one returns), then paced at a half and a quarter of
   * the throughput the closed loop reached (each connection sends at random times, a Poisson
   * process, and a query's latency counts from the time it was due, so a query held up behind
   * others counts its wait).
   * With 8 closed-loop clients on 2 cores each query waits for about 3 others on average, so
   * there the mean is at least 4 times a lone query's time; the paced run shows the tail when
   * the machine is busy but not saturated. Each line also gives the CPU time the kernel's DAMON
   * reclaim took in its window ({@link #kdamondNanos}).
   */
  static List<String> concurrent(String url, float[][] qs, int rows, int seconds,
      int warmSeconds) throws Exception {
    long[] closed = connections(url, qs, seconds, 0, warmSeconds);
    double throughput = closed.length / (double) seconds;
    List<String> out = new ArrayList<>();
    out.add(String.format(Locale.ROOT, "| %,d | 8, closed loop | %.0f | %.2f | %.2f | %.0f |",
        rows, throughput, percentile(closed, 0.5), percentile(closed, 0.99),
        lastWindowKdamondMillis));
    for (int share : new int[] {2, 4}) {
      long[] paced = connections(url, qs, seconds, throughput / share, warmSeconds);
      out.add(String.format(Locale.ROOT,
          "| %,d | 8, paced at %.0f/s (1/%d) | %.0f | %.2f | %.2f | %.0f |",
          rows, throughput / share, share, paced.length / (double) seconds,
          percentile(paced, 0.5), percentile(paced, 0.99), lastWindowKdamondMillis));
    }
    return out;
  }

  /** Latencies of 8 connections for {@code seconds}; {@code rate} queries/s in all, 0: closed loop. */
  static long[] connections(String url, float[][] qs, int seconds, double rate, int warmSeconds)
      throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    // Every connection is open and its statement prepared before the clock starts.
    // The barrier's last trip starts the window; the kernel's reclaim time is read then and
    // after the last connection is done.
    long[] kdamondAtStart = new long[1];
    java.util.concurrent.CyclicBarrier ready = new java.util.concurrent.CyclicBarrier(threads,
        () -> kdamondAtStart[0] = kdamondNanos());
    List<Future<long[]>> results = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int offset = t;
      results.add(pool.submit(() -> {
        List<Long> times = new ArrayList<>();
        Random arrivals = new Random(offset);
        double meanGapNanos = rate == 0 ? 0 : 1e9 * threads / rate;
        try (Connection c = DriverManager.getConnection(url);
            PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM docs ORDER BY array_distance(embedding, ?) LIMIT 10")) {
          // Untimed load first: on 2 cores the JIT recompiling what the previous measurements
          // made it compile otherwise takes one core for seconds of the window (measured: C2
          // busy for about 5 s after the exact scans of the recall check, and the paced p99
          // 15 to 22 ms where a harness running only this load saw 5 to 6 ms).
          ready.await();
          long warmEnd = System.nanoTime() + warmSeconds * 1_000_000_000L;
          for (int i = offset; System.nanoTime() < warmEnd; i++) {
            run(ps, qs[i % qs.length]);
          }
          ready.await();
          long start = System.nanoTime();
          long end = start + seconds * 1_000_000_000L;
          long due = start;
          for (int i = offset; ; i++) {
            if (rate > 0) {
              due += (long) (-Math.log(1 - arrivals.nextDouble()) * meanGapNanos);
              long wait = due - System.nanoTime();
              if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
              }
            } else {
              due = System.nanoTime();
            }
            if (due >= end) {
              break;
            }
            run(ps, qs[i % qs.length]);
            times.add(System.nanoTime() - due);
          }
        }
        return times.stream().mapToLong(Long::longValue).toArray();
      }));
    }
    List<long[]> all = new ArrayList<>();
    for (Future<long[]> f : results) {
      all.add(f.get());
    }
    pool.shutdown();
    lastWindowKdamondMillis = (kdamondNanos() - kdamondAtStart[0]) / 1e6;
    return all.stream().flatMapToLong(Arrays::stream).toArray();
  }

  /** Milliseconds the kernel's DAMON threads ran in the last window of {@link #connections}. */
  static double lastWindowKdamondMillis;

  /**
   * CPU time of the kernel's DAMON threads ({@code kdamond}) so far, in nanoseconds; 0 where
   * there are none. On this VM its proactive reclaim samples every 0.5 s and, next to a JVM
   * with a large heap and no swap, spends up to its quota of 50 ms a second on one of the 2
   * cores trying to page out memory it cannot (its stats: tried 1.6 GB, applied 0), which shows
   * in the paced p99; the column lets a reader see how much of a window it took.
   */
  static long kdamondNanos() {
    long sum = 0;
    try (var tasks = Files.newDirectoryStream(Paths.get("/proc"), "[0-9]*")) {
      for (Path task : tasks) {
        try {
          if (Files.readString(task.resolve("comm")).startsWith("kdamond")) {
            sum += Long.parseLong(Files.readString(task.resolve("schedstat")).split(" ")[0]);
          }
        } catch (java.io.IOException | RuntimeException gone) {
          // The task ended while listed, or has no schedstat: nothing to count.
        }
      }
    } catch (java.io.IOException noProc) {
      return 0;
    }
    return sum;
  }

  /**
   * Medians of the literal-vector query and of the prepared one, run alternately query by query
   * (so a change in machine load affects both alike): {literal, prepared}.
   */
  static final int LITERAL_WARMUP_PASSES = 8;

  static double[] literalMedianMs(Connection c, PreparedStatement ps, float[][] qs)
      throws SQLException {
    long[] nanos = new long[qs.length];
    long[] prepared = new long[qs.length];
    try (Statement s = c.createStatement()) {
      // Passes over the queries first: the literal lifter and the statement path through
      // Avatica and Calcite are new code to the JIT when this starts, and on 2 cores it takes
      // about 1,500 literal queries before their medians settle (the first 250 of a JVM: about
      // 6 ms at 128 dims).
      for (int q = -LITERAL_WARMUP_PASSES * qs.length; q < nanos.length; q++) {
        float[] v = qs[Math.floorMod(q, qs.length)];
        StringBuilder sql = new StringBuilder(
            "SELECT id FROM docs ORDER BY array_distance(embedding, ARRAY[");
        for (int i = 0; i < v.length; i++) {
          sql.append(i == 0 ? "" : ", ").append(v[i]);
        }
        sql.append("]) LIMIT 10");
        long t0 = System.nanoTime();
        try (ResultSet rs = s.executeQuery(sql.toString())) {
          while (rs.next()) {
            rs.getLong(1);
          }
        }
        long t1 = System.nanoTime();
        run(ps, v);
        if (q >= 0) {
          nanos[q] = t1 - t0;
          prepared[q] = System.nanoTime() - t1;
        }
      }
    }
    return new double[] {percentile(nanos, 0.5), percentile(prepared, 0.5)};
  }

  static List<Long> run(PreparedStatement ps, float[] q) throws SQLException {
    ps.setObject(1, q);
    List<Long> ids = new ArrayList<>(10);
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }

  /** Vectors of rows spread over the table, each moved a little so it is not its own answer. */
  static float[][] queryVectors(Path dir, int n, int dim) throws SQLException {
    float[][] out = new float[n][];
    Random random = new Random(7);
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + dir + ";useIndex=false");
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT embedding FROM docs WHERE MOD(id, 997) = 13 LIMIT " + n)) {
      int i = 0;
      while (rs.next() && i < n) {
        Object[] values = (Object[]) rs.getArray(1).getArray();
        float[] v = new float[values.length];
        for (int d = 0; d < v.length; d++) {
          v[d] = ((Number) values[d]).floatValue() + (float) random.nextGaussian() * 0.05f;
        }
        out[i++] = v;
      }
      return Arrays.copyOf(out, i);
    }
  }

  static double percentile(long[] nanos, double p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * (sorted.length - 1)))] / 1e6;
  }

  static String arg(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }
}
