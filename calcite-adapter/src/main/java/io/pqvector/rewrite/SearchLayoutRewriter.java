package io.pqvector.rewrite;

import io.pqvector.format.DataFingerprint;
import io.pqvector.format.IvfIndexFormat;
import io.pqvector.format.IvfIndexHeader;
import io.pqvector.format.IvfIndexWriter;
import io.pqvector.ivf.BuildProgress;
import io.pqvector.ivf.FileIndex;
import io.pqvector.ivf.IndexBuildException;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.ivf.TrainingOptions;
import io.pqvector.parquet.appendix.ParquetAppendix;
import io.pqvector.parquet.ParquetFiles;
import io.pqvector.parquet.decode.VectorColumn;
import io.pqvector.vector.Metric;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * Writes a copy of a Parquet file laid out for IVF search, with the index inside: the vector
 * column one vector per data page, UNCOMPRESSED, without dictionary, with an offset index; rows
 * ordered by IVF list (each list's rows contiguous, lists in order, rows without a vector last);
 * every other column's values, the schema and the key-value metadata (except {@code pqvector.*})
 * as in the input, and their codecs (BROTLI, which can only be read, becomes SNAPPY). The input
 * is only read. See "Files written by {@code rewrite}" in
 * {@code docs/index-format.md} for what a reader may rely on.
 *
 * <p><b>How.</b> The vectors are validated, sampled, clustered and assigned exactly as
 * {@link IvfIndexBuilder} does (same {@link TrainingOptions}, same lists). The rows are then
 * emitted list by list in one or more passes over the input ({@link ListOrderedCopy}). The index is
 * written from the assignment (list {@code l} is the row range its rows were written to), and
 * checked with {@link FileIndex} before the file appears under its name.
 *
 * <p><b>Memory bound.</b> The rows buffered by one pass are at most the memory budget
 * ({@link #memoryBudget(long)}; default a quarter of the heap, between 64 MiB and 1 GiB), by an
 * estimate made before the pass: per row 96 bytes, plus 16 + 4 x dimension for its vector, plus
 * for each other leaf column 64 bytes and the column's average uncompressed value size from the
 * input footer (Group objects box values; the estimate is meant to be pessimistic). A single
 * list larger than the budget still gets a pass of its own. On top of that: 4 bytes per input row
 * (its list), the k-means training sample (64 vectors per list), one input row group's column
 * chunks as parquet-mr reads them, one output row group being assembled by parquet-mr
 * ({@link #rowGroupBytes(long)}, default 128 MiB), and at the end the index (its row ids, 4 bytes
 * per indexed row, and its payload). Buffered values are copied out of the page buffers, so a
 * pass never pins input pages. Measured: 340,000 rows of 100 floats plus an id and a title
 * (estimated 224 MB of rows) rewrote in one pass with the default budget and in two passes,
 * byte-identical, under {@code -Xmx600m} (budget 150 MB, peak RSS 750 MB).
 *
 * <p><b>Atomicity.</b> Everything is written to a hidden temporary file in the output's directory
 * ({@code .<name>.rewrite-<random>.tmp}), forced to disk and renamed over {@code <out>} at the
 * end; a failed or interrupted rewrite never leaves a partial file under {@code <out>} (a killed
 * process may leave the hidden temporary file behind).
 */
public final class SearchLayoutRewriter {
  public static final long DEFAULT_ROW_GROUP_BYTES = 128L << 20;
  private static final long MIN_BUDGET = 64L << 20;
  private static final long MAX_BUDGET = 1L << 30;

  private final Path input;
  private Path output;
  private TrainingOptions training = TrainingOptions.defaults();
  private boolean force;
  private long memoryBudget = defaultMemoryBudget();
  private long rowGroupBytes = DEFAULT_ROW_GROUP_BYTES;

  private SearchLayoutRewriter(Path input) {
    this.input = input;
  }

  public static SearchLayoutRewriter from(Path input) {
    return new SearchLayoutRewriter(input);
  }

  public SearchLayoutRewriter to(Path output) {
    this.output = output;
    return this;
  }

  /** How the lists are trained, as for {@link IvfIndexBuilder} (column, metric, lists, ...). */
  public SearchLayoutRewriter training(TrainingOptions training) {
    this.training = training;
    return this;
  }

  public TrainingOptions training() {
    return training;
  }

  // Shorthands for the training options.

  public SearchLayoutRewriter column(String column) {
    return training(training.withColumn(column));
  }

  public SearchLayoutRewriter metric(Metric metric) {
    return training(training.withMetric(metric));
  }

  /** Number of lists; 0 chooses from the row count, as {@link IvfIndexBuilder} does. */
  public SearchLayoutRewriter lists(int lists) {
    return training(training.withLists(lists));
  }

  public SearchLayoutRewriter seed(long seed) {
    return training(training.withSeed(seed));
  }

  public SearchLayoutRewriter iterations(int iterations) {
    return training(training.withIterations(iterations));
  }

  public SearchLayoutRewriter threads(int threads) {
    return training(training.withThreads(threads));
  }

  public SearchLayoutRewriter progress(BuildProgress progress) {
    return training(training.withProgress(progress));
  }

  /** Replace {@code <out>} if it exists (it is never the input). */
  public SearchLayoutRewriter force(boolean force) {
    this.force = force;
    return this;
  }

  /** Estimated bytes of rows one pass may buffer (see the class comment). */
  public SearchLayoutRewriter memoryBudget(long bytes) {
    this.memoryBudget = Math.max(1, bytes);
    return this;
  }

  /** Target size of the output's row groups, as parquet-mr measures it. */
  public SearchLayoutRewriter rowGroupBytes(long bytes) {
    this.rowGroupBytes = Math.max(1 << 16, bytes);
    return this;
  }

  /** A quarter of the maximum heap, clamped to [64 MiB, 1 GiB]. */
  public static long defaultMemoryBudget() {
    return Math.max(MIN_BUDGET, Math.min(MAX_BUDGET, Runtime.getRuntime().maxMemory() / 4));
  }

  /**
   * Writes the copy and its index.
   *
   * @throws IndexBuildException for input or paths that cannot be rewritten (the message names
   *     the file and, where it applies, the column); nothing is left under {@code <out>}
   */
  public RewriteReport rewrite() throws IndexBuildException, IOException {
    training.requireColumn();
    if (output == null) {
      throw new IllegalArgumentException("no output file given");
    }
    String column = training.column();
    BuildProgress progress = training.progress();
    long start = System.nanoTime();
    Path out = checkPaths();
    Path tmp = out.resolveSibling("." + out.getFileName() + ".rewrite-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 4) + ".tmp");
    try {
      IvfIndexBuilder.Trained trained;
      InputSchema layout;
      try (VectorColumn vectors = openVectors()) {
        trained = IvfIndexBuilder.forFile(input).options(training).train(vectors);
        layout = InputSchema.of(ParquetFiles.readFooter(input), column);
      }
      int passes = new ListOrderedCopy(input, column, layout, memoryBudget, rowGroupBytes,
          progress).copy(trained, tmp, out);
      progress.update("writing", 0, 1);
      int indexBytes = writeIndex(trained, tmp);
      ParquetMetadata footer = ParquetFiles.readFooter(tmp);
      int rowGroups = verify(tmp, footer, trained);
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(out.getParent());
      progress.update("writing", 1, 1);
      return new RewriteReport(input, out, column, training.metric(), trained.rowCount(),
          trained.indexed(), trained.lists(), trained.dim(), trained.iterations(),
          trained.trainingRows(), passes, memoryBudget, rowGroups, trained.trainSeconds(),
          (System.nanoTime() - start) / 1e9, Files.size(input), Files.size(out), indexBytes,
          trained.calibration());
    } finally {
      Files.deleteIfExists(tmp);
      // ParquetAppendix's journal for the temporary file, if adding the index was interrupted.
      Files.deleteIfExists(tmp.resolveSibling("." + tmp.getFileName() + ".pqvector-journal"));
    }
  }

  /** Checks input and output; returns the absolute output path. */
  private Path checkPaths() throws IndexBuildException, IOException {
    if (!Files.isRegularFile(input)) {
      throw new IndexBuildException(input + ": no such file");
    }
    Path out = output.toAbsolutePath().normalize();
    Path dir = out.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IndexBuildException(output + ": the directory " + dir + " does not exist");
    }
    if (Files.exists(out, LinkOption.NOFOLLOW_LINKS) || Files.exists(out)) {
      if (Files.exists(out) && Files.isSameFile(input, out)) {
        throw new IndexBuildException(output + " is the input file " + input
            + "; rewrite writes a copy and never overwrites its input");
      }
      if (Files.isDirectory(out)) {
        throw new IndexBuildException(output + " is a directory; give the output file's path");
      }
      if (!force) {
        throw new IndexBuildException(output + " already exists; use --force to replace it");
      }
    }
    if (!Files.isWritable(dir)) {
      throw new IndexBuildException(output + ": cannot write to the directory " + dir);
    }
    return out;
  }

  private VectorColumn openVectors() throws IndexBuildException, IOException {
    try {
      return VectorColumn.open(input, training.column());
    } catch (IllegalArgumentException e) {
      throw new IndexBuildException(e.getMessage(), e);
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      // Not every platform can open a directory; the rename itself is still atomic.
    }
  }

  /** The index from the assignment: list l is the row range its rows were written to. */
  private int writeIndex(IvfIndexBuilder.Trained trained, Path tmp) throws IOException {
    String column = training.column();
    int[][] invertedLists = new int[trained.lists()][];
    int next = 0;
    for (int l = 0; l < trained.lists(); l++) {
      int[] rows = new int[trained.sizes()[l]];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = next++;
      }
      invertedLists[l] = rows;
    }
    ParquetMetadata footer = ParquetFiles.readFooter(tmp);
    IvfIndexHeader header = new IvfIndexHeader(column, training.metric().id(), trained.dim(),
        trained.lists(), trained.rowCount(), trained.indexed(), DataFingerprint.of(footer, column),
        training.seed(), training.iterations());
    byte[] payload;
    try (VectorColumn written = VectorColumn.open(tmp, column)) {
      payload = IvfIndexWriter.write(header, trained.centroids(), invertedLists,
          IvfIndexBuilder.storedPageLocations(written), trained.curve());
    }
    ParquetAppendix.write(tmp, IvfIndexFormat.footerKey(column), payload);
    return payload.length;
  }

  /** Checks the written file before it gets its name; returns its row group count. */
  private int verify(Path tmp, ParquetMetadata footer, IvfIndexBuilder.Trained trained)
      throws IOException {
    String column = training.column();
    long rows = footer.getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum();
    if (rows != trained.rowCount()) {
      throw new IOException(tmp + ": wrote " + rows + " rows instead of " + trained.rowCount());
    }
    try (VectorColumn written = VectorColumn.open(tmp, column)) {
      for (int rg = 0; rg < written.rowGroupCount(); rg++) {
        if (!written.hasOffsetIndex(rg)) {
          throw new IOException(tmp + ": row group " + rg + " of column '" + column
              + "' was written without an offset index");
        }
      }
    }
    FileIndex index = FileIndex.load(tmp, footer, column);
    if (index.status() != FileIndex.Status.OK) {
      throw new IOException("the index written into " + tmp + " does not verify: "
          + index.problem());
    }
    return footer.getBlocks().size();
  }
}
