package io.pqvector.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pqvector.calcite.SearchStats;
import io.pqvector.calcite.VectorSearch;
import io.pqvector.format.IvfIndexFormat;
import io.pqvector.ivf.BuildReport;
import io.pqvector.ivf.FileIndex;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.ivf.IvfProbe;
import io.pqvector.parquet.appendix.ParquetAppendix;
import io.pqvector.parquet.ParquetFiles;
import io.pqvector.parquet.decode.VectorBatch;
import io.pqvector.parquet.decode.VectorColumn;
import io.pqvector.vector.Metric;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * {@code bench <file> --column <name> ...}: measures recall@k and latency of IVF search against
 * the exact plan on one Parquet file, per nprobe, through the JDBC driver as a user would run it,
 * and recommends the smallest nprobe that reaches a target recall.
 */
final class BenchCommand {
  static final String USAGE_LINE =
      "  bench <file> --column <name> [--queries N] [--k 10] [--nprobe 1,2,5,10,20,50]\n"
      + "        [--target-recall 0.95] [--queries-from <file2>] [--noise F] [--json] [--duckdb]\n"
      + "        [--cache-size 0|512m] [--build [--lists N]] [--metric l2|cosine|dot] [--id <col>]\n"
      + "        [--rewrite <out-file>] [--seed S] [--warmup N] [--no-progress]\n"
      + "        <file> may be s3://bucket/prefix/x.parquet, with " + S3Options.USAGE + "\n"
      + "                                        recall and latency of IVF search per nprobe";

  private final PrintStream out;
  private final PrintStream err;

  BenchCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** One measured configuration: the exact plan, an nprobe, or DuckDB. */
  static final class Row {
    String label;
    Integer nprobe;
    double recall;
    double medianMs;
    double p95Ms;
    double rowsScored;
    double listsProbed;
    double speedup;
  }

  private String function;
  private String table;
  private String column;
  private String idColumn;
  /** Queries are rows of the file: each one's own row is left out of its answers. */
  private boolean holdOut;
  /** The id of each query's own row, when held out. */
  private Object[] selfIds;
  private int k;
  /** Queries in each warm-up pass; -1 means all of them. */
  private int warmup;
  private ProgressBar bar;

  /** Connection settings for a file in object storage ({@link S3Options}), as a URL suffix. */
  private String s3Settings = "";

  BenchCommand s3(String urlSuffix) {
    this.s3Settings = urlSuffix;
    return this;
  }

  int run(CommandLine cl) throws Exception {
    cl.allowOnly("--column", "--queries", "--k", "--nprobe", "--target-recall", "--queries-from",
        "--noise", "--json", "--duckdb", "--cache-size", "--build", "--lists", "--metric", "--id",
        "--rewrite", "--seed", "--no-progress", "--warmup");
    if (cl.positionals().size() != 1) {
      throw new CommandLine.UsageException("expected one Parquet file: bench <file> --column <name>");
    }
    Path file = S3Options.path(cl.positionals().get(0), s3Settings);
    if (!Files.isRegularFile(file) || !file.getFileName().toString().toLowerCase(Locale.ROOT)
        .endsWith(".parquet")) {
      throw new CommandLine.UsageException("no such Parquet file (*.parquet): " + file);
    }
    column = cl.option("--column", null);
    if (column == null) {
      throw new CommandLine.UsageException("--column <name> is required (the vector column)");
    }
    int queries = cl.intOption("--queries", 100);
    warmup = cl.intOption("--warmup", -1);
    k = cl.intOption("--k", 10);
    long seed = cl.intOption("--seed", 42);
    int lists = cl.intOption("--lists", 0);
    double target = doubleOption(cl, "--target-recall", 0.95);
    double noise = doubleOption(cl, "--noise", 0);
    String cacheSize = cl.option("--cache-size", "0");
    boolean json = cl.flag("--json");
    if (queries < 1 || k < 1) {
      throw new CommandLine.UsageException("--queries and --k must be at least 1");
    }
    List<Integer> nprobes = new ArrayList<>();
    for (String s : cl.option("--nprobe", "1,2,5,10,20,50").split(",")) {
      try {
        int n = Integer.parseInt(s.trim());
        if (n < 1) {
          throw new NumberFormatException();
        }
        nprobes.add(n);
      } catch (NumberFormatException e) {
        throw new CommandLine.UsageException("--nprobe expects positive whole numbers separated"
            + " by commas, e.g. 1,2,5,10, but got '" + s + "'");
      }
    }
    Metric metric;
    try {
      metric = Metric.fromId(cl.option("--metric", "l2"));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.UsageException(e.getMessage());
    }
    function = metric == Metric.L2 ? "array_distance"
        : metric == Metric.COSINE ? "array_cosine_distance" : "array_negative_inner_product";
    bar = !json && !cl.flag("--no-progress") && System.console() != null
        ? new ProgressBar(err, "bench") : null;

    Json report = new Json();
    String rewriteTo = cl.option("--rewrite", null);
    if (rewriteTo != null) {
      Path target2 = Paths.get(rewriteTo).toAbsolutePath().normalize();
      double seconds = rewrite(file, target2);
      report.put("rewrite", new Json().put("from", file.toString()).put("seconds", seconds));
      file = target2;
    }
    Path dir = file.getParent();
    String name = file.getFileName().toString();
    table = name.substring(0, name.length() - ".parquet".length());

    // --- the index: build it, or require one ---
    Json build = null;
    if (cl.flag("--build")) {
      build = build(file, metric, lists, seed);
    }
    ParquetMetadata footer = ParquetFiles.readFooter(file);
    FileIndex index = FileIndex.load(file, footer, column);
    if (index.status() != FileIndex.Status.OK) {
      throw new CommandLine.UsageException((index.problem() == null ? "no usable index" :
          index.problem()) + "\n  build one first:  java -jar pqvector.jar index " + file
          + " --column " + column + (metric == Metric.L2 ? "" : " --metric " + metric.id())
          + "\n  or let bench build it:  add --build");
    }
    if (index.metric() != metric) {
      throw new CommandLine.UsageException("the index of " + column + " is for metric "
          + index.metric().id() + "; pass --metric " + index.metric().id());
    }
    int listCount = index.index().listCount();
    int dim = index.index().dimension();
    byte[] payload = ParquetAppendix.read(file, IvfIndexFormat.footerKey(column));
    long fileBytes = Files.size(file);
    long rowCount = footer.getBlocks().stream().mapToLong(b -> b.getRowCount()).sum();
    // What a default connection probes for this k: the index's recall curve at recall 0.95
    // (the formula for an index without a curve); with --queries-from, the curve may not hold.
    int defaultNprobe = index.index().recallCurve()
        .map(c -> c.nprobeFor(k, io.pqvector.calcite.SearchSettings.DEFAULT_RECALL))
        .orElse(IvfProbe.defaultNprobe(listCount));
    idColumn = cl.option("--id", null);
    if (idColumn == null && footer.getFileMetaData().getSchema().containsField("id")) {
      idColumn = "id";
    }

    // --- query vectors ---
    String source;
    float[][] qs;
    String queriesFrom = cl.option("--queries-from", null);
    if (queriesFrom != null) {
      Path other = Paths.get(queriesFrom).toAbsolutePath().normalize();
      qs = pickVectors(other, queries, seed);
      source = qs.length + " vectors from " + other + " (rows drawn with seed " + seed + ")"
          + (noise > 0 ? "" : "; when that file holds the same data, each query's nearest hit"
              + " is itself");
    } else {
      qs = pickVectors(file, queries, seed);
      holdOut = noise == 0 && idColumn != null;
      source = qs.length + " vectors taken from the file itself (rows drawn with seed " + seed
          + ")" + (holdOut ? ", held out: each query's own row is left out of its results and"
              + " of the ground truth" : noise > 0 ? "" : ": each query's nearest hit is itself");
    }
    if (noise > 0) {
      Random r = new Random(seed + 1);
      for (float[] q : qs) {
        double rms = 0;
        for (float v : q) {
          rms += v * v;
        }
        rms = Math.sqrt(rms / q.length);
        for (int i = 0; i < q.length; i++) {
          q[i] += (float) (r.nextGaussian() * noise * rms);
        }
      }
      source += ", plus Gaussian noise of " + noise + " x each vector's RMS component";
    }
    for (float[] q : qs) {
      if (q.length != dim) {
        throw new CommandLine.UsageException("query vectors have " + q.length
            + " dimensions but the index has " + dim);
      }
    }

    String url = "jdbc:pqvector:" + dir + s3Settings;
    long cacheBytes = io.pqvector.jdbc.ConnectionSettings.parseBytes(cacheSize);
    List<Row> rows = new ArrayList<>();
    Row exact = null;
    Object[][] truth = null;
    Json planning;
    try (Connection exactConn = DriverManager.getConnection(url + ";useIndex=false;cacheSize=0");
        Connection conn = DriverManager.getConnection(url + ";cacheSize=" + cacheSize)) {
      // One statement per configuration: the exact plan (which also gives the ground truth),
      // each nprobe as a hint, and the driver's default. After the warm-up, the timed pass is
      // interleaved (query by query, every configuration in rotating order), so a change in
      // machine load during the run affects all configurations alike and the ratios hold.
      List<Integer> configs = new ArrayList<>();
      configs.add(null);
      configs.addAll(nprobes);
      configs.add(null);
      int n = configs.size();
      PreparedStatement[] statements = new PreparedStatement[n];
      try {
        for (int c = 0; c < n; c++) {
          statements[c] = c == 0 ? exactConn.prepareStatement(sql(null))
              : conn.prepareStatement(sql(configs.get(c)));
        }
        for (int c = 0; c < n; c++) {
          int warm = Math.min(qs.length, warmup >= 0 ? warmup : c == 0 ? 3 : qs.length);
          for (int i = 0; i < warm; i++) {
            progress(c == 0 ? "warm exact" : c == n - 1 ? "warm dflt" : "warm np=" + configs.get(c),
                i, warm);
            runQuery(statements[c], qs[i]);
          }
        }
        double[][] ms = new double[n][qs.length];
        Object[][][] got = new Object[n][qs.length][];
        double[] scored = new double[n];
        double[] probed = new double[n];
        for (int i = 0; i < qs.length; i++) {
          progress("timed", i, qs.length);
          for (int j = 0; j < n; j++) {
            int c = (i + j) % n;
            long t0 = System.nanoTime();
            got[c][i] = runQuery(statements[c], qs[i]);
            ms[c][i] = (System.nanoTime() - t0) / 1e6;
            scored[c] += stat(SearchStats::rowsScored);
            probed[c] += stat(SearchStats::listsProbed);
          }
        }
        if (holdOut) {
          // The exact top-(k+1) starts with the query's own row (distance 0): leave it out of
          // every configuration's answer and of the ground truth.
          selfIds = new Object[qs.length];
          for (int i = 0; i < qs.length; i++) {
            selfIds[i] = got[0][i].length > 0 ? got[0][i][0] : null;
            for (int c = 0; c < n; c++) {
              got[c][i] = withoutSelf(got[c][i], selfIds[i]);
            }
          }
        }
        truth = got[0];
        exact = new Row();
        exact.label = "exact";
        exact.medianMs = percentile(ms[0], 50);
        exact.p95Ms = percentile(ms[0], 95);
        exact.recall = 1;
        exact.rowsScored = scored[0] / qs.length;
        exact.speedup = 1;
        for (int c = 1; c < n; c++) {
          Row row = new Row();
          row.nprobe = configs.get(c);
          row.label = row.nprobe == null ? "default(" + defaultNprobe + ")"
              : "nprobe=" + row.nprobe;
          double recall = 0;
          for (int i = 0; i < qs.length; i++) {
            recall += recall(got[c][i], truth[i]);
          }
          row.recall = recall / qs.length;
          row.medianMs = percentile(ms[c], 50);
          row.p95Ms = percentile(ms[c], 95);
          row.rowsScored = scored[c] / qs.length;
          row.listsProbed = probed[c] / qs.length;
          row.speedup = exact.medianMs / row.medianMs;
          rows.add(row);
        }
      } finally {
        for (PreparedStatement ps : statements) {
          if (ps != null) {
            ps.close();
          }
        }
      }
      planning = planning(conn, qs);
    }

    Row duck = null;
    String duckNote = null;
    if (cl.flag("--duckdb")) {
      try {
        Class.forName("org.duckdb.DuckDBDriver");
        duck = duckdb(file, dim, qs, truth, exact.medianMs);
      } catch (ClassNotFoundException e) {
        duckNote = "DuckDB's JDBC driver is not on the classpath; add it with\n"
            + "  java -cp pqvector.jar:duckdb_jdbc.jar io.pqvector.cli.Main bench ...\n"
            + "  (duckdb_jdbc.jar: Maven org.duckdb:duckdb_jdbc)";
      }
    }
    clearProgress();

    // --- recommendation ---
    Row best = null;
    for (Row r : rows) {
      if (r.nprobe != null && r.recall >= target && (best == null || r.nprobe < best.nprobe)) {
        best = r;
      }
    }
    Row dflt = rows.get(rows.size() - 1);
    String recommendation;
    if (best != null) {
      recommendation = String.format(Locale.ROOT, "nprobe=%d is the smallest tested value with "
          + "recall@%d >= %s (%.3f, %.2f ms median, %.1fx the exact plan's speed); set it per "
          + "connection with jdbc:pqvector:%s;nprobe=%d or per query with SELECT /*+ nprobe(%d) */"
          + " ... (the default for this index is %d, recall %.3f)", best.nprobe, k, fmt(target),
          best.recall, best.medianMs, best.speedup, dir, best.nprobe, best.nprobe,
          defaultNprobe, dflt.recall);
    } else {
      recommendation = String.format(Locale.ROOT, "no tested nprobe reached recall@%d >= %s (best"
          + " %.3f); try larger values with --nprobe (the index has %d lists; nprobe=%d searches "
          + "every list)", k, fmt(target), rows.stream().mapToDouble(r -> r.recall).max()
          .orElse(0), listCount, listCount);
    }

    report.put("file", file.toString()).put("column", column).put("rows", rowCount)
        .put("dimension", dim).put("metric", metric.id()).put("k", k)
        .put("queries", qs.length).put("querySource", source)
        .put("warmup", warmup).put("cacheSize", cacheSize).put("cacheBytes", cacheBytes)
        .put("index", new Json().put("lists", listCount).put("dimension", dim)
            .put("bytes", payload == null ? 0 : payload.length).put("fileBytes", fileBytes)
            .put("percentOfFile", 100.0 * (payload == null ? 0 : payload.length) / fileBytes)
            .put("defaultNprobe", defaultNprobe));
    if (build != null) {
      report.put("build", build);
    }
    report.put("exact", rowJson(exact));
    List<Json> results = new ArrayList<>();
    for (Row r : rows) {
      results.add(rowJson(r));
    }
    report.put("results", results);
    report.put("planning", planning);
    if (duck != null) {
      report.put("duckdb", rowJson(duck));
    } else if (duckNote != null) {
      report.put("duckdb", new Json().put("error", duckNote));
    }
    report.put("targetRecall", target);
    report.put("recommendedNprobe", best == null ? null : best.nprobe);
    report.put("recommendation", recommendation);

    if (json) {
      out.println(report);
      return 0;
    }
    out.printf(Locale.ROOT, "pqvector bench: %s, column %s%n", file, column);
    out.printf(Locale.ROOT, "  %,d rows, %d dims, metric %s; index: %d lists, %,d bytes (%.2f%% "
        + "of the file's %,d bytes), default nprobe %d%n", rowCount, dim, metric.id(), listCount,
        payload == null ? 0 : payload.length,
        100.0 * (payload == null ? 0 : payload.length) / fileBytes, fileBytes, defaultNprobe);
    if (build != null) {
      out.printf(Locale.ROOT, "  built here: %.2f s (k-means %.2f s), +%,d bytes, peak heap used "
          + "%.0f MB (sampled)%n", build.get("seconds"), build.get("trainSeconds"),
          build.get("bytesAdded"), ((Number) build.get("peakHeapBytes")).doubleValue() / 1e6);
    }
    if (report.get("rewrite") != null) {
      Json rw = (Json) report.get("rewrite");
      out.printf(Locale.ROOT, "  rewritten here from %s in %.2f s%n", rw.get("from"),
          rw.get("seconds"));
    }
    out.println("  queries: " + source);
    out.printf(Locale.ROOT, "  k=%d, cache %s; each configuration: a warm-up pass (%s), then a "
        + "timed pass over all queries with the configurations interleaved%n%n", k, cacheBytes == 0 ? "off (cacheSize=0)"
        : "cacheSize=" + cacheSize, warmup < 0 ? "all queries; 3 for the exact plan"
        : warmup + " queries");
    out.printf(Locale.ROOT, "%-14s %9s %10s %9s %8s %13s %12s%n", "plan", "recall@" + k,
        "median ms", "p95 ms", "speedup", "rows scored/q", "lists/q");
    List<Row> all = new ArrayList<>();
    all.add(exact);
    all.addAll(rows);
    if (duck != null) {
      all.add(duck);
    }
    for (Row r : all) {
      out.printf(Locale.ROOT, "%-14s %9.3f %10.2f %9.2f %7.1fx %13s %12s%n", r.label, r.recall,
          r.medianMs, r.p95Ms, r.speedup, r.label.startsWith("duckdb") ? "-"
              : String.format(Locale.ROOT, "%,.0f", r.rowsScored),
          r.label.equals("exact") || r.label.startsWith("duckdb") ? "-"
              : String.format(Locale.ROOT, "%.1f", r.listsProbed));
    }
    if (duckNote != null) {
      out.println("duckdb: " + duckNote);
    }
    out.println();
    out.printf(Locale.ROOT, "planning of a literal-vector query (Statement with ARRAY[...], "
        + "default nprobe):%n  first time:  prepare %.2f ms + execute %.2f ms (%.0f%% planning)%n"
        + "  repeated:    prepare %.2f ms + execute %.2f ms (%.0f%% planning; plan cache: "
        + "same query, other vector)%n%n",
        planning.get("firstPrepareMs"), planning.get("firstExecuteMs"),
        planning.get("firstPlanningPercent"), planning.get("repeatPrepareMs"),
        planning.get("repeatExecuteMs"), planning.get("repeatPlanningPercent"));
    out.println("recommendation: " + recommendation);
    return 0;
  }

  // ---------------------------------------------------------------------------------------

  /** The benchmark query; {@code nprobe} null means no hint (the connection's setting). */
  private String sql(Integer nprobe) {
    String hint = nprobe == null ? "" : "/*+ nprobe(" + nprobe + ") */ ";
    String dist = function + "(" + quote(column) + ", ?)";
    if (idColumn != null) {
      return "SELECT " + hint + quote(idColumn) + " FROM " + quote(table) + " ORDER BY " + dist
          + " LIMIT " + limit();
    }
    return "SELECT " + hint + dist + " AS dist FROM " + quote(table) + " ORDER BY dist LIMIT " + k;
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /** Runs the query for one vector; returns the ids (or distances) in rank order. */
  /** k, or k + 1 when each query's own row is held out (and dropped from the answer). */
  private int limit() {
    return holdOut ? k + 1 : k;
  }

  /** The answer without the query's own row, cut to k rows. */
  private Object[] withoutSelf(Object[] answer, Object self) {
    List<Object> kept = new ArrayList<>(answer.length);
    boolean dropped = false;
    for (Object o : answer) {
      if (!dropped && self != null
          && String.valueOf(normalizeId(o)).equals(String.valueOf(normalizeId(self)))) {
        dropped = true;
        continue;
      }
      kept.add(o);
    }
    return kept.subList(0, Math.min(k, kept.size())).toArray();
  }

  private static Object[] runQuery(PreparedStatement ps, float[] q) throws Exception {
    ps.setObject(1, q);
    List<Object> ids = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getObject(1));
      }
    }
    return ids.toArray();
  }

  private static long stat(java.util.function.ToLongFunction<SearchStats> f) {
    SearchStats s = VectorSearch.lastStats();
    return s == null ? 0 : f.applyAsLong(s);
  }

  /**
   * Share of a literal-vector query's time that is planning: prepare vs execute of the query
   * text with the vector as an ARRAY[...] literal. "First time" uses a query text the
   * connection has not planned before (a fresh column alias); "repeated" reuses one text with
   * other vectors, which the driver's plan cache answers without planning again.
   */
  private Json planning(Connection conn, float[][] qs) throws Exception {
    int samples = Math.min(qs.length, 5);
    int repeats = Math.min(qs.length, 10);
    double[] firstPrep = new double[samples];
    double[] firstExec = new double[samples];
    String nonce = Long.toString(System.nanoTime() % 1_000_000, 36);
    for (int i = 0; i < samples; i++) {
      progress("planning", i, samples + repeats);
      double[] t = literalQuery(conn, qs[i], "r_" + nonce + "_" + i);
      firstPrep[i] = t[0];
      firstExec[i] = t[1];
    }
    double[] prep = new double[repeats];
    double[] exec = new double[repeats];
    literalQuery(conn, qs[0], "r_" + nonce + "_rep");
    for (int i = 0; i < repeats; i++) {
      progress("planning", samples + i, samples + repeats);
      double[] t = literalQuery(conn, qs[i], "r_" + nonce + "_rep");
      prep[i] = t[0];
      exec[i] = t[1];
    }
    double fp = percentile(firstPrep, 50);
    double fe = percentile(firstExec, 50);
    double rp = percentile(prep, 50);
    double re = percentile(exec, 50);
    return new Json().put("firstPrepareMs", fp).put("firstExecuteMs", fe)
        .put("firstPlanningPercent", 100 * fp / (fp + fe)).put("repeatPrepareMs", rp)
        .put("repeatExecuteMs", re).put("repeatPlanningPercent", 100 * rp / (rp + re))
        .put("samplesFirst", samples).put("samplesRepeated", repeats);
  }

  private double[] literalQuery(Connection conn, float[] q, String alias) throws Exception {
    StringBuilder literal = new StringBuilder("ARRAY[");
    for (int i = 0; i < q.length; i++) {
      literal.append(i == 0 ? "" : ", ").append(decimal(q[i]));
    }
    literal.append(']');
    String select = idColumn != null ? quote(idColumn) : function + "(" + quote(column) + ", "
        + literal + ")";
    String sql = "SELECT " + select + " AS " + alias + " FROM " + quote(table) + " ORDER BY "
        + function + "(" + quote(column) + ", " + literal + ") LIMIT " + k;
    long t0 = System.nanoTime();
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      long t1 = System.nanoTime();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rs.getObject(1);
        }
      }
      long t2 = System.nanoTime();
      return new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6};
    }
  }

  private static String decimal(float f) {
    return new BigDecimal(Float.toString(f)).toPlainString();
  }

  /** DuckDB's exact query on the same file, timed the same way (warm-up, then all queries). */
  private Row duckdb(Path file, int dim, float[][] qs, Object[][] truth, double exactMedian)
      throws Exception {
    Row row = new Row();
    row.label = "duckdb exact";
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      String f = file.toString().replace("'", "''");
      String duckFunction = function;
      double[] ms = new double[qs.length];
      double recall = 0;
      int warm = Math.min(qs.length, 3);
      for (int pass = 0; pass < 2; pass++) {
        int n = pass == 0 ? warm : qs.length;
        for (int i = 0; i < n; i++) {
          progress(pass == 0 ? "duckdb w" : "duckdb", i, n);
          StringBuilder v = new StringBuilder("[");
          for (int j = 0; j < qs[i].length; j++) {
            v.append(j == 0 ? "" : ",").append(decimal(qs[i][j]));
          }
          v.append("]::FLOAT[").append(dim).append(']');
          String dist = duckFunction + "(\"" + column.replace("\"", "\"\"") + "\"::FLOAT[" + dim
              + "], " + v + ")";
          String sql = idColumn != null
              ? "SELECT \"" + idColumn + "\" FROM read_parquet('" + f + "') ORDER BY " + dist
                  + " LIMIT " + limit()
              : "SELECT " + dist + " AS dist FROM read_parquet('" + f + "') ORDER BY dist LIMIT "
                  + k;
          long t0 = System.nanoTime();
          List<Object> got = new ArrayList<>();
          try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
              got.add(rs.getObject(1));
            }
          }
          if (pass == 1) {
            ms[i] = (System.nanoTime() - t0) / 1e6;
            Object[] answer = got.toArray();
            recall += recall(holdOut ? withoutSelf(answer, selfIds[i]) : answer, truth[i]);
          }
        }
      }
      row.medianMs = percentile(ms, 50);
      row.p95Ms = percentile(ms, 95);
      row.recall = recall / qs.length;
      row.speedup = exactMedian / row.medianMs;
    }
    return row;
  }

  /**
   * Share of the exact top-k found. With an id column, ids are compared; without one, a result
   * counts when its distance is within the k-th exact distance (ties count as found).
   */
  private double recall(Object[] got, Object[] truth) {
    if (truth.length == 0) {
      return 1;
    }
    int hits = 0;
    if (idColumn != null) {
      Set<String> want = new HashSet<>();
      for (Object o : truth) {
        want.add(String.valueOf(normalizeId(o)));
      }
      for (Object o : got) {
        if (want.remove(String.valueOf(normalizeId(o)))) {
          hits++;
        }
      }
    } else {
      double kth = ((Number) truth[truth.length - 1]).doubleValue();
      double tolerance = Math.abs(kth) * 1e-5 + 1e-9;
      for (Object o : got) {
        if (o != null && ((Number) o).doubleValue() <= kth + tolerance) {
          hits++;
        }
      }
      hits = Math.min(hits, truth.length);
    }
    return (double) hits / truth.length;
  }

  private static Object normalizeId(Object o) {
    return o instanceof Number && !(o instanceof Float || o instanceof Double
        || o instanceof BigDecimal) ? ((Number) o).longValue() : o;
  }

  /** {@code n} non-NULL vectors from distinct rows drawn with {@code seed}, in row order. */
  private float[][] pickVectors(Path file, int n, long seed) throws Exception {
    try (VectorColumn vectors = VectorColumn.open(file, column)) {
      long rows = vectors.rowCount();
      if (rows == 0) {
        throw new CommandLine.UsageException(file + " has no rows");
      }
      int want = (int) Math.min(n, rows);
      Random random = new Random(seed);
      TreeMap<Long, float[]> chosen = new TreeMap<>();
      Set<Long> tried = new HashSet<>();
      // Draw candidate rows, read their row groups, keep non-NULL ones; redraw for NULLs.
      while (chosen.size() < want && tried.size() < rows) {
        TreeMap<Integer, List<Long>> byGroup = new TreeMap<>();
        int need = want - chosen.size();
        for (int i = 0; i < need && tried.size() < rows; ) {
          long r = Math.floorMod(random.nextLong(), rows);
          if (tried.add(r)) {
            byGroup.computeIfAbsent(vectors.rowGroupOf(r), g -> new ArrayList<>()).add(r);
            i++;
          }
        }
        for (Map.Entry<Integer, List<Long>> e : byGroup.entrySet()) {
          VectorBatch batch = vectors.readRowGroup(e.getKey());
          long first = vectors.rowGroupFirstRow(e.getKey());
          for (long r : e.getValue()) {
            int i = (int) (r - first);
            if (!batch.isNull(i) && batch.length(i) > 0) {
              chosen.put(r, Arrays.copyOfRange(batch.values(), batch.offset(i),
                  batch.offset(i) + batch.length(i)));
            }
          }
        }
      }
      if (chosen.isEmpty()) {
        throw new CommandLine.UsageException(file + ": column " + column + " has no vectors");
      }
      return chosen.values().toArray(new float[0][]);
    }
  }

  /** Builds the index in this JVM, sampling heap use while it runs. */
  private Json build(Path file, Metric metric, int lists, long seed) throws Exception {
    List<MemoryPoolMXBean> pools = new ArrayList<>();
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        p.resetPeakUsage();
        pools.add(p);
      }
    }
    System.gc();
    Runtime rt = Runtime.getRuntime();
    long baseline = rt.totalMemory() - rt.freeMemory();
    AtomicLong peak = new AtomicLong(baseline);
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "bench-heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
    BuildReport r;
    try {
      r = IvfIndexBuilder.forFile(file).column(column).metric(metric).lists(lists).seed(seed)
          .progress(bar != null ? bar : (p, d, t) -> { }).build();
    } finally {
      sampler.interrupt();
      sampler.join();
    }
    long poolPeak = 0;
    for (MemoryPoolMXBean p : pools) {
      poolPeak += p.getPeakUsage().getUsed();
    }
    clearProgress();
    return new Json().put("seconds", r.seconds()).put("trainSeconds", r.trainSeconds())
        .put("lists", r.lists()).put("trainingRows", r.trainingRows())
        .put("bytesBefore", r.bytesBefore()).put("bytesAfter", r.bytesAfter())
        .put("bytesAdded", r.bytesAfter() - r.bytesBefore()).put("indexBytes", r.indexBytes())
        .put("peakHeapBytes", peak.get()).put("heapBeforeBytes", baseline)
        .put("heapPoolPeakSumBytes", poolPeak).put("maxHeapBytes", rt.maxMemory());
  }

  /**
   * Writes a search-friendly copy of {@code in} through the {@code rewrite} command (branch
   * {@code rewrite}) and returns its duration in seconds.
   *
   * <p>HOOK(rewrite): this calls the command through {@link Main#run} so that it works as soon as
   * {@code rewrite <in> <out> --column c} lands in Main, with no change here. Until then the
   * command is unknown and bench says so.
   */
  private double rewrite(Path in, Path target) throws Exception {
    if (!target.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".parquet")) {
      throw new CommandLine.UsageException("--rewrite expects a *.parquet output file");
    }
    Files.createDirectories(target.getParent());
    Files.deleteIfExists(target);
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
    long t0 = System.nanoTime();
    int code = Main.run(new String[] {"rewrite", in.toString(), target.toString(), "--column",
        column}, capture, capture);
    double seconds = (System.nanoTime() - t0) / 1e9;
    String text = captured.toString(StandardCharsets.UTF_8);
    if (code != 0) {
      if (text.contains("unknown command 'rewrite'")) {
        throw new RewriteUnavailable();
      }
      throw new IllegalStateException("rewrite failed (exit " + code + "): " + text.trim());
    }
    return seconds;
  }

  /** The {@code rewrite} command is not in this build. */
  static final class RewriteUnavailable extends Exception {
    RewriteUnavailable() {
      super("this build has no `rewrite` command yet (it is being added on branch rewrite);"
          + " benchmark the file in place instead");
    }
  }

  private void progress(String phase, long done, long total) {
    if (bar != null) {
      bar.update(phase, done, total);
    }
  }

  private void clearProgress() {
    if (bar != null) {
      err.print("\r" + " ".repeat(70) + "\r");
      err.flush();
    }
  }

  private static double percentile(double[] values, double p) {
    double[] s = values.clone();
    Arrays.sort(s);
    if (s.length == 0) {
      return Double.NaN;
    }
    if (p == 50) {
      int m = s.length / 2;
      return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }
    int idx = (int) Math.ceil(p / 100.0 * s.length) - 1;
    return s[Math.max(0, Math.min(s.length - 1, idx))];
  }

  private static double doubleOption(CommandLine cl, String name, double fallback)
      throws CommandLine.UsageException {
    String v = cl.option(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new CommandLine.UsageException(name + " expects a number but got '" + v + "'");
    }
  }

  private static String fmt(double d) {
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }

  private static Json rowJson(Row r) {
    return new Json().put("plan", r.label).put("nprobe", r.nprobe).put("recall", r.recall)
        .put("medianMs", r.medianMs).put("p95Ms", r.p95Ms).put("speedup", r.speedup)
        .put("rowsScoredPerQuery", r.rowsScored).put("listsProbedPerQuery", r.listsProbed);
  }

  /** A report object: insertion-ordered fields, written as JSON by Jackson. */
  static final class Json {
    private static final ObjectMapper MAPPER =
        JsonMapper.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();
    private final Map<String, Object> fields = new LinkedHashMap<>();

    Json put(String key, Object value) {
      fields.put(key, value);
      return this;
    }

    Object get(String key) {
      return fields.get(key);
    }

    @Override public String toString() {
      try {
        return MAPPER.writeValueAsString(plain(this));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot write the report as JSON", e);
      }
    }

    /** Nested reports as maps, floats to four decimals, NaN and infinities as null. */
    private static Object plain(Object v) {
      if (v instanceof Json json) {
        Map<String, Object> out = new LinkedHashMap<>();
        json.fields.forEach((k, value) -> out.put(k, plain(value)));
        return out;
      }
      if (v instanceof List<?> list) {
        return list.stream().map(Json::plain).collect(java.util.stream.Collectors.toList());
      }
      if (v instanceof Double || v instanceof Float) {
        double d = ((Number) v).doubleValue();
        return Double.isFinite(d)
            ? BigDecimal.valueOf(Math.round(d * 1e4) / 1e4).stripTrailingZeros() : null;
      }
      return v instanceof Number || v instanceof Boolean || v == null ? v : v.toString();
    }
  }
}
