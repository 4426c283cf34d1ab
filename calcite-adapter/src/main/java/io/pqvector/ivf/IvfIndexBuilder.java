package io.pqvector.ivf;

import io.pqvector.format.DataFingerprint;
import io.pqvector.format.IvfIndexFormat;
import io.pqvector.format.IvfIndexHeader;
import io.pqvector.format.IvfIndexWriter;
import io.pqvector.format.PageLocations;
import io.pqvector.parquet.decode.PageTable;
import io.pqvector.format.RecallCurve;
import io.pqvector.parquet.appendix.ParquetAppendix;
import io.pqvector.parquet.ParquetFiles;
import io.pqvector.parquet.decode.VectorBatch;
import io.pqvector.parquet.decode.VectorColumn;
import io.pqvector.vector.Metric;
import io.pqvector.vector.VectorKernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;

/**
 * Builds an IVF index for one vector column of one Parquet file and stores it inside the file.
 *
 * <p>Two streaming passes, so memory is bounded by one row group's vectors, the training sample
 * and four bytes per row, never by the file: the first pass validates every vector and draws a
 * uniform reservoir sample; k-means trains on the sample; the second pass assigns every vector
 * to its nearest centroid. The result is written with {@link ParquetAppendix}, which never
 * touches the data pages and keeps the file readable if the build is interrupted.
 */
public final class IvfIndexBuilder {
  /** Training points drawn per list; FAISS warns below 39 and gains little above 256. */
  static final int SAMPLE_PER_LIST = 64;
  /** FAISS's minimum of training points per centroid, which bounds the number of lists. */
  static final int MIN_POINTS_PER_LIST = 39;
  /** A default-sized list holding more than this many times the mean is split. */
  static final double SPLIT_ABOVE = 2.0;

  private final Path file;
  private TrainingOptions options = TrainingOptions.defaults();

  private IvfIndexBuilder(Path file) {
    this.file = file;
  }

  public static IvfIndexBuilder forFile(Path file) {
    return new IvfIndexBuilder(file);
  }

  public IvfIndexBuilder column(String column) {
    options = options.withColumn(column);
    return this;
  }

  public IvfIndexBuilder metric(Metric metric) {
    options = options.withMetric(metric);
    return this;
  }

  /** Number of lists; 0 chooses from the row count. */
  public IvfIndexBuilder lists(int lists) {
    options = options.withLists(lists);
    return this;
  }

  public IvfIndexBuilder seed(long seed) {
    options = options.withSeed(seed);
    return this;
  }

  public IvfIndexBuilder iterations(int iterations) {
    options = options.withIterations(iterations);
    return this;
  }

  public IvfIndexBuilder threads(int threads) {
    options = options.withThreads(threads);
    return this;
  }

  public IvfIndexBuilder progress(BuildProgress progress) {
    options = options.withProgress(progress);
    return this;
  }

  /** All training options at once (the rewrite trains with the options it was given). */
  public IvfIndexBuilder options(TrainingOptions options) {
    this.options = options;
    return this;
  }

  /**
   * The default number of lists for {@code vectors} indexed vectors: about sqrt(n), the middle
   * of what FAISS and pgvector advise for up to millions of rows, but never so many that a list
   * would get fewer than 39 training points.
   */
  public static int defaultLists(long vectors) {
    long bySqrt = Math.round(Math.sqrt(vectors));
    long byTraining = vectors / MIN_POINTS_PER_LIST;
    return (int) Math.max(1, Math.min(65_536, Math.min(bySqrt, Math.max(1, byTraining))));
  }

  /** Builds the index and writes it into the file, replacing an earlier one for the column. */
  public BuildReport build() throws IndexBuildException, IOException {
    options.requireColumn();
    long start = System.nanoTime();
    checkWritable();
    ParquetAppendix.recover(file);
    long sizeBefore = Files.size(file);
    BuiltIndex built = buildIndex(start);
    options.progress().update("writing", 0, 1);
    ParquetAppendix.write(file, built.footerKey(), built.payload());
    options.progress().update("writing", 1, 1);
    return report(built, sizeBefore, Files.size(file));
  }

  /**
   * An index built but not written: {@code payload} belongs under the footer key {@code footerKey}
   * (see {@link ParquetAppendix}).
   */
  public record BuiltIndex(String footerKey, byte[] payload, Trained trained, long startNanos) {
  }

  /**
   * Builds the index of the file, only reading it: for files that cannot be changed in place
   * (objects in a store), whose writer stores the payload itself (e.g. as
   * {@link ParquetAppendix#plan} says). {@link #build()} is this, then the write.
   */
  public BuiltIndex buildIndex() throws IndexBuildException, IOException {
    options.requireColumn();
    return buildIndex(System.nanoTime());
  }

  private BuiltIndex buildIndex(long start) throws IndexBuildException, IOException {
    try (VectorColumn vectors = open()) {
      Trained t = train(vectors);
      String column = options.column();
      IvfIndexHeader header = new IvfIndexHeader(column, options.metric().id(), t.dim(),
          t.lists(), t.rowCount(), t.indexed(),
          DataFingerprint.of(ParquetFiles.readFooter(file), column), options.seed(),
          options.iterations());
      byte[] payload = IvfIndexWriter.write(header, t.centroids(), t.invertedLists(),
          storedPageLocations(vectors), t.curve());
      return new BuiltIndex(IvfIndexFormat.footerKey(column), payload, t, start);
    }
  }

  /** The report of a build whose payload was written, the file growing from {@code bytesBefore} to {@code bytesAfter}. */
  public BuildReport report(BuiltIndex built, long bytesBefore, long bytesAfter) {
    Trained t = built.trained();
    return new BuildReport(file, options.column(), options.metric(), t.rowCount(), t.indexed(),
        t.lists(), t.dim(), t.iterations(), t.trainingRows(), t.trainSeconds(),
        (System.nanoTime() - built.startNanos()) / 1e9, bytesBefore, bytesAfter,
        built.payload().length, t.calibration());
  }

  /**
   * What training and assignment found for a file: everything its index holds except where the
   * rows are. {@code listOfRow[r]} is the list of row {@code r}, or -1 when the row has no vector
   * (NULL, a NULL element, or empty); {@code sizes[l]} counts the rows of list {@code l}.
   */
  public record Trained(int dim, long rowCount, long indexed, int lists, float[] centroids,
      int[] listOfRow, int[] sizes, int iterations, int trainingRows, double trainSeconds,
      Calibration calibration) {

    /** The measured recall curve, or null when the file was too small to measure one. */
    public RecallCurve curve() {
      return calibration.curve();
    }

    /** Row ids of each list, ascending. */
    public int[][] invertedLists() {
      int[][] out = new int[lists][];
      for (int l = 0; l < lists; l++) {
        out[l] = new int[sizes[l]];
      }
      int[] filled = new int[lists];
      for (int row = 0; row < listOfRow.length; row++) {
        int l = listOfRow[row];
        if (l >= 0) {
          out[l][filled[l]++] = row;
        }
      }
      return out;
    }
  }

  /**
   * The two streaming passes without writing anything: validation and sampling, k-means, then
   * every vector assigned to its list. Shared by {@link #build()} and the rewrite to the search layout.
   */
  public Trained train(VectorColumn vectors) throws IndexBuildException, IOException {
    if (vectors.isDouble()) {
      throw new IndexBuildException(file + ": column '" + options.column()
          + "' is a list of DOUBLE; pqvector indexes lists of FLOAT (REAL ARRAY)");
    }
    long rowCount = vectors.rowCount();
    if (rowCount > Integer.MAX_VALUE) {
      throw new IndexBuildException(file + ": " + rowCount
          + " rows; an index covers at most 2^31-1 rows per file");
    }
    int listCount = options.lists() > 0 ? options.lists() : defaultLists(rowCount);
    Scan scan = scan(vectors, listCount);
    if (scan.indexed == 0) {
      throw new IndexBuildException(file + ": column '" + options.column()
          + "' has no non-NULL, non-empty vector to index");
    }
    listCount = options.lists() > 0 ? options.lists() : defaultLists(scan.indexed);
    if (listCount > scan.indexed) {
      throw new IndexBuildException(file + ": " + listCount + " lists requested but only "
          + scan.indexed + " vectors to index");
    }
    int trainingRows = (int) Math.min(scan.sampled, (long) listCount * SAMPLE_PER_LIST);
    options.progress().update("training", 0, 1);
    long trainStart = System.nanoTime();
    KMeans.Result trained = KMeans.train(scan.sample, trainingRows, scan.dim, listCount,
        options.metric(), options.seed(), options.iterations(), options.threads());
    float[] centroids = trained.centroids();
    if (options.lists() == 0) {
      centroids = splitLargeLists(scan.sample, trainingRows, scan.dim, centroids, listCount,
          trained.assignments());
      listCount = centroids.length / scan.dim;
    }
    double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
    options.progress().update("training", 1, 1);
    int[] sizes = new int[listCount];
    // Sample queries come from the reservoir slots after the training sample when there are
    // any: rows k-means trained on pull centroids towards themselves and their neighbours, which
    // made the curve promise more than held-out queries got (recall@100 0.943 against 0.95).
    int queryFrom = scan.sampled > trainingRows ? trainingRows : 0;
    RecallCalibration calibration = new RecallCalibration(scan.sample, scan.sampleRows,
        queryFrom, scan.sampled - queryFrom, scan.dim, options.metric(), scan.indexed,
        options.seed());
    int[] listOfRow = assign(vectors, centroids, listCount, scan.dim, (int) rowCount,
        sizes, calibration);
    options.progress().update("calibrating", 0, 1);
    RecallCurve curve = calibration.finish(centroids, listCount, listOfRow);
    options.progress().update("calibrating", 1, 1);
    return new Trained(scan.dim, rowCount, scan.indexed, listCount, centroids,
        listOfRow, sizes, trained.iterations(), trainingRows, trainSeconds,
        new Calibration(curve, calibration.queryCount(), calibration.rowsSearched(),
            calibration.seconds()));
  }

  /**
   * The centroids with each list that k-means made more than {@link #SPLIT_ABOVE} times the
   * mean size (judged by its share of the training sample) split into lists of about the mean
   * size, by k-means on that list's sample points alone. Real embeddings are not spread evenly:
   * on 341,479 GloVe word vectors the default 584 lists held 585 rows on average, but the list a
   * row (so a query like the rows) falls in held 2,165 on average, up to 6,702, and every probe
   * of such a list scores thousands of vectors. Queries come from where the data is dense, so
   * splitting the dense lists makes a probe cost what the mean list size promises. Each split
   * list keeps at least {@link #MIN_POINTS_PER_LIST} sample points per part.
   */
  private float[] splitLargeLists(float[] sample, int n, int dim, float[] centroids, int lists,
      int[] assignments) {
    int[] count = new int[lists];
    for (int i = 0; i < n; i++) {
      count[assignments[i]]++;
    }
    double mean = (double) n / lists;
    int extra = 0;
    int[] parts = new int[lists];
    for (int l = 0; l < lists; l++) {
      parts[l] = count[l] > SPLIT_ABOVE * mean
          ? (int) Math.min(Math.ceil(count[l] / mean), count[l] / MIN_POINTS_PER_LIST) : 1;
      parts[l] = Math.max(1, parts[l]);
      extra += parts[l] - 1;
    }
    if (extra == 0) {
      return centroids;
    }
    float[] out = Arrays.copyOf(centroids, (lists + extra) * dim);
    int next = lists;
    for (int l = 0; l < lists; l++) {
      if (parts[l] == 1) {
        continue;
      }
      float[] points = new float[count[l] * dim];
      int m = 0;
      for (int i = 0; i < n; i++) {
        if (assignments[i] == l) {
          System.arraycopy(sample, i * dim, points, m++ * dim, dim);
        }
      }
      KMeans.Result split = KMeans.train(points, m, dim, parts[l], options.metric(),
          options.seed() + l, options.iterations(), options.threads());
      float[] c = split.centroids();
      System.arraycopy(c, 0, out, l * dim, dim);
      for (int p = 1; p < parts[l]; p++) {
        System.arraycopy(c, p * dim, out, next++ * dim, dim);
      }
    }
    return out;
  }

  /**
   * What the build-time recall measurement found and cost.
   *
   * @param curve recall against nprobe, or null when the file has too few rows to measure
   * @param queries sample queries (rows of the file)
   * @param rowsSearched rows their exact neighbours were sought among
   * @param seconds time spent on the brute force and the curve
   */
  public record Calibration(RecallCurve curve, int queries, long rowsSearched, double seconds) {
  }

  private VectorColumn open() throws IndexBuildException, IOException {
    try {
      return VectorColumn.open(file, options.column());
    } catch (IllegalArgumentException e) {
      throw new IndexBuildException(e.getMessage(), e);
    } catch (ParquetFiles.NotParquetException e) {
      throw new IndexBuildException("cannot index column '" + options.column() + "': " + e.getMessage(), e);
    }
  }

  private void checkWritable() throws IndexBuildException, IOException {
    if (!Files.isRegularFile(file)) {
      throw new IndexBuildException(file + ": no such file");
    }
    boolean writable = Files.isWritable(file);
    PosixFileAttributeView posix = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (writable && posix != null) {
      // Root may write anywhere; a file with no write bit is still meant to be read-only.
      Set<PosixFilePermission> p = posix.readAttributes().permissions();
      writable = p.contains(PosixFilePermission.OWNER_WRITE)
          || p.contains(PosixFilePermission.GROUP_WRITE)
          || p.contains(PosixFilePermission.OTHERS_WRITE);
    }
    if (!writable) {
      throw new IndexBuildException(file + ": cannot index column '" + options.column() + "': the file is"
          + " read-only; the index is stored inside the file, so it needs write permission"
          + " (or use `rewrite` to write an indexed copy)");
    }
  }

  /** First pass: validation, counting and a reservoir sample (normalised for cosine). */
  private static final class Scan {
    int dim = -1;
    long indexed;
    int sampled;
    float[] sample;
    /** The row id of each sample slot (sample queries must not find their own row). */
    int[] sampleRows;
  }

  private Scan scan(VectorColumn vectors, int listCount) throws IOException, IndexBuildException {
    Scan scan = new Scan();
    // The training sample, then room for the recall calibration's sample queries.
    int capacity = (int) Math.min(Integer.MAX_VALUE / 2,
        (long) listCount * SAMPLE_PER_LIST + RecallCalibration.MAX_QUERIES);
    Random random = new Random(options.seed());
    long seen = 0;
    int groups = vectors.rowGroupCount();
    for (int rg = 0; rg < groups; rg++) {
      options.progress().update("scanning", rg, groups);
      VectorBatch batch = vectors.readRowGroup(rg);
      long first = vectors.rowGroupFirstRow(rg);
      float[] values = batch.values();
      for (int r = 0; r < batch.rowCount(); r++) {
        if (batch.isNull(r) || batch.length(r) == 0) {
          continue;
        }
        int len = batch.length(r);
        int off = batch.offset(r);
        if (scan.dim < 0) {
          scan.dim = len;
          scan.sample = new float[(int) Math.min((long) capacity * len, Integer.MAX_VALUE - 8)];
          capacity = scan.sample.length / len;
          scan.sampleRows = new int[capacity];
        } else if (len != scan.dim) {
          throw new IndexBuildException(file + ": column '" + options.column() + "', row " + (first + r)
              + " has " + len + " dimensions but earlier rows have " + scan.dim
              + "; an index needs vectors of one length");
        }
        for (int i = 0; i < len; i++) {
          if (!Float.isFinite(values[off + i])) {
            throw new IndexBuildException(file + ": column '" + options.column() + "', row " + (first + r)
                + " holds " + values[off + i] + " at position " + i
                + "; vectors must be finite to be indexed");
          }
        }
        scan.indexed++;
        // Reservoir sampling (Vitter's algorithm R): every vector is kept with equal chance.
        int slot = seen < capacity ? (int) seen : (int) nextLong(random, seen + 1);
        seen++;
        if (slot < capacity) {
          System.arraycopy(values, off, scan.sample, slot * len, len);
          scan.sampleRows[slot] = (int) (first + r);
          if (options.metric() == Metric.COSINE) {
            VectorKernels.normalize(scan.sample, slot * len, len);
          }
        }
      }
    }
    options.progress().update("scanning", groups, groups);
    scan.sampled = (int) Math.min(seen, capacity);
    return scan;
  }

  private static long nextLong(Random random, long bound) {
    return bound <= Integer.MAX_VALUE ? random.nextInt((int) bound)
        : Math.floorMod(random.nextLong(), bound);
  }

  /** Second pass: every vector to its nearest centroid; the list of each row (-1: none), sizes filled. */
  private int[] assign(VectorColumn vectors, float[] centroids, int listCount, int dim,
      int rowCount, int[] sizes, RecallCalibration calibration) throws IOException {
    int[] listOfRow = new int[rowCount];
    java.util.Arrays.fill(listOfRow, -1);
    int groups = vectors.rowGroupCount();
    for (int rg = 0; rg < groups; rg++) {
      options.progress().update("assigning", rg, groups);
      VectorBatch batch = vectors.readRowGroup(rg);
      int first = (int) vectors.rowGroupFirstRow(rg);
      int n = batch.rowCount();
      int[] rows = new int[n];
      float[] points = new float[n * dim];
      int m = 0;
      for (int r = 0; r < n; r++) {
        if (batch.isNull(r) || batch.length(r) == 0) {
          continue;
        }
        System.arraycopy(batch.values(), batch.offset(r), points, m * dim, dim);
        if (options.metric() == Metric.COSINE) {
          VectorKernels.normalize(points, m * dim, dim);
        }
        rows[m++] = first + r;
      }
      if (m == 0) {
        continue;
      }
      int[] nearest = new int[m];
      KMeans.assign(centroids, listCount, points, m, dim, options.metric(), options.threads(),
          nearest);
      for (int i = 0; i < m; i++) {
        listOfRow[rows[i]] = nearest[i];
        sizes[nearest[i]]++;
      }
      // The same vectors, while in memory, are the brute-force ground truth of the sample queries.
      calibration.accept(points, rows, m);
    }
    options.progress().update("assigning", groups, groups);
    return listOfRow;
  }

  /**
   * The page locations an index stores for {@code vectors}: null when every row group has a
   * Parquet offset index (readers use that), else where every page is.
   */
  public static PageLocations storedPageLocations(VectorColumn vectors) throws IOException {
    int groups = vectors.rowGroupCount();
    boolean needed = false;
    for (int rg = 0; rg < groups; rg++) {
      needed |= !vectors.hasOffsetIndex(rg);
    }
    if (!needed) {
      return null;
    }
    PageTable[] tables = new PageTable[groups];
    for (int rg = 0; rg < groups; rg++) {
      tables[rg] = vectors.pages(rg);
    }
    return PageLocations.of(tables);
  }
}
