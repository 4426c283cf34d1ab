package io.pqvector.cli;

import io.pqvector.ivf.IndexBuildException;
import io.pqvector.ivf.TrainingOptions;
import io.pqvector.rewrite.RewriteReport;
import io.pqvector.rewrite.SearchLayoutRewriter;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rewrite <in> <out> --column <name> [--metric l2|cosine|dot] [--lists N] [--seed S]
 * [--force]}: writes a copy of {@code <in>} laid out for IVF search, with its index inside.
 */
@Command(name = "rewrite", description = "write an indexed copy laid out for search")
final class RewriteCommand extends CliCommand {
  @Parameters(index = "0", paramLabel = "<in>", description = "the Parquet file to copy")
  String input;

  @Parameters(index = "1", paramLabel = "<out>", description = "the copy to write")
  String output;

  @Mixin IndexOptions indexOptions;

  @Option(names = "--force", description = "replace <out> if it exists")
  boolean force;

  @Option(names = "--memory-mb", paramLabel = "N", defaultValue = "0",
      description = "memory for ordering rows by list; default a quarter of the heap, between 64 MiB and 1 GiB")
  int memoryMb;

  RewriteCommand(Streams streams) {
    super(streams);
  }

  @Override String missingArguments() {
    return "expected an input and an output file: rewrite <in> <out> --column <name>";
  }

  @Override public Integer call() throws Exception {
    Path in = Paths.get(input);
    Path target = Paths.get(output);
    TrainingOptions training = indexOptions.training(String.valueOf(in.getFileName()), err());
    if (memoryMb < 0) {
      throw new UsageException("--memory-mb must be positive");
    }
    SearchLayoutRewriter rewriter = SearchLayoutRewriter.from(in).to(target).training(training)
        .force(force);
    if (memoryMb > 0) {
      rewriter.memoryBudget((long) memoryMb << 20);
    }
    try {
      out().println(summary(rewriter.rewrite()));
      return 0;
    } catch (IndexBuildException e) {
      err().println("pqvector rewrite: " + e.getMessage());
      return 1;
    }
  }

  static String summary(RewriteReport r) {
    return String.format(Locale.ROOT,
        "rewrote %s -> %s for column %s: %,d rows (%,d vectors of %d dims), %d lists, metric %s, "
            + "%d k-means iterations on %,d samples, %d pass(es), %d row group(s), %.2f s "
            + "(training %.2f s), index %,d bytes, %,d -> %,d bytes",
        r.input(), r.output(), r.column(), r.rows(), r.indexed(), r.dimension(), r.lists(),
        r.metric().id(), r.iterations(), r.trainingRows(), r.passes(), r.rowGroups(), r.seconds(),
        r.trainSeconds(), r.indexBytes(), r.bytesIn(), r.bytesOut())
        + "\n  " + IndexCommand.calibration(r.calibration());
  }
}
