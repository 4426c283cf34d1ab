package io.pqvector.vector;

import java.util.Arrays;

/**
 * The k nearest (distance, row id) pairs seen so far: a bounded max-heap on two primitive arrays,
 * so offering a candidate allocates nothing. Ties on distance keep the smaller row id, which makes
 * results deterministic across scan orders and thread splits. Distances order as
 * {@link Float#compare} does, so NaN ranks after every number, as SQL engines sort it.
 */
public final class TopK {
  private final int k;
  // Grown on demand: k may be huge (LIMIT 1000000) while few rows exist.
  private float[] dists;
  private long[] rowIds;
  private int size;

  public TopK(int k) {
    if (k < 0) {
      throw new IllegalArgumentException("k must be >= 0: " + k);
    }
    this.k = k;
    int cap = Math.max(1, Math.min(k, 1024));
    this.dists = new float[cap];
    this.rowIds = new long[cap];
  }

  public int k() {
    return k;
  }

  public int size() {
    return size;
  }

  public boolean isFull() {
    return size == k;
  }

  /** The distance a candidate must beat to enter, or +infinity while not full. */
  public float threshold() {
    return size < k ? Float.POSITIVE_INFINITY : dists[0];
  }

  /** Offers a candidate; returns whether it was kept. */
  public boolean offer(float d, long row) {
    if (k == 0) {
      return false;
    }
    if (size < k) {
      if (size == dists.length) {
        int n = (int) Math.min(k, (long) dists.length * 2);
        dists = Arrays.copyOf(dists, n);
        rowIds = Arrays.copyOf(rowIds, n);
      }
      dists[size] = d;
      rowIds[size] = row;
      siftUp(size++);
      return true;
    }
    if (worse(d, row, dists[0], rowIds[0])) {
      return false;
    }
    dists[0] = d;
    rowIds[0] = row;
    siftDown(0);
    return true;
  }

  /** Merges another top-k into this one. */
  public void addAll(TopK other) {
    for (int i = 0; i < other.size; i++) {
      offer(other.dists[i], other.rowIds[i]);
    }
  }

  /** Row ids, nearest first. */
  public long[] rowsSorted() {
    int[] order = sortedOrder();
    long[] out = new long[size];
    for (int i = 0; i < size; i++) {
      out[i] = rowIds[order[i]];
    }
    return out;
  }

  /** Distances, nearest first (same order as {@link #rowsSorted()}). */
  public float[] distancesSorted() {
    int[] order = sortedOrder();
    float[] out = new float[size];
    for (int i = 0; i < size; i++) {
      out[i] = dists[order[i]];
    }
    return out;
  }

  private int[] sortedOrder() {
    Integer[] idx = new Integer[size];
    for (int i = 0; i < size; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (x, y) -> worse(dists[x], rowIds[x], dists[y], rowIds[y]) ? 1
        : worse(dists[y], rowIds[y], dists[x], rowIds[x]) ? -1 : 0);
    int[] out = new int[size];
    for (int i = 0; i < size; i++) {
      out[i] = idx[i];
    }
    return out;
  }

  /** Whether (d1, r1) ranks after (d2, r2). */
  private static boolean worse(float d1, long r1, float d2, long r2) {
    int c = Float.compare(d1, d2);
    return c > 0 || (c == 0 && r1 > r2);
  }

  private void siftUp(int i) {
    float d = dists[i];
    long r = rowIds[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!worse(d, r, dists[parent], rowIds[parent])) {
        break;
      }
      dists[i] = dists[parent];
      rowIds[i] = rowIds[parent];
      i = parent;
    }
    dists[i] = d;
    rowIds[i] = r;
  }

  private void siftDown(int i) {
    float d = dists[i];
    long r = rowIds[i];
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && worse(dists[right], rowIds[right], dists[child], rowIds[child])) {
        child = right;
      }
      if (!worse(dists[child], rowIds[child], d, r)) {
        break;
      }
      dists[i] = dists[child];
      rowIds[i] = rowIds[child];
      i = child;
    }
    dists[i] = d;
    rowIds[i] = r;
  }
}
