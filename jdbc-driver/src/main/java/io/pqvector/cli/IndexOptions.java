package io.pqvector.cli;

import io.pqvector.vector.Metric;

/**
 * The index options {@code index} and {@code rewrite} share: {@code --column}, {@code --metric},
 * {@code --lists}, {@code --seed}, {@code --threads}, and whether to draw a progress bar.
 */
record IndexOptions(String column, Metric metric, int lists, long seed, int threads,
    boolean progressBar) {
  /** The option names, for {@link CommandLine#allowOnly}. */
  static final String[] NAMES = {"--column", "--metric", "--lists", "--seed", "--threads",
      "--no-progress"};

  static IndexOptions parse(CommandLine cl) throws CommandLine.UsageException {
    String column = cl.option("--column", null);
    if (column == null) {
      throw new CommandLine.UsageException("--column <name> is required (the vector column)");
    }
    Metric metric;
    try {
      metric = Metric.fromId(cl.option("--metric", "l2"));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.UsageException(e.getMessage());
    }
    int lists = cl.intOption("--lists", 0);
    if (lists < 0) {
      throw new CommandLine.UsageException("--lists must be positive (or 0 for automatic)");
    }
    int threads = cl.intOption("--threads", Runtime.getRuntime().availableProcessors());
    if (threads < 1) {
      throw new CommandLine.UsageException("--threads must be at least 1");
    }
    return new IndexOptions(column, metric, lists, cl.intOption("--seed", 42), threads,
        !cl.flag("--no-progress") && System.console() != null);
  }
}
