package io.pqvector.cli;

import io.pqvector.ivf.IndexBuildException;
import io.pqvector.ivf.TrainingOptions;
import io.pqvector.rewrite.RewriteReport;
import io.pqvector.rewrite.SearchLayoutRewriter;
import io.pqvector.storage.ObjectFileSystem;
import io.pqvector.storage.s3.S3Tables;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rewrite <in> <out> --column <name> [--metric l2|cosine|dot] [--lists N] [--seed S]
 * [--force]}: writes a copy of {@code <in>} laid out for IVF search, with its index inside.
 * Either side may be an object ({@code s3://bucket/key}): the input is read by ranged reads, the
 * output written to a local temporary file, then uploaded (replacing an existing object only
 * with {@code --force}, as for files).
 */
@Command(name = "rewrite", description = "write an indexed copy laid out for search")
final class RewriteCommand extends CliCommand {
  @Parameters(index = "0", paramLabel = "<in>", description = "the Parquet file to copy (or s3://bucket/key)")
  String input;

  @Parameters(index = "1", paramLabel = "<out>", description = "the copy to write (or s3://bucket/key)")
  String output;

  @Mixin IndexOptions indexOptions;

  @Mixin S3Options s3;

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
    String s3Settings = s3.urlSuffix();
    Path in = S3Tables.isS3(input) ? S3Options.path(input, s3Settings) : Paths.get(input);
    TrainingOptions training = indexOptions.training(String.valueOf(in.getFileName()), err());
    if (memoryMb < 0) {
      throw new UsageException("--memory-mb must be positive");
    }
    if (S3Tables.isS3(output)) {
      return rewriteToObject(in, training, s3Settings);
    }
    try {
      out().println(summary(rewriter(in, Paths.get(output), training).rewrite()));
      return 0;
    } catch (IndexBuildException e) {
      err().println("pqvector rewrite: " + e.getMessage());
      return 1;
    }
  }

  private SearchLayoutRewriter rewriter(Path in, Path target, TrainingOptions training) {
    SearchLayoutRewriter rewriter = SearchLayoutRewriter.from(in).to(target).training(training)
        .force(force);
    if (memoryMb > 0) {
      rewriter.memoryBudget((long) memoryMb << 20);
    }
    return rewriter;
  }

  /**
   * The copy written to a local temporary file, then uploaded as the object {@code output}. As
   * for a file: never over the input, and over an existing object only with --force (checked
   * before the work and again when the upload completes).
   */
  private int rewriteToObject(Path in, TrainingOptions training, String s3Settings) throws Exception {
    int slash = output.indexOf('/', S3Tables.SCHEME.length());
    String key = slash < 0 ? "" : output.substring(slash + 1);
    if (key.isEmpty() || key.endsWith("/")) {
      throw new UsageException(output + " names a folder; give the output object's key,"
          + " e.g. s3://bucket/prefix/copy.parquet");
    }
    Path target = S3Options.path(output, s3Settings);
    ObjectFileSystem fs = (ObjectFileSystem) target.getFileSystem();
    if (in.getFileSystem() instanceof ObjectFileSystem && in.toString().equals(target.toString())) {
      err().println("pqvector rewrite: " + output + " is the input " + input
          + "; rewrite writes a copy and never overwrites its input");
      return 1;
    }
    if (!force) {
      try {
        fs.store().stat(key);
        err().println("pqvector rewrite: " + output + " already exists; use --force to replace it");
        return 1;
      } catch (NoSuchFileException absent) {
        // as it should be
      }
    }
    Path temp = Files.createTempDirectory("pqvector-rewrite-");
    try {
      Path local = temp.resolve(target.getFileName().toString());
      RewriteReport r;
      try {
        r = rewriter(in, local, training).rewrite();
      } catch (IndexBuildException e) {
        err().println("pqvector rewrite: " + e.getMessage());
        return 1;
      }
      try {
        fs.store().upload(local, key, force);
      } catch (FileAlreadyExistsException e) {
        err().println("pqvector rewrite: " + output + " was created by another writer while the copy"
            + " was being made; nothing was written (use --force to replace it)");
        return 1;
      }
      fs.refresh();
      out().println(summary(r, output));
      return 0;
    } finally {
      deleteTree(temp);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static String summary(RewriteReport r) {
    return summary(r, String.valueOf(r.output()));
  }

  /** The summary naming the output as the user did ({@code s3://...} for an uploaded copy). */
  static String summary(RewriteReport r, String outputName) {
    return String.format(Locale.ROOT,
        "rewrote %s -> %s for column %s: %,d rows (%,d vectors of %d dims), %d lists, metric %s, "
            + "%d k-means iterations on %,d samples, %d pass(es), %d row group(s), %.2f s "
            + "(training %.2f s), index %,d bytes, %,d -> %,d bytes",
        r.input(), outputName, r.column(), r.rows(), r.indexed(), r.dimension(), r.lists(),
        r.metric().id(), r.iterations(), r.trainingRows(), r.passes(), r.rowGroups(), r.seconds(),
        r.trainSeconds(), r.indexBytes(), r.bytesIn(), r.bytesOut())
        + "\n  " + IndexCommand.calibration(r.calibration());
  }
}
