package io.pqvector.cli;

import io.pqvector.ivf.IndexBuildException;
import io.pqvector.rewrite.RewriteReport;
import io.pqvector.rewrite.SearchLayoutRewriter;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * {@code rewrite <in> <out> --column <name> [--metric l2|cosine|dot] [--lists N] [--seed S]
 * [--force]}: writes a copy of {@code <in>} laid out for IVF search, with its index inside.
 */
final class RewriteCommand {
  private final PrintStream out;
  private final PrintStream err;

  RewriteCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  int run(CommandLine cl) throws Exception {
    cl.allowOnly(IndexOptions.NAMES, "--force", "--memory-mb");
    if (cl.positionals().size() != 2) {
      throw new CommandLine.UsageException(
          "expected an input and an output file: rewrite <in> <out> --column <name>");
    }
    IndexOptions options = IndexOptions.parse(cl);
    int memoryMb = cl.intOption("--memory-mb", 0);
    if (memoryMb < 0) {
      throw new CommandLine.UsageException("--memory-mb must be positive");
    }
    Path in = Paths.get(cl.positionals().get(0));
    Path target = Paths.get(cl.positionals().get(1));
    SearchLayoutRewriter rewriter = SearchLayoutRewriter.from(in).to(target)
        .column(options.column()).metric(options.metric()).lists(options.lists())
        .seed(options.seed()).threads(options.threads()).force(cl.flag("--force"))
        .progress(options.progressBar()
            ? new ProgressBar(err, in.getFileName().toString()) : (p, d, t) -> { });
    if (memoryMb > 0) {
      rewriter.memoryBudget((long) memoryMb << 20);
    }
    try {
      out.println(summary(rewriter.rewrite()));
      return 0;
    } catch (IndexBuildException e) {
      err.println("pqvector rewrite: " + e.getMessage());
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
