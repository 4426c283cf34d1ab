package io.pqvector.ivf;

import io.pqvector.format.RecallCurve;
import io.pqvector.vector.Metric;
import io.pqvector.vector.TopK;
import io.pqvector.vector.VectorKernels;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Measures, while an index is built, how recall grows with nprobe on the file's own data.
 *
 * <p>Sample queries are rows of the file, drawn uniformly with the training sample but not
 * trained on (unless the file is so small that every row is). Their exact nearest
 * rows are found by brute force during the assignment pass, which reads every vector anyway, so
 * calibration adds no pass over the file. Afterwards, for each query and each true neighbour,
 * the position of the neighbour's list in the query's probe order says at which nprobe that
 * neighbour is found: one pass gives recall for every nprobe and several k. The curve stores,
 * per k and nprobe, the mean recall minus two standard errors of that mean.
 *
 * <p>The time is bounded by a budget of multiply-adds: as many queries as fit (50 to 1000), and
 * when even 50 queries over every row would exceed it, the neighbours are sought among a uniform
 * sample of the rows instead. A query's neighbours among a 1-in-m sample lie about as far as its
 * m-times-deeper neighbours in the whole file, which need more lists: the curve then errs towards
 * probing more. A query's own row is never its own neighbour.
 */
final class RecallCalibration {
  /** k values the curve is measured for (those below the rows searched). */
  static final int[] K_VALUES = {1, 10, 100, 1000};
  /** Multiply-adds the brute force may spend: about a second on two cores. */
  static final long WORK_BUDGET = 3_000_000_000L;
  static final int MIN_QUERIES = 50;
  static final int MAX_QUERIES = 1000;
  /**
   * The curve keeps the mean recall over the sample queries minus this many standard errors
   * (about a one-sided 97.7 % bound): other queries like the sample then reach the target on average,
   * not merely half the time.
   */
  static final double CONFIDENCE_Z = 2.0;
  /** Every nprobe up to this one is a point of the curve; beyond it points grow by 8 %. */
  static final int DENSE_POINTS = 64;

  private final float[] queries;
  private final int[] queryRows;
  private final int queryCount;
  private final int dim;
  private final Metric metric;
  private final double rowFraction;
  private final long seed;
  private final int[] ks;
  private final TopK[] nearest;
  private long rowsSearched;
  private long nanos;

  /**
   * @param sample candidate query vectors (normalised for cosine), row-major
   * @param sampleRows the row id of each sample vector
   * @param from the first sample vector to use as a query
   * @param available sample vectors from {@code from} on
   * @param indexed rows with a vector in the file
   */
  RecallCalibration(float[] sample, int[] sampleRows, int from, int available, int dim,
      Metric metric, long indexed, long seed) {
    long perQuery = Math.max(1, indexed * dim);
    int q = (int) Math.max(MIN_QUERIES, Math.min(MAX_QUERIES, WORK_BUDGET / perQuery));
    this.queryCount = Math.max(0, Math.min(q, available));
    this.rowFraction = Math.min(1.0,
        (double) WORK_BUDGET / ((double) Math.max(1, queryCount) * perQuery));
    this.queries = Arrays.copyOfRange(sample, from * dim, (from + queryCount) * dim);
    this.queryRows = Arrays.copyOfRange(sampleRows, from, from + queryCount);
    this.dim = dim;
    this.metric = metric;
    this.seed = seed;
    long searchable = rowFraction >= 1 ? indexed : Math.max(2, (long) (indexed * rowFraction));
    this.ks = Arrays.stream(K_VALUES).filter(k -> k < searchable).toArray();
    int maxK = ks.length == 0 ? 1 : ks[ks.length - 1];
    this.nearest = new TopK[queryCount];
    for (int i = 0; i < queryCount; i++) {
      nearest[i] = new TopK(maxK);
    }
  }

  boolean active() {
    return queryCount > 0 && ks.length > 0;
  }

  /** Offers one batch of the file's vectors ({@code m x dim}, normalised for cosine). */
  void accept(float[] points, int[] rows, int m) {
    if (!active()) {
      return;
    }
    long start = System.nanoTime();
    if (rowFraction < 1) {
      int kept = 0;
      for (int i = 0; i < m; i++) {
        if (sampled(rows[i])) {
          if (kept != i) {
            System.arraycopy(points, i * dim, points, kept * dim, dim);
            rows[kept] = rows[i];
          }
          kept++;
        }
      }
      m = kept;
    }
    rowsSearched += m;
    float[] norms = new float[m];
    if (metric == Metric.L2) {
      for (int i = 0; i < m; i++) {
        norms[i] = VectorKernels.dot(points, i * dim, points, i * dim, dim);
      }
    }
    int count = m;
    int chunks = Math.max(1, Math.min(queryCount, Runtime.getRuntime().availableProcessors() * 2));
    IntStream.range(0, chunks).parallel().forEach(c -> {
      int from = queryCount * c / chunks;
      int to = queryCount * (c + 1) / chunks;
      // Blocks of points small enough to stay in cache while every query of the chunk scans them.
      for (int b = 0; b < count; b += 256) {
        int end = Math.min(count, b + 256);
        for (int q = from; q < to; q++) {
          TopK top = nearest[q];
          int self = queryRows[q];
          for (int p = b; p < end; p++) {
            float dot = VectorKernels.dot(points, p * dim, queries, q * dim, dim);
            // Orders rows as the metric does: |x|^2 - 2 x.q for l2 (|q|^2 is the same for all).
            float score = metric == Metric.L2 ? norms[p] - 2 * dot : -dot;
            if (score < top.threshold() && rows[p] != self) {
              top.offer(score, rows[p]);
            }
          }
        }
      }
    });
    nanos += System.nanoTime() - start;
  }

  private boolean sampled(int row) {
    long h = (row + 0x9E3779B97F4A7C15L * (seed + 1)) * 0xBF58476D1CE4E5B9L;
    h ^= h >>> 31;
    h *= 0x94D049BB133111EBL;
    h ^= h >>> 29;
    return (h >>> 11) * 0x1.0p-53 < rowFraction;
  }

  /** The curve, once every vector was offered and assigned to its list. */
  RecallCurve finish(float[] centroids, int lists, int[] listOfRow) {
    if (!active()) {
      return null;
    }
    long start = System.nanoTime();
    int[] points = points(lists);
    // Per query: how many of its first ks[i] neighbours each probe depth finds; then the mean
    // recall over the queries at each point, and its spread.
    double[][] sum = new double[ks.length][points.length];
    double[][] sumSquares = new double[ks.length][points.length];
    int[] order = new int[lists];
    int[] rank = new int[lists];
    int[] foundAt = new int[lists + 1];
    for (int q = 0; q < queryCount; q++) {
      KMeans.nearestN(centroids, lists, queries, q * dim, dim, metric, lists, order);
      for (int i = 0; i < lists; i++) {
        rank[order[i]] = i;
      }
      long[] rows = nearest[q].rowsSorted();
      for (int i = 0; i < ks.length; i++) {
        Arrays.fill(foundAt, 0);
        int n = Math.min(ks[i], rows.length);
        for (int j = 0; j < n; j++) {
          foundAt[rank[listOfRow[(int) rows[j]]]]++;
        }
        int cumulative = 0;
        int p = 0;
        for (int j = 0; j < points.length; j++) {
          while (p < points[j]) {
            cumulative += foundAt[p++];
          }
          double r = n == 0 ? 1 : (double) cumulative / n;
          sum[i][j] += r;
          sumSquares[i][j] += r * r;
        }
      }
    }
    float[][] recall = new float[ks.length][points.length];
    for (int i = 0; i < ks.length; i++) {
      for (int j = 0; j < points.length; j++) {
        double mean = sum[i][j] / queryCount;
        double variance = Math.max(0, sumSquares[i][j] / queryCount - mean * mean);
        double stderr = Math.sqrt(variance / Math.max(1, queryCount - 1));
        double bound = points[j] == lists ? 1.0 : Math.max(0, mean - CONFIDENCE_Z * stderr);
        recall[i][j] = (float) Math.min(1.0, bound);
        if (j > 0 && recall[i][j] < recall[i][j - 1]) {
          recall[i][j] = recall[i][j - 1];
        }
      }
    }
    nanos += System.nanoTime() - start;
    return new RecallCurve(queryCount, rowsSearched, ks, points, recall);
  }

  /** 1, 2, ... 64, then about 8 % apart, ending at the list count. */
  static int[] points(int lists) {
    int[] out = new int[lists];
    int n = 0;
    int p = 1;
    while (p < lists) {
      out[n++] = p;
      p = p < DENSE_POINTS ? p + 1 : (int) Math.ceil(p * 1.08);
    }
    out[n++] = lists;
    return Arrays.copyOf(out, n);
  }

  int queryCount() {
    return queryCount;
  }

  long rowsSearched() {
    return rowsSearched;
  }

  double seconds() {
    return nanos / 1e9;
  }
}
