package io.pqvector.cli;

import io.pqvector.format.RecallCurve;
import io.pqvector.ivf.BuildReport;
import io.pqvector.ivf.IndexBuildException;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.storage.ObjectChangedException;
import io.pqvector.storage.s3.S3Tables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code index <file-or-dir> --column <name> ...}: builds an IVF index inside each Parquet file;
 * {@code index s3://bucket/key.parquet} or {@code s3://bucket/prefix/} does it for objects
 * ({@link ObjectIndexing}).
 */
@Command(name = "index", description = "build an IVF index inside each Parquet file")
final class IndexCommand extends CliCommand {
  @Parameters(paramLabel = "<file-or-dir>",
      description = "a Parquet file, or a directory of them; or s3://bucket/key.parquet, s3://bucket/prefix/")
  String target;

  @Mixin IndexOptions indexOptions;

  @Mixin S3Options s3;

  IndexCommand(Streams streams) {
    super(streams);
  }

  @Override String missingArguments() {
    return "expected one file or directory: index <file-or-dir> --column <name>";
  }

  @Override public Integer call() throws Exception {
    indexOptions.training("", err()); // checks the options before any file is read
    if (S3Tables.isS3(target)) {
      return indexObjects();
    }
    List<Path> files = parquetFiles(Paths.get(target));
    int failures = 0;
    for (Path file : files) {
      try {
        BuildReport r = IvfIndexBuilder.forFile(file)
            .options(indexOptions.training(file.getFileName().toString(), err()))
            .build();
        out().println(summary(r));
      } catch (IndexBuildException e) {
        err().println("pqvector index: " + e.getMessage());
        failures++;
      }
    }
    return failures == 0 ? 0 : 1;
  }

  private int indexObjects() throws Exception {
    String location = target;
    if (location.indexOf('/', S3Tables.SCHEME.length()) < 0) {
      location += "/"; // s3://bucket: the whole bucket
    }
    Path named = S3Options.path(location, s3.urlSuffix());
    List<Path> objects;
    if (Files.isRegularFile(named)) {
      objects = List.of(named);
    } else if (Files.isDirectory(named)) {
      objects = ObjectIndexing.tableObjects(named);
      if (objects.isEmpty()) {
        throw new UsageException("no Parquet objects under " + target);
      }
    } else {
      throw new UsageException("no such object or folder: " + target);
    }
    int failures = 0;
    for (Path object : objects) {
      try {
        out().println(summary(ObjectIndexing.index(object,
            indexOptions.training(object.getFileName().toString(), err()))));
      } catch (ObjectChangedException e) {
        err().println("pqvector index: " + object + " changed after it was read (another writer"
            + " replaced or deleted it); nothing was written; run index again");
        failures++;
      } catch (IndexBuildException | java.io.IOException e) {
        String message = String.valueOf(e.getMessage());
        err().println("pqvector index: "
            + (message.contains(object.toString()) ? message : object + ": " + message));
        failures++;
      }
    }
    return failures == 0 ? 0 : 1;
  }

  static String summary(BuildReport r) {
    return String.format(Locale.ROOT,
        "indexed %s column %s: %,d rows (%,d vectors of %d dims), %d lists, metric %s, "
            + "%d k-means iterations on %,d samples, %.2f s (training %.2f s), index %,d bytes, "
            + "file %,d -> %,d bytes (+%.2f%%)",
        r.file(), r.column(), r.rows(), r.indexed(), r.dimension(), r.lists(), r.metric().id(),
        r.iterations(), r.trainingRows(), r.seconds(), r.trainSeconds(), r.indexBytes(),
        r.bytesBefore(), r.bytesAfter(),
        100.0 * (r.bytesAfter() - r.bytesBefore()) / Math.max(1, r.bytesBefore()))
        + "\n  " + calibration(r.calibration());
  }

  /**
   * The build-time recall measurement in one line: its cost, and the nprobe the curve gives for
   * recall@10 of 0.95 and 0.99.
   */
  static String calibration(IvfIndexBuilder.Calibration c) {
    if (c.curve() == null) {
      return "recall calibration: too few rows to measure; queries use the default nprobe";
    }
    RecallCurve curve = c.curve();
    double k = Math.min(10, curve.maxK());
    return String.format(Locale.ROOT,
        "recall calibration: %d sample queries, exact neighbours among %,d rows, %.2f s;"
            + " recall@%d 0.95 at nprobe %d, 0.99 at nprobe %d (of %d lists)",
        c.queries(), c.rowsSearched(), c.seconds(), (int) k, curve.nprobeFor(k, 0.95),
        curve.nprobeFor(k, 0.99), curve.lists());
  }

  /** The file itself, or every Parquet file under a directory (hidden entries skipped). */
  static List<Path> parquetFiles(Path target) throws IOException, UsageException {
    if (Files.isRegularFile(target)) {
      return List.of(target);
    }
    if (!Files.isDirectory(target)) {
      throw new UsageException("no such file or directory: " + target);
    }
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(target)) {
      walk.filter(p -> Files.isRegularFile(p)
              && p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".parquet")
              && !target.relativize(p).toString().startsWith(".")
              && !p.getFileName().toString().startsWith(".")
              && !p.getFileName().toString().startsWith("_"))
          .sorted().forEach(files::add);
    }
    if (files.isEmpty()) {
      throw new UsageException("no Parquet files under " + target);
    }
    return files;
  }
}
