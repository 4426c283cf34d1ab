package io.pqvector.ivf;

import io.pqvector.vector.Metric;
import io.pqvector.vector.VectorKernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * k-means for the IVF coarse quantiser: k-means++ seeding on a sample, then Lloyd iterations with
 * multi-threaded assignment.
 *
 * <p>Results depend only on the input and the seed, never on the thread count: each point's
 * nearest centroid is computed by the same sequence of float operations whichever thread owns it,
 * and centroid sums are taken per cluster over its points in ascending index order (clusters, not
 * points, are split across threads), so there is no thread-dependent summation order at all.
 *
 * <p>Assignment scores tiles of 4 points x 4 centroids (see {@code Assigner}). It uses
 * {@code ||c||^2 - 2 v.c} for L2 (the {@code ||v||^2} term is the same for every centroid) and
 * {@code -v.c} for dot and cosine (cosine inputs are normalised by the caller, so minimising
 * {@code -v.c} minimises {@code 1 - cos}). For L2, Hamerly's bounds (see {@code Bounds}) skip
 * points that cannot change cluster. k-means++ seeding weighs candidates by squared L2 distance
 * for every metric: for unit vectors that is 2 - 2 cos, and for dot it is the only non-negative
 * spread measure at hand.
 */
public final class KMeans {
  private KMeans() {}

  /** Lloyd stops when fewer than this fraction of points change cluster in an iteration. */
  public static final double STOP_CHANGED_FRACTION = 0.001;

  /**
   * k-means++ seeds on at most this many points per centroid. Seeding costs k sequential passes
   * over its sample (k x sample x dim work, like one Lloyd pass over the sample, but with k
   * barriers); 32 candidates per centroid are enough for D^2 sampling to spread the seeds over
   * the data's modes, and Lloyd then refines on the whole training set. With k = 583 that is
   * 18,656 points, about 0.1-0.3 s; 256 per centroid would cost ~8x more for little gain.
   */
  public static final int SEED_SAMPLE_PER_CENTROID = 32;

  /**
   * The outcome of training.
   *
   * @param centroids {@code k x dim} floats, row-major (unit length for cosine, unless a
   *     centroid is a zero vector)
   * @param assignments nearest centroid of each training point, for the returned centroids (for
   *     L2, up to centroids within ~1e-5 of a tie, which the bounds may leave unresolved)
   * @param iterations Lloyd updates performed (at most the requested maximum)
   * @param converged whether it stopped because fewer than 0.1 % of points changed cluster
   */
  public record Result(float[] centroids, int[] assignments, int iterations, boolean converged) {}

  /**
   * Trains k centroids on {@code n} points.
   *
   * @param data {@code n x dim} floats, row-major; for {@link Metric#COSINE} already normalised
   * @param k number of centroids, 1..n
   * @param seed seeds every random choice; the same seed gives the same result on any machine
   *     and with any thread count
   * @param maxIterations Lloyd updates at most; 0 returns the k-means++ seeds
   * @param threads worker threads for assignment and update (1 runs on the caller's thread)
   */
  public static Result train(float[] data, int n, int dim, int k, Metric metric, long seed,
      int maxIterations, int threads) {
    checkShape(data, n, dim);
    if (k < 1 || k > n) {
      throw new IllegalArgumentException("k = " + k + " must be in 1..n = " + n);
    }
    if (maxIterations < 0 || threads < 1) {
      throw new IllegalArgumentException("maxIterations " + maxIterations + " must be >= 0 and"
          + " threads " + threads + " >= 1");
    }
    try (Workers workers = new Workers(threads)) {
      Random random = new Random(seed);
      float[] centroids = seed(data, n, dim, k, random, workers);
      float[] pointNorms = metric == Metric.L2 ? squaredNorms(data, n, dim) : null;
      Bounds bounds = metric == Metric.L2 ? new Bounds(n, k, pointNorms) : null;
      int[] assignments = new int[n];
      Arrays.fill(assignments, -1);
      float[] distances = new float[n];
      int iteration = 0;
      boolean converged = false;
      while (true) {
        int changed = assign(centroids, k, data, n, dim, metric, workers, assignments, distances,
            bounds);
        converged = iteration > 0 && changed < STOP_CHANGED_FRACTION * n;
        if (converged || iteration == maxIterations) {
          break;
        }
        float[] before = bounds == null ? null : centroids.clone();
        update(centroids, k, data, n, dim, metric, workers, assignments, distances, pointNorms);
        if (bounds != null) {
          bounds.centroidsMoved(before, centroids, dim, assignments);
        }
        iteration++;
      }
      return new Result(centroids, assignments, iteration, converged);
    }
  }

  /**
   * A uniform random sample of {@code size} rows (all rows if {@code size >= n}), kept in their
   * original order, as a new flat array: the usual training set when n is large.
   */
  public static float[] sample(float[] data, int n, int dim, int size, long seed) {
    checkShape(data, n, dim);
    if (size >= n) {
      return Arrays.copyOf(data, n * dim);
    }
    int[] rows = new int[n];
    Arrays.setAll(rows, i -> i);
    Random random = new Random(seed);
    for (int i = 0; i < size; i++) {
      int j = i + random.nextInt(n - i);
      int t = rows[i];
      rows[i] = rows[j];
      rows[j] = t;
    }
    Arrays.sort(rows, 0, size);
    float[] out = new float[size * dim];
    for (int i = 0; i < size; i++) {
      System.arraycopy(data, rows[i] * dim, out, i * dim, dim);
    }
    return out;
  }

  /**
   * Writes each point's nearest centroid into {@code out} (ties go to the lower centroid); used
   * to fill the inverted lists after training on a sample.
   */
  public static void assign(float[] centroids, int k, float[] data, int n, int dim, Metric metric,
      int threads, int[] out) {
    checkShape(data, n, dim);
    checkShape(centroids, k, dim);
    if (out.length < n) {
      throw new IllegalArgumentException("out has " + out.length + " slots for " + n + " points");
    }
    try (Workers workers = new Workers(threads)) {
      assign(centroids, k, data, n, dim, metric, workers, out, new float[n], null);
    }
  }

  /** The centroid nearest to {@code v[off..off+dim)}; ties go to the lower index. */
  public static int nearest(float[] centroids, int k, float[] v, int off, int dim, Metric metric) {
    int best = 0;
    float bestScore = Float.POSITIVE_INFINITY;
    for (int c = 0; c < k; c++) {
      float s = probeScore(centroids, c, v, off, dim, metric);
      if (s < bestScore) {
        bestScore = s;
        best = c;
      }
    }
    return best;
  }

  /**
   * The {@code n} centroids nearest to {@code v[off..off+dim)}, nearest first (ties by lower
   * index), written to {@code out[0..n)}: the lists to probe.
   *
   * @param n 1..k
   */
  public static void nearestN(float[] centroids, int k, float[] v, int off, int dim,
      Metric metric, int n, int[] out) {
    if (n < 1 || n > k || out.length < n) {
      throw new IllegalArgumentException("n = " + n + " must be in 1..k = " + k
          + " and fit in out[" + out.length + "]");
    }
    // One sortable key per centroid: the score's order-preserving int bits, then the index.
    long[] keys = new long[k];
    for (int c = 0; c < k; c++) {
      int bits = Float.floatToIntBits(probeScore(centroids, c, v, off, dim, metric));
      bits ^= (bits >> 31) & 0x7FFFFFFF;
      keys[c] = (long) bits << 32 | c;
    }
    Arrays.sort(keys);
    for (int i = 0; i < n; i++) {
      out[i] = (int) keys[i];
    }
  }

  /**
   * A score that orders centroids like the metric's distance to {@code v}. Cosine centroids are
   * unit length, so {@code -v.c} ranks them by cosine distance even for an unnormalised query.
   */
  private static float probeScore(float[] centroids, int c, float[] v, int off, int dim,
      Metric metric) {
    if (metric == Metric.L2) {
      return VectorKernels.squaredL2(centroids, c * dim, v, off, dim);
    }
    return -VectorKernels.dot(centroids, c * dim, v, off, dim);
  }

  // ---------------------------------------------------------------------------------------------
  // k-means++ seeding

  private static float[] seed(float[] data, int n, int dim, int k, Random random,
      Workers workers) {
    int m = (int) Math.min(n, (long) SEED_SAMPLE_PER_CENTROID * k);
    float[] points = m == n ? data : sample(data, n, dim, m, random.nextLong());
    float[] centroids = new float[k * dim];
    float[] minD2 = new float[m];
    Arrays.fill(minD2, Float.POSITIVE_INFINITY);
    int pick = random.nextInt(m);
    for (int c = 0; c < k; c++) {
      System.arraycopy(points, pick * dim, centroids, c * dim, dim);
      if (c == k - 1) {
        break;
      }
      int centroidOff = c * dim;
      workers.run(m, (from, to) -> {
        for (int i = from; i < to; i++) {
          float d = VectorKernels.squaredL2(points, i * dim, centroids, centroidOff, dim);
          if (d < minD2[i]) {
            minD2[i] = d;
          }
        }
      });
      pick = sampleBySquaredDistance(minD2, random);
    }
    return centroids;
  }

  /** D^2 sampling; when every point coincides with a seed, a uniform pick. */
  private static int sampleBySquaredDistance(float[] minD2, Random random) {
    double total = 0;
    for (float d : minD2) {
      total += d;
    }
    if (!(total > 0) || Double.isInfinite(total)) {
      return random.nextInt(minD2.length);
    }
    double r = random.nextDouble() * total;
    int last = 0;
    for (int i = 0; i < minD2.length; i++) {
      if (minD2[i] > 0) {
        last = i;
        r -= minD2[i];
        if (r < 0) {
          return i;
        }
      }
    }
    return last; // rounding left r a hair above zero
  }

  // ---------------------------------------------------------------------------------------------
  // Lloyd steps

  /**
   * Assigns every point; returns how many changed cluster. Fills each point's distance proxy
   * (the score, or for points skipped through {@code bounds} an equivalent from their bound).
   */
  private static int assign(float[] centroids, int k, float[] data, int n, int dim,
      Metric metric, Workers workers, int[] assignments, float[] distances, Bounds bounds) {
    float[] bias = new float[k];
    if (metric == Metric.L2) {
      for (int c = 0; c < k; c++) {
        bias[c] = dot(centroids, c * dim, centroids, c * dim, dim);
      }
    }
    if (bounds != null && bounds.ready) {
      bounds.halfGaps(centroids, dim);
    }
    float scale = metric == Metric.L2 ? -2f : -1f;
    int[] changed = new int[workers.count()];
    workers.runIndexed(n, (worker, from, to) -> changed[worker] = new Assigner(centroids, bias,
        scale, k, data, dim, assignments, distances, bounds).assignRange(from, to));
    if (bounds != null) {
      bounds.ready = true;
    }
    int total = 0;
    for (int c : changed) {
      total += c;
    }
    return total;
  }

  /**
   * Hamerly's bounds for L2 (Hamerly, "Making k-means even faster", SDM 2010): per point an upper
   * bound on the distance to its centroid and a lower bound on the distance to any other; per
   * centroid half the distance to its nearest neighbour. A point whose upper bound is below both
   * cannot change cluster and is not scored; after the first few iterations that is most points.
   * Bounds are widened by a relative slack that covers float rounding, so a skip never hides a
   * move a full scan would make, except between centroids within ~1e-5 of a tie. Every decision
   * is per point, so the thread count still does not matter.
   */
  private static final class Bounds {
    private static final float SLACK = 1e-5f;
    final float[] upper;
    final float[] lower;
    final float[] pointNorms;
    final float[] halfGap;
    /** False until a full assignment has set every point's bounds. */
    boolean ready;

    Bounds(int n, int k, float[] pointNorms) {
      this.upper = new float[n];
      this.lower = new float[n];
      this.pointNorms = pointNorms;
      this.halfGap = new float[k];
    }

    /** Half the distance from each centroid to its nearest other centroid, rounded down. */
    void halfGaps(float[] centroids, int dim) {
      int k = halfGap.length;
      Arrays.fill(halfGap, Float.POSITIVE_INFINITY);
      for (int a = 0; a < k; a++) {
        for (int b = a + 1; b < k; b++) {
          float d = VectorKernels.squaredL2(centroids, a * dim, centroids, b * dim, dim);
          halfGap[a] = Math.min(halfGap[a], d);
          halfGap[b] = Math.min(halfGap[b], d);
        }
      }
      for (int c = 0; c < k; c++) {
        halfGap[c] = 0.5f * (float) Math.sqrt(halfGap[c]) * (1 - SLACK);
      }
    }

    /** Loosens the bounds by how far the centroids moved. */
    void centroidsMoved(float[] before, float[] after, int dim, int[] assignments) {
      int k = halfGap.length;
      float[] moved = new float[k];
      int far = 0;
      for (int c = 0; c < k; c++) {
        moved[c] = (float) Math.sqrt(VectorKernels.squaredL2(before, c * dim, after, c * dim, dim))
            * (1 + SLACK);
        if (moved[c] > moved[far]) {
          far = c;
        }
      }
      float second = 0;
      for (int c = 0; c < k; c++) {
        if (c != far) {
          second = Math.max(second, moved[c]);
        }
      }
      for (int p = 0; p < upper.length; p++) {
        int a = assignments[p];
        upper[p] += moved[a];
        lower[p] -= a == far ? second : moved[far];
      }
    }

    /** An upper bound on the distance behind a score {@code ||c||^2 - 2 v.c}. */
    float upperFromScore(int p, float score) {
      float d2 = pointNorms[p] + score;
      return (float) Math.sqrt(Math.max(0f, d2) + SLACK * (pointNorms[p] + Math.abs(score)));
    }

    /** A lower bound on the distance behind a score. */
    float lowerFromScore(int p, float score) {
      if (score == Float.POSITIVE_INFINITY) {
        return Float.POSITIVE_INFINITY;
      }
      float d2 = pointNorms[p] + score - SLACK * (pointNorms[p] + Math.abs(score));
      return (float) Math.sqrt(Math.max(0f, d2));
    }
  }

  /**
   * The hot loop of k-means. Scores a tile of 4 points x 4 centroids at a time: 16 scalar
   * accumulators stay in registers and each loaded value serves four multiply-adds, about 3x the
   * throughput of one dot product at a time. Every dot product is the plain sequential sum over
   * the dimensions, in tiles and in the remainder loops alike, so a point's scores do not depend
   * on where a thread's range begins or which points share its tile.
   */
  private static final class Assigner {
    private final float[] centroids;
    private final float[] bias;
    private final float scale;
    private final int k;
    private final float[] data;
    private final int dim;
    private final int[] assignments;
    private final float[] distances;
    private final Bounds bounds;
    private final float[] tile = new float[16];
    private final float[] bestScore = new float[4];
    private final float[] secondScore = new float[4];
    private final int[] best = new int[4];

    Assigner(float[] centroids, float[] bias, float scale, int k, float[] data, int dim,
        int[] assignments, float[] distances, Bounds bounds) {
      this.centroids = centroids;
      this.bias = bias;
      this.scale = scale;
      this.k = k;
      this.data = data;
      this.dim = dim;
      this.assignments = assignments;
      this.distances = distances;
      this.bounds = bounds;
    }

    int assignRange(int from, int to) {
      int[] points = new int[to - from];
      int count = 0;
      int changed = 0;
      if (bounds == null || !bounds.ready) {
        for (int p = from; p < to; p++) {
          points[count++] = p;
        }
      } else {
        for (int p = from; p < to; p++) {
          int a = assignments[p];
          float limit = Math.max(bounds.halfGap[a], bounds.lower[p]);
          if (bounds.upper[p] > limit) {
            float score = bias[a] + scale * dot(data, p * dim, centroids, a * dim, dim);
            bounds.upper[p] = bounds.upperFromScore(p, score);
            distances[p] = score;
            if (bounds.upper[p] > limit) {
              points[count++] = p;
            }
          }
        }
      }
      for (int i = 0; i < count; i += 4) {
        changed += scan(points, i, Math.min(4, count - i));
      }
      return changed;
    }

    /** Scores {@code size} (1..4) points {@code points[at..]} against every centroid. */
    private int scan(int[] points, int at, int size) {
      Arrays.fill(bestScore, Float.POSITIVE_INFINITY);
      Arrays.fill(secondScore, Float.POSITIVE_INFINITY);
      Arrays.fill(best, 0);
      int c = 0;
      if (size == 4) {
        int o0 = points[at] * dim, o1 = points[at + 1] * dim;
        int o2 = points[at + 2] * dim, o3 = points[at + 3] * dim;
        for (; c + 4 <= k; c += 4) {
          tile4x4(o0, o1, o2, o3, c * dim);
          for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
              offer(i, c + j, tile[4 * i + j]);
            }
          }
        }
      }
      for (; c < k; c++) {
        for (int i = 0; i < size; i++) {
          offer(i, c, dot(data, points[at + i] * dim, centroids, c * dim, dim));
        }
      }
      int changed = 0;
      for (int i = 0; i < size; i++) {
        int p = points[at + i];
        distances[p] = bestScore[i];
        if (bounds != null) {
          bounds.upper[p] = bounds.upperFromScore(p, bestScore[i]);
          bounds.lower[p] = bounds.lowerFromScore(p, secondScore[i]);
        }
        if (assignments[p] != best[i]) {
          assignments[p] = best[i];
          changed++;
        }
      }
      return changed;
    }

    /** Centroids arrive in ascending order and only a strictly better score wins: ties go low. */
    private void offer(int point, int centroid, float dot) {
      float score = bias[centroid] + scale * dot;
      if (score < bestScore[point]) {
        secondScore[point] = bestScore[point];
        bestScore[point] = score;
        best[point] = centroid;
      } else if (score < secondScore[point]) {
        secondScore[point] = score;
      }
    }

    private void tile4x4(int p0, int p1, int p2, int p3, int c0) {
      float[] v = data;
      float[] w = centroids;
      int c1 = c0 + dim, c2 = c1 + dim, c3 = c2 + dim;
      float s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      float s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (int d = 0; d < dim; d++) {
        float x0 = v[p0 + d], x1 = v[p1 + d], x2 = v[p2 + d], x3 = v[p3 + d];
        float w0 = w[c0 + d], w1 = w[c1 + d], w2 = w[c2 + d], w3 = w[c3 + d];
        s00 += x0 * w0; s01 += x0 * w1; s02 += x0 * w2; s03 += x0 * w3;
        s10 += x1 * w0; s11 += x1 * w1; s12 += x1 * w2; s13 += x1 * w3;
        s20 += x2 * w0; s21 += x2 * w1; s22 += x2 * w2; s23 += x2 * w3;
        s30 += x3 * w0; s31 += x3 * w1; s32 += x3 * w2; s33 += x3 * w3;
      }
      float[] t = tile;
      t[0] = s00; t[1] = s01; t[2] = s02; t[3] = s03;
      t[4] = s10; t[5] = s11; t[6] = s12; t[7] = s13;
      t[8] = s20; t[9] = s21; t[10] = s22; t[11] = s23;
      t[12] = s30; t[13] = s31; t[14] = s32; t[15] = s33;
    }
  }

  /** The sequential dot product the tiles compute, for the remainders. */
  private static float dot(float[] a, int aOff, float[] b, int bOff, int dim) {
    float s = 0;
    for (int d = 0; d < dim; d++) {
      s += a[aOff + d] * b[bOff + d];
    }
    return s;
  }

  /**
   * Moves each centroid to the mean of its points (summed in double, in point order), re-seeds
   * empty clusters with the points farthest from their centroids, and re-normalises for cosine.
   */
  private static void update(float[] centroids, int k, float[] data, int n, int dim,
      Metric metric, Workers workers, int[] assignments, float[] distances, float[] pointNorms) {
    // Counting sort of point indexes by cluster: members of c are order[start[c]..start[c+1]).
    int[] start = new int[k + 1];
    for (int p = 0; p < n; p++) {
      start[assignments[p] + 1]++;
    }
    for (int c = 0; c < k; c++) {
      start[c + 1] += start[c];
    }
    int[] order = new int[n];
    int[] fill = Arrays.copyOf(start, k);
    for (int p = 0; p < n; p++) {
      order[fill[assignments[p]]++] = p;
    }
    workers.run(k, (from, to) -> {
      double[] sum = new double[dim];
      for (int c = from; c < to; c++) {
        int size = start[c + 1] - start[c];
        if (size == 0) {
          continue;
        }
        Arrays.fill(sum, 0.0);
        for (int i = start[c]; i < start[c + 1]; i++) {
          int off = order[i] * dim;
          for (int d = 0; d < dim; d++) {
            sum[d] += data[off + d];
          }
        }
        for (int d = 0; d < dim; d++) {
          centroids[c * dim + d] = (float) (sum[d] / size);
        }
        if (metric == Metric.COSINE) {
          VectorKernels.normalize(centroids, c * dim, dim);
        }
      }
    });
    reseedEmpty(centroids, k, data, n, dim, start, distances, pointNorms);
  }

  /**
   * An empty cluster takes the point worst served by its current centroid (largest distance,
   * ties to the lower index), which is then not taken again. Deterministic and serial: empty
   * clusters are rare, and each costs one pass over the distances.
   */
  private static void reseedEmpty(float[] centroids, int k, float[] data, int n, int dim,
      int[] start, float[] distances, float[] pointNorms) {
    boolean[] taken = null;
    for (int c = 0; c < k; c++) {
      if (start[c + 1] != start[c]) {
        continue;
      }
      if (taken == null) {
        taken = new boolean[n];
      }
      int far = -1;
      float farDistance = Float.NEGATIVE_INFINITY;
      for (int p = 0; p < n; p++) {
        // For L2 the stored score lacks the point's own ||v||^2, which differs between points.
        float d = pointNorms == null ? distances[p] : distances[p] + pointNorms[p];
        if (!taken[p] && d > farDistance) {
          farDistance = d;
          far = p;
        }
      }
      if (far < 0) {
        return; // more empty clusters than points: leave the rest where they are
      }
      taken[far] = true;
      System.arraycopy(data, far * dim, centroids, c * dim, dim);
    }
  }

  private static float[] squaredNorms(float[] data, int n, int dim) {
    float[] norms = new float[n];
    for (int p = 0; p < n; p++) {
      norms[p] = VectorKernels.dot(data, p * dim, data, p * dim, dim);
    }
    return norms;
  }

  private static void checkShape(float[] data, int n, int dim) {
    if (n < 0 || dim < 1 || data == null || (long) n * dim > data.length) {
      throw new IllegalArgumentException(n + " x " + dim + " floats do not fit in an array of "
          + (data == null ? "null" : data.length));
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** A range of work items [from, to). */
  private interface RangeTask {
    void run(int from, int to);
  }

  /** A range of work items handed to worker {@code worker}. */
  private interface WorkerTask {
    void run(int worker, int from, int to);
  }

  /**
   * Splits [0, n) into one contiguous range per thread. Which thread gets which range never
   * affects a result (see the class comment), only how fast it arrives.
   */
  private static final class Workers implements AutoCloseable {
    private final int count;
    private final ExecutorService pool;

    Workers(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1: " + threads);
      }
      this.count = threads;
      this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, "pqvector-kmeans");
        t.setDaemon(true);
        return t;
      });
    }

    int count() {
      return count;
    }

    void run(int n, RangeTask task) {
      runIndexed(n, (worker, from, to) -> task.run(from, to));
    }

    void runIndexed(int n, WorkerTask task) {
      if (pool == null || n < 2 * count) {
        task.run(0, 0, n);
        return;
      }
      List<Future<?>> futures = new ArrayList<>(count);
      for (int w = 0; w < count; w++) {
        int worker = w;
        int from = (int) ((long) n * w / count);
        int to = (int) ((long) n * (w + 1) / count);
        futures.add(pool.submit(() -> task.run(worker, from, to)));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("k-means interrupted", e);
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
          }
          if (cause instanceof Error) {
            throw (Error) cause;
          }
          throw new IllegalStateException(cause);
        }
      }
    }

    @Override public void close() {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
  }
}
