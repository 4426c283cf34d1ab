import io.pqvector.cli.DemoDataset;
import io.pqvector.ivf.BuildReport;
import io.pqvector.ivf.IvfIndexBuilder;
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
 * median is reported too, as the first-pass figure): median and p99 latency of a prepared
 * query at a fixed nprobe, unfiltered and with two filters; the literal-vector query; recall@10
 * against the exact answer; the vectors each query scored; 8 connections at once (throughput and
 * p99). Arguments: {@code --rows 100000,1000000 --dim 128 --nprobe 8 --queries 200
 * --dir bench/work/scale --seconds 20 --heap-note} (all optional).
 */
public class ScaleBench {
  static final String[] FILTERS = {"", "WHERE lang = 'de'", "WHERE lang = 'de' AND \"year\" > 2015"};

  public static void main(String[] args) throws Exception {
    String rowsArg = arg(args, "--rows", "100000,1000000");
    int dim = Integer.parseInt(arg(args, "--dim", "128"));
    int nprobe = Integer.parseInt(arg(args, "--nprobe", "8"));
    int queries = Integer.parseInt(arg(args, "--queries", "200"));
    int seconds = Integer.parseInt(arg(args, "--seconds", "20"));
    String extra = arg(args, "--properties", "");
    Path root = Paths.get(arg(args, "--dir", "bench/work/scale")).toAbsolutePath();
    System.out.printf(Locale.ROOT, "# ScaleBench: dim %d, nprobe %d, %d queries, %d cores, heap %d MB,"
        + " extra properties '%s'%n", dim, nprobe, queries,
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, extra);
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
      } else {
        lists = -1;
      }
      String url = "jdbc:pqvector:" + dir + ";cacheSize=4g;nprobe=" + nprobe + extra;
      float[][] qs = queryVectors(dir, queries, dim);
      try (Connection c = DriverManager.getConnection(url);
          Connection exact = DriverManager.getConnection("jdbc:pqvector:" + dir + ";useIndex=false")) {
        for (String filter : FILTERS) {
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
            long[] nanos = new long[qs.length];
            long scored = 0;
            for (int q = 0; q < qs.length; q++) {
              long t0 = System.nanoTime();
              run(ps, qs[q]);
              nanos[q] = System.nanoTime() - t0;
              var stats = io.pqvector.calcite.search.VectorSearch.lastStats();
              scored += stats == null ? 0 : stats.rowsScored();
            }
            double recall = 0;
            int checked = Math.min(30, qs.length);
            for (int q = 0; q < checked; q++) {
              Set<Long> truth = new HashSet<>(run(ex, qs[q]));
              long hits = run(ps, qs[q]).stream().filter(truth::contains).count();
              recall += truth.isEmpty() ? 1 : (double) hits / truth.size();
            }
            String literal = "";
            if (filter.isEmpty()) {
              double[] m = literalMedianMs(c, ps, qs);
              literal = String.format(Locale.ROOT, "%.2f (prepared %.2f)", m[0], m[1]);
            }
            System.out.printf(Locale.ROOT,
                "| %,d | %s | %s | %s | %.2f | %.2f | %.3f | %,d | %s | %.2f |%n",
                rows, lists < 0 ? "(built before)" : String.valueOf(lists),
                Double.isNaN(buildSeconds) ? "" : String.format(Locale.ROOT, "%.1f", buildSeconds),
                filter.isEmpty() ? "none" : filter.replace("|", "\\|"), percentile(nanos, 0.5),
                percentile(nanos, 0.99), recall / checked, scored / qs.length, literal,
                percentile(firstPass, 0.5));
          }
        }
      }
      concurrency.add(concurrent(url, qs, rows, seconds));
    }
    System.out.println();
    System.out.println("| rows | connections | queries/s | median ms | p99 ms |");
    System.out.println("| --- | --- | --- | --- | --- |");
    concurrency.forEach(System.out::println);
  }

  /** 8 connections, each running prepared unfiltered queries for {@code seconds}. */
  static String concurrent(String url, float[][] qs, int rows, int seconds) throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<Future<long[]>> results = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int offset = t;
      results.add(pool.submit(() -> {
        List<Long> times = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
            PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM docs ORDER BY array_distance(embedding, ?) LIMIT 10")) {
          for (int i = offset; System.nanoTime() < end; i++) {
            long t0 = System.nanoTime();
            run(ps, qs[i % qs.length]);
            times.add(System.nanoTime() - t0);
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
    long[] merged = all.stream().flatMapToLong(Arrays::stream).toArray();
    return String.format(Locale.ROOT, "| %,d | %d | %.0f | %.2f | %.2f |", rows, threads,
        merged.length / (double) seconds, percentile(merged, 0.5), percentile(merged, 0.99));
  }

  /**
   * Medians of the literal-vector query and of the prepared one, run alternately query by query
   * (so a change in machine load affects both alike): {literal, prepared}.
   */
  static double[] literalMedianMs(Connection c, PreparedStatement ps, float[][] qs)
      throws SQLException {
    long[] nanos = new long[qs.length];
    long[] prepared = new long[qs.length];
    try (Statement s = c.createStatement()) {
      // A pass over the queries first, as for the prepared statement: the SQL parser and the
      // literal lifter are new code to the JIT when this starts.
      for (int q = -qs.length; q < nanos.length; q++) {
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
