package io.pqvector.cli;

import io.pqvector.calcite.function.TextEmbedder;
import io.pqvector.calcite.function.TextEmbeddings;
import io.pqvector.ivf.BuildReport;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.parquet.VectorColumnAppender;
import io.pqvector.vector.Metric;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code embed <in.parquet|dir> <out.parquet|dir> --text-column <name> [--column embedding]
 * [--model <dir>] [--batch N] [--threads N] [--index]}: writes a copy of each file with an
 * embedding column computed from a text column, by the same model and code path as the SQL
 * function {@code embed()} (documents get the model's document prefix, queries its query
 * prefix; the default model has neither). The model comes from the optional pqvector-embed.jar.
 */
@Command(name = "embed", description = "add an embedding column (needs pqvector-embed.jar)")
final class EmbedCommand extends CliCommand {
  @Parameters(index = "0", paramLabel = "<in.parquet|dir>", description = "the input")
  String input;

  @Parameters(index = "1", paramLabel = "<out.parquet|dir>", description = "the copy to write")
  String output;

  @Option(names = "--text-column", paramLabel = "<name>",
      description = "the text to embed (required)")
  String textColumn;

  @Option(names = "--column", paramLabel = "<name>", defaultValue = "embedding",
      description = "the embedding column to add (default: ${DEFAULT-VALUE})")
  String column;

  @Option(names = "--model", paramLabel = "<dir>",
      description = "a model directory (default: all-MiniLM-L6-v2 from pqvector-embed.jar)")
  String modelDir;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "32",
      description = "texts per model call (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
      description = "model calls in parallel (default: ${DEFAULT-VALUE})")
  int threads;

  @Option(names = "--index", description = "then build a cosine IVF index on the new column")
  boolean index;

  @Option(names = "--lists", paramLabel = "N", defaultValue = "0",
      description = "IVF lists for --index; 0 chooses about sqrt(rows) (default)")
  int lists;

  @Option(names = "--no-progress", description = "no progress bar on the terminal")
  boolean noProgress;

  EmbedCommand(Streams streams) {
    super(streams);
  }

  @Override String missingArguments() {
    return "expected an input and an output: embed <in.parquet|dir> <out.parquet|dir>"
        + " --text-column <name>";
  }

  @Override public Integer call() throws Exception {
    if (textColumn == null) {
      throw new UsageException("--text-column <name> is required (the text to embed)");
    }
    if (batch < 1 || threads < 1) {
      throw new UsageException("--batch and --threads must be at least 1");
    }
    boolean progressBar = !noProgress && System.console() != null;
    PrintStream out = out();
    PrintStream err = err();
    Path in = Paths.get(input);
    Path target = Paths.get(output);
    List<Path> inputs = IndexCommand.parquetFiles(in);
    boolean directory = Files.isDirectory(in);
    TextEmbedder model = TextEmbeddings.model(modelDir);
    ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "pqvector-embed");
      t.setDaemon(true);
      return t;
    }) : null;
    try {
      for (Path file : inputs) {
        Path output = directory ? target.resolve(in.relativize(file).toString()) : target;
        String label = file.getFileName().toString();
        long start = System.nanoTime();
        VectorColumnAppender.Report r = VectorColumnAppender.copy(file, output, textColumn,
            column, model.dimension(), batch,
            Map.of(TextEmbeddings.footerKey(column), model.modelName()),
            texts -> embed(model, texts, pool, threads),
            progressBar ? (done, total) -> progress(label, done, total, start) : (d, t) -> { });
        if (progressBar) {
          err.print("\r" + " ".repeat(78) + "\r");
          err.flush();
        }
        out.printf(Locale.ROOT, "embedded %s -> %s: %,d rows (%,d vectors, %,d NULL) with %s,"
                + " %d dims, %.2f s, %,.0f rows/s%n", file, output, r.rows(), r.vectors(),
            r.nulls(), model.modelName(), r.dimension(), r.seconds(),
            r.rows() / Math.max(1e-9, r.seconds()));
        if (index) {
          BuildReport b = IvfIndexBuilder.forFile(output).column(column).metric(Metric.COSINE)
              .lists(lists).threads(Runtime.getRuntime().availableProcessors())
              .progress(progressBar ? new ProgressBar(err, output.getFileName().toString())
                  : (p, d, t) -> { })
              .build();
          out.println(IndexCommand.summary(b));
        }
      }
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
    return 0;
  }

  /** A batch split into one slice per thread; the vectors come back in the texts' order. */
  private static float[][] embed(TextEmbedder model, List<String> texts, ExecutorService pool,
      int threads) throws IOException {
    if (pool == null || texts.size() < 2) {
      return model.embed(texts, false);
    }
    int slices = Math.min(threads, texts.size());
    List<Future<float[][]>> parts = new ArrayList<>(slices);
    for (int s = 0; s < slices; s++) {
      List<String> slice = texts.subList(s * texts.size() / slices,
          (s + 1) * texts.size() / slices);
      parts.add(pool.submit(() -> model.embed(slice, false)));
    }
    float[][] result = new float[texts.size()][];
    int at = 0;
    try {
      for (Future<float[][]> part : parts) {
        for (float[] v : part.get()) {
          result[at++] = v;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      throw new IOException(cause.getMessage(), cause);
    }
    return result;
  }

  private void progress(String label, long done, long total, long startNanos) {
    int width = 30;
    int filled = total <= 0 ? width : (int) (width * Math.min(1.0, (double) done / total));
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    err().printf(Locale.ROOT, "\r%s embedding [%s%s] %3d%% %,.0f rows/s", label,
        "#".repeat(filled), " ".repeat(width - filled),
        total <= 0 ? 100 : (int) (100.0 * done / total), done / Math.max(1e-9, seconds));
    err().flush();
  }
}
