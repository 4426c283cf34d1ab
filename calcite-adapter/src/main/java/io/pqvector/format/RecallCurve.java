package io.pqvector.format;

import java.util.Arrays;

/**
 * Recall against nprobe, measured when the index was built: for sample queries drawn from the
 * file itself, the fraction of each query's exact k nearest rows that lie in the first
 * {@code nprobe} lists the query probes, averaged over the queries, for a few k. It is an
 * estimate for queries that look like the file's own vectors, not a guarantee for others.
 *
 * <p>{@code recall[i][j]} is recall@{@code ks[i]} when {@code nprobes[j]} lists are probed.
 * The nprobe values rise strictly and the last one is the list count; recall never falls as
 * nprobe rises.
 *
 * @param queries sample queries the curve averages over
 * @param rowsSearched rows among which each query's exact neighbours were found (the indexed
 *     rows, or a uniform sample of them when the file was too large to search in bounded time)
 */
public record RecallCurve(int queries, long rowsSearched, int[] ks, int[] nprobes,
    float[][] recall) {

  /** At most this many k values and nprobe points: bounds what a reader allocates. */
  static final int MAX_KS = 16;
  static final int MAX_POINTS = 65_536;

  public RecallCurve {
    String problem = problem(queries, rowsSearched, ks, nprobes, recall, Integer.MAX_VALUE);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /** The first reason these values cannot form a curve for an index of {@code lists} lists. */
  static String problem(long queries, long rowsSearched, int[] ks, int[] nprobes,
      float[][] recall, int lists) {
    if (queries < 1 || queries > Integer.MAX_VALUE) {
      return "recall curve: query count " + queries + " out of range";
    }
    if (rowsSearched < 1) {
      return "recall curve: rows searched " + rowsSearched + " out of range";
    }
    if (ks == null || ks.length < 1 || ks.length > MAX_KS) {
      return "recall curve: " + (ks == null ? 0 : ks.length) + " k values, expected 1.." + MAX_KS;
    }
    if (nprobes == null || nprobes.length < 1 || nprobes.length > MAX_POINTS) {
      return "recall curve: " + (nprobes == null ? 0 : nprobes.length)
          + " nprobe points, expected 1.." + MAX_POINTS;
    }
    for (int i = 0; i < ks.length; i++) {
      if (ks[i] < 1 || (i > 0 && ks[i] <= ks[i - 1])) {
        return "recall curve: k values must be positive and rise strictly: "
            + Arrays.toString(ks);
      }
    }
    for (int j = 0; j < nprobes.length; j++) {
      if (nprobes[j] < 1 || (j > 0 && nprobes[j] <= nprobes[j - 1]) || nprobes[j] > lists) {
        return "recall curve: nprobe point " + j + " is " + nprobes[j]
            + ": points must rise strictly within 1.." + lists;
      }
    }
    if (lists != Integer.MAX_VALUE && nprobes[nprobes.length - 1] != lists) {
      return "recall curve: the last nprobe point is " + nprobes[nprobes.length - 1]
          + ", not the list count " + lists;
    }
    if (recall == null || recall.length != ks.length) {
      return "recall curve: expected " + ks.length + " rows of recall values";
    }
    for (int i = 0; i < ks.length; i++) {
      if (recall[i] == null || recall[i].length != nprobes.length) {
        return "recall curve: row " + i + " must hold " + nprobes.length + " values";
      }
      for (int j = 0; j < nprobes.length; j++) {
        float r = recall[i][j];
        if (!(r >= 0 && r <= 1) || (j > 0 && r < recall[i][j - 1])) {
          return "recall curve: recall@" + ks[i] + " at nprobe " + nprobes[j] + " is " + r
              + ": values must lie in [0, 1] and never fall as nprobe rises";
        }
      }
    }
    return null;
  }

  /** The largest k the curve was measured for; beyond it {@link #nprobeFor} extrapolates. */
  public int maxK() {
    return ks[ks.length - 1];
  }

  public int lists() {
    return nprobes[nprobes.length - 1];
  }

  /**
   * The fewest lists to probe so that the curve expects recall@k of at least {@code target}.
   * Between measured k values it interpolates on log k; above the largest it scales the
   * largest's nprobe by k / maxK (more neighbours need at most proportionally more lists, which
   * errs towards probing more).
   */
  public int nprobeFor(double k, double target) {
    k = Math.max(1, k);
    if (k >= maxK()) {
      double p = nprobeAt(ks.length - 1, target) * (k / maxK());
      return (int) Math.min(lists(), Math.ceil(p - 1e-9));
    }
    int b = 0;
    while (ks[b] < k) {
      b++;
    }
    if (ks[b] == k || b == 0) {
      return nprobeAt(b, target);
    }
    int a = b - 1;
    double t = (Math.log(k) - Math.log(ks[a])) / (Math.log(ks[b]) - Math.log(ks[a]));
    double p = nprobeAt(a, target) + t * (nprobeAt(b, target) - nprobeAt(a, target));
    return (int) Math.min(lists(), Math.ceil(p - 1e-9));
  }

  /** The recall@k the curve expects at {@code nprobe} lists (interpolated like nprobeFor). */
  public double expectedRecall(double k, int nprobe) {
    k = Math.max(1, k);
    if (k <= ks[0]) {
      return recallAt(0, nprobe);
    }
    if (k >= maxK()) {
      // Probing nprobe lists for k > maxK is like probing nprobe * maxK / k for maxK.
      return recallAt(ks.length - 1, (int) Math.floor(nprobe * maxK() / k));
    }
    int b = 0;
    while (ks[b] < k) {
      b++;
    }
    if (ks[b] == k) {
      return recallAt(b, nprobe);
    }
    int a = b - 1;
    double t = (Math.log(k) - Math.log(ks[a])) / (Math.log(ks[b]) - Math.log(ks[a]));
    return recallAt(a, nprobe) + t * (recallAt(b, nprobe) - recallAt(a, nprobe));
  }

  /** Smallest measured nprobe whose recall for {@code ks[i]} reaches the target. */
  private int nprobeAt(int i, double target) {
    for (int j = 0; j < nprobes.length; j++) {
      if (recall[i][j] >= target) {
        return nprobes[j];
      }
    }
    return lists();
  }

  /** Recall for {@code ks[i]} at the largest measured point not above {@code nprobe}. */
  private double recallAt(int i, int nprobe) {
    double r = 0;
    for (int j = 0; j < nprobes.length && nprobes[j] <= nprobe; j++) {
      r = recall[i][j];
    }
    return r;
  }

  /** Bytes of the curve's section in the payload. */
  int byteLength() {
    return 16 + 4 * ks.length + 4 * nprobes.length + 4 * ks.length * nprobes.length;
  }

  @Override public boolean equals(Object o) {
    return o instanceof RecallCurve c && queries == c.queries && rowsSearched == c.rowsSearched
        && Arrays.equals(ks, c.ks) && Arrays.equals(nprobes, c.nprobes)
        && Arrays.deepEquals(recall, c.recall);
  }

  @Override public int hashCode() {
    return Arrays.hashCode(ks) * 31 + Arrays.hashCode(nprobes);
  }

  @Override public String toString() {
    StringBuilder sb = new StringBuilder("RecallCurve[" + queries + " queries over "
        + rowsSearched + " rows");
    for (int i = 0; i < ks.length; i++) {
      sb.append(", recall@").append(ks[i]).append(" 0.95 at nprobe ")
          .append(nprobeAt(i, 0.95));
    }
    return sb.append(']').toString();
  }
}
