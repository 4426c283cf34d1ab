package io.pqvector.ivf;

import io.pqvector.vector.Metric;

/**
 * How an index is trained: which column, the metric, the number of lists (0 chooses from the
 * row count), the k-means seed, iterations and threads, and where progress goes. Both
 * {@link IvfIndexBuilder} and the rewrite to the search layout train with these, so the same
 * options give the same lists.
 */
public record TrainingOptions(String column, Metric metric, int lists, long seed, int iterations,
    int threads, BuildProgress progress) {
  public static final long DEFAULT_SEED = 42;
  public static final int DEFAULT_ITERATIONS = 20;

  public static TrainingOptions defaults() {
    return new TrainingOptions(null, Metric.L2, 0, DEFAULT_SEED, DEFAULT_ITERATIONS,
        Runtime.getRuntime().availableProcessors(), BuildProgress.NONE);
  }

  public TrainingOptions withColumn(String column) {
    return new TrainingOptions(column, metric, lists, seed, iterations, threads, progress);
  }

  public TrainingOptions withMetric(Metric metric) {
    return new TrainingOptions(column, metric, lists, seed, iterations, threads, progress);
  }

  public TrainingOptions withLists(int lists) {
    return new TrainingOptions(column, metric, lists, seed, iterations, threads, progress);
  }

  public TrainingOptions withSeed(long seed) {
    return new TrainingOptions(column, metric, lists, seed, iterations, threads, progress);
  }

  public TrainingOptions withIterations(int iterations) {
    return new TrainingOptions(column, metric, lists, seed, iterations, threads, progress);
  }

  public TrainingOptions withThreads(int threads) {
    return new TrainingOptions(column, metric, lists, seed, iterations, Math.max(1, threads),
        progress);
  }

  public TrainingOptions withProgress(BuildProgress progress) {
    return new TrainingOptions(column, metric, lists, seed, iterations, threads, progress);
  }

  /** Fails unless a column is named. */
  public void requireColumn() {
    if (column == null || column.isEmpty()) {
      throw new IllegalArgumentException("no column given");
    }
  }
}
