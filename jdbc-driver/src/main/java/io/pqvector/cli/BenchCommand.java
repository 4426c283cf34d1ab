package io.pqvector.cli;

import io.pqvector.calcite.search.SearchSettings;
import io.pqvector.format.IvfIndexFormat;
import io.pqvector.ivf.FileIndex;
import io.pqvector.ivf.IvfProbe;
import io.pqvector.jdbc.ConnectionSettings;
import io.pqvector.parquet.ParquetFiles;
import io.pqvector.parquet.appendix.ParquetAppendix;
import io.pqvector.storage.HttpObjectStore;
import io.pqvector.vector.Metric;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bench <file> --column <name> ...}: measures recall@k and latency of IVF search against
 * the exact plan on one Parquet file, per nprobe, through the JDBC driver as a user would run it,
 * and recommends the smallest nprobe that reaches a target recall. This class reads and checks
 * the options and puts the run together: {@link BenchWorkload} is what is asked,
 * {@link BenchMeasurement} runs and times it, {@link BenchReport} is what comes out.
 */
@Command(name = "bench", description = "recall and latency of IVF search per nprobe")
final class BenchCommand extends CliCommand {
  @Parameters(paramLabel = "<file>",
      description = "the Parquet file to measure, or s3://bucket/prefix/x.parquet")
  String fileName;

  @Mixin S3Options s3;

  @Option(names = "--column", paramLabel = "<name>", description = "the vector column (required)")
  String column;

  @Option(names = "--queries", paramLabel = "N", defaultValue = "100",
      description = "query vectors (default: ${DEFAULT-VALUE})")
  int queries;

  @Option(names = "--k", paramLabel = "K", defaultValue = "10",
      description = "rows per answer; recall is recall@k (default: ${DEFAULT-VALUE})")
  int k;

  @Option(names = "--nprobe", paramLabel = "N,N,...", defaultValue = "1,2,5,10,20,50",
      description = "nprobe values to measure (default: ${DEFAULT-VALUE})")
  String nprobeList;

  @Option(names = "--target-recall", paramLabel = "R", defaultValue = "0.95",
      description = "recall the recommended nprobe must reach (default: ${DEFAULT-VALUE})")
  double targetRecall;

  @Option(names = "--queries-from", paramLabel = "<file2>",
      description = "draw query vectors from this file (default: the file itself, each query's"
          + " own row held out)")
  String queriesFrom;

  @Option(names = "--noise", paramLabel = "F", defaultValue = "0",
      description = "add Gaussian noise of F x each query's RMS component")
  double noise;

  @Option(names = "--json", description = "print the report as JSON")
  boolean json;

  @Option(names = "--duckdb", description = "also time DuckDB's exact query (needs duckdb_jdbc.jar"
      + " on the class path)")
  boolean duckdb;

  @Option(names = "--cache-size", paramLabel = "0|512m", defaultValue = "0",
      description = "the page cache of the measured connection (default: ${DEFAULT-VALUE}, off)")
  String cacheSize;

  @Option(names = "--build", description = "build the index first, measuring time and heap")
  boolean build;

  @Option(names = "--lists", paramLabel = "N", defaultValue = "0",
      description = "IVF lists for --build; 0 chooses about sqrt(rows) (default)")
  int lists;

  @Option(names = "--metric", paramLabel = "l2|cosine|dot", defaultValue = "l2",
      description = "the index's metric (default: ${DEFAULT-VALUE})")
  String metricId;

  @Option(names = "--id", paramLabel = "<col>",
      description = "the id column answers are compared by (default: id, if there is one)")
  String idColumn;

  @Option(names = "--rewrite", paramLabel = "<out-file>",
      description = "measure a copy written by rewrite to this file")
  String rewriteTo;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
      description = "seed for drawing queries and for --build (default: ${DEFAULT-VALUE})")
  int seed;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "-1",
      description = "warm-up queries per configuration (default: all; 3 for the exact plan)")
  int warmup;

  @Option(names = "--no-progress", description = "no progress bar on the terminal")
  boolean noProgress;

  @Option(names = "--literal", description = "time each query as SQL text with the vector as an"
      + " ARRAY[...] literal, run through a Statement (what a SQL console sends), instead of a"
      + " PreparedStatement with the vector bound to ?")
  boolean literal;

  BenchCommand(Streams streams) {
    super(streams);
  }

  @Override String missingArguments() {
    return "expected one Parquet file: bench <file> --column <name>";
  }

  @Override public Integer call() throws Exception {
    String s3Settings = s3.urlSuffix();
    Path file = S3Options.path(fileName, s3Settings);
    if (!Files.isRegularFile(file) || !file.getFileName().toString().toLowerCase(Locale.ROOT)
        .endsWith(".parquet")) {
      throw new UsageException("no such Parquet file (*.parquet): " + file);
    }
    if (column == null) {
      throw new UsageException("--column <name> is required (the vector column)");
    }
    if (queries < 1 || k < 1) {
      throw new UsageException("--queries and --k must be at least 1");
    }
    List<Integer> nprobes = nprobes();
    Metric metric;
    try {
      metric = Metric.fromId(metricId);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    ProgressBar bar = !json && !noProgress && System.console() != null
        ? new ProgressBar(err(), "bench") : null;

    // --- the file and its index: rewritten, built, or required ---
    BenchReport.Rewrite rewrite = null;
    if (rewriteTo != null) {
      Path copy = Paths.get(rewriteTo).toAbsolutePath().normalize();
      rewrite = BenchIndex.rewrite(file, copy, column, metric);
      file = copy;
    }
    BenchReport.Build built = null;
    if (build) {
      built = BenchIndex.build(file, column, metric, lists, seed,
          bar != null ? bar : (p, d, t) -> { });
      clear(bar);
    }
    ParquetMetadata footer = ParquetFiles.readFooter(file);
    FileIndex index = FileIndex.load(file, footer, column);
    if (index.status() != FileIndex.Status.OK) {
      throw new UsageException((index.problem() == null ? "no usable index" : index.problem())
          + "\n  build one first:  java -jar pqvector.jar index " + file + " --column " + column
          + (metric == Metric.L2 ? "" : " --metric " + metric.id())
          + "\n  or let bench build it:  add --build");
    }
    if (index.metric() != metric) {
      throw new UsageException("the index of " + column + " is for metric "
          + index.metric().id() + "; pass --metric " + index.metric().id());
    }
    int listCount = index.index().listCount();
    int dim = index.index().dimension();
    byte[] payload = ParquetAppendix.read(file, IvfIndexFormat.footerKey(column));
    long indexBytes = payload == null ? 0 : payload.length;
    long fileBytes = Files.size(file);
    long rowCount = footer.getBlocks().stream().mapToLong(b -> b.getRowCount()).sum();
    // What a default connection probes for this k: the index's recall curve at recall 0.95
    // (the formula for an index without a curve); with --queries-from, the curve may not hold.
    int defaultNprobe = index.index().recallCurve()
        .map(c -> c.nprobeFor(k, SearchSettings.DEFAULT_RECALL))
        .orElse(IvfProbe.defaultNprobe(listCount));
    String ids = idColumn;
    if (ids == null && footer.getFileMetaData().getSchema().containsField("id")) {
      ids = "id";
    }

    BenchWorkload workload = workload(file, metric, ids, dim);
    BenchMeasurement measurement = new BenchMeasurement(workload, bar, err(), literal);
    String url = "jdbc:pqvector:" + (HttpObjectStore.isHttp(fileName) ? fileName : file.getParent())
        + s3Settings;
    long cacheBytes = ConnectionSettings.parseBytes(cacheSize);
    BenchMeasurement.Results measured;
    BenchReport.Planning planning;
    try (Connection exactConn = DriverManager.getConnection(url + ";useIndex=false;cacheSize=0");
        Connection conn = DriverManager.getConnection(url + ";cacheSize=" + cacheSize)) {
      measured = measurement.configurations(exactConn, conn, nprobes, defaultNprobe, warmup);
      planning = measurement.planning(conn);
    }
    Object duck = null;
    if (duckdb) {
      try {
        Class.forName("org.duckdb.DuckDBDriver");
        duck = measurement.duckdb(dim, measured);
      } catch (ClassNotFoundException e) {
        duck = new BenchReport.DuckdbError("DuckDB's JDBC driver is not on the classpath; add it"
            + " with\n  java -cp pqvector.jar:duckdb_jdbc.jar io.pqvector.cli.Main bench ...\n"
            + "  (duckdb_jdbc.jar: Maven org.duckdb:duckdb_jdbc)");
      }
    }
    measurement.clearProgress();

    BenchReport.Row best = null;
    for (BenchReport.Row r : measured.rows()) {
      if (r.nprobe() != null && r.recall() >= targetRecall
          && (best == null || r.nprobe() < best.nprobe())) {
        best = r;
      }
    }
    BenchReport report = new BenchReport(rewrite, file.toString(), column, rowCount, dim,
        metric.id(), k, workload.queries.length, workload.source, warmup, cacheSize, cacheBytes,
        new BenchReport.Index(listCount, dim, indexBytes, fileBytes,
            100.0 * indexBytes / fileBytes, defaultNprobe),
        built, measured.exact(), measured.rows(), planning, duck, targetRecall,
        best == null ? null : best.nprobe(),
        recommendation(best, measured.rows(), file.getParent(), defaultNprobe, listCount),
        literal);
    if (json) {
      out().println(report.json());
    } else {
      report.printText(out());
    }
    return 0;
  }

  private List<Integer> nprobes() throws UsageException {
    List<Integer> nprobes = new ArrayList<>();
    for (String s : nprobeList.split(",")) {
      try {
        int n = Integer.parseInt(s.trim());
        if (n < 1) {
          throw new NumberFormatException();
        }
        nprobes.add(n);
      } catch (NumberFormatException e) {
        throw new UsageException("--nprobe expects positive whole numbers separated"
            + " by commas, e.g. 1,2,5,10, but got '" + s + "'");
      }
    }
    return nprobes;
  }

  /** The query vectors: rows of the file (held out) or of --queries-from, maybe with noise. */
  private BenchWorkload workload(Path file, Metric metric, String ids, int dim) throws Exception {
    String source;
    float[][] qs;
    boolean holdOut = false;
    if (queriesFrom != null) {
      Path other = Paths.get(queriesFrom).toAbsolutePath().normalize();
      qs = BenchWorkload.pickVectors(other, column, queries, seed);
      source = qs.length + " vectors from " + other + " (rows drawn with seed " + seed + ")"
          + (noise > 0 ? "" : "; when that file holds the same data, each query's nearest hit"
              + " is itself");
    } else {
      qs = BenchWorkload.pickVectors(file, column, queries, seed);
      holdOut = noise == 0 && ids != null;
      source = qs.length + " vectors taken from the file itself (rows drawn with seed " + seed
          + ")" + (holdOut ? ", held out: each query's own row is left out of its results and"
              + " of the ground truth" : noise > 0 ? "" : ": each query's nearest hit is itself");
    }
    if (noise > 0) {
      BenchWorkload.addNoise(qs, noise, seed + 1);
      source += ", plus Gaussian noise of " + noise + " x each vector's RMS component";
    }
    for (float[] q : qs) {
      if (q.length != dim) {
        throw new UsageException("query vectors have " + q.length
            + " dimensions but the index has " + dim);
      }
    }
    return new BenchWorkload(file, column, metric, ids, k, qs, source, holdOut);
  }

  private String recommendation(BenchReport.Row best, List<BenchReport.Row> rows, Path dir,
      int defaultNprobe, int listCount) {
    BenchReport.Row dflt = rows.get(rows.size() - 1);
    if (best != null) {
      return String.format(Locale.ROOT, "nprobe=%d is the smallest tested value with "
          + "recall@%d >= %s (%.3f, %.2f ms median, %.1fx the exact plan's speed); set it per "
          + "connection with jdbc:pqvector:%s;nprobe=%d or per query with SELECT /*+ nprobe(%d) */"
          + " ... (the default for this index is %d, recall %.3f)", best.nprobe(), k,
          plain(targetRecall), best.recall(), best.medianMs(), best.speedup(), dir, best.nprobe(),
          best.nprobe(), defaultNprobe, dflt.recall());
    }
    return String.format(Locale.ROOT, "no tested nprobe reached recall@%d >= %s (best"
        + " %.3f); try larger values with --nprobe (the index has %d lists; nprobe=%d searches "
        + "every list)", k, plain(targetRecall), rows.stream().mapToDouble(r -> r.recall())
        .max().orElse(0), listCount, listCount);
  }

  private void clear(ProgressBar bar) {
    if (bar != null) {
      err().print("\r" + " ".repeat(70) + "\r");
      err().flush();
    }
  }

  private static String plain(double d) {
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }
}
