package io.pqvector.cli;

import io.pqvector.ivf.BuildProgress;
import io.pqvector.ivf.TrainingOptions;
import io.pqvector.vector.Metric;
import java.io.PrintStream;
import picocli.CommandLine.Option;

/**
 * The index options {@code index} and {@code rewrite} share (a picocli mixin): {@code --column},
 * {@code --metric}, {@code --lists}, {@code --seed}, {@code --threads}, {@code --no-progress}.
 */
final class IndexOptions {
  @Option(names = "--column", paramLabel = "<name>", description = "the vector column (required)")
  String column;

  @Option(names = "--metric", paramLabel = "l2|cosine|dot", defaultValue = "l2",
      description = "distance the index is for (default: ${DEFAULT-VALUE})")
  String metricId;

  @Option(names = "--lists", paramLabel = "N", defaultValue = "0",
      description = "IVF lists; 0 chooses about sqrt(rows) (default)")
  int lists;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
      description = "k-means seed (default: ${DEFAULT-VALUE})")
  int seed;

  @Option(names = "--threads", paramLabel = "N",
      description = "threads for training and assignment (default: the processors)")
  Integer threads;

  @Option(names = "--no-progress", description = "no progress bar on the terminal")
  boolean noProgress;

  /**
   * The checked options as the library takes them; progress goes to a bar labelled
   * {@code label} on {@code terminal} when there is a console and no --no-progress.
   */
  TrainingOptions training(String label, PrintStream terminal) throws UsageException {
    if (column == null) {
      throw new UsageException("--column <name> is required (the vector column)");
    }
    Metric metric;
    try {
      metric = Metric.fromId(metricId);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (lists < 0) {
      throw new UsageException("--lists must be positive (or 0 for automatic)");
    }
    int threadCount = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (threadCount < 1) {
      throw new UsageException("--threads must be at least 1");
    }
    return TrainingOptions.defaults().withColumn(column).withMetric(metric).withLists(lists)
        .withSeed(seed).withThreads(threadCount)
        .withProgress(!noProgress && System.console() != null
            ? new ProgressBar(terminal, label) : BuildProgress.NONE);
  }
}
