package io.pqvector.vector;

import java.util.Arrays;

/**
 * The k nearest (distance, row id) pairs seen so far: a bounded max-heap on two primitive arrays,
 * so offering a candidate allocates nothing. Ties on distance keep the smaller row id, which makes
 * results deterministic across scan orders and thread splits. Distances order as
 * {@link Float#compare} does, so NaN ranks after every number, as SQL engines sort it.
 *
 * <p>Made {@link #withVectors}, it also keeps a copy of each kept row's vector in one flat array
 * of k slots: an entry that leaves the heap frees its slot for the one that replaces it, so the
 * winners' vectors are at hand at the end without a map or an allocation per candidate.
 */
public final class TopK {
  private final int k;
  // Grown on demand: k may be huge (LIMIT 1000000) while few rows exist.
  private float[] dists;
  private long[] rowIds;
  private int size;
  /** Vector length of the slots, 0 when no vectors are kept. */
  private final int dim;
  /** Per heap position, the slot of {@link #vectors} holding that entry's vector. */
  private int[] slots;
  private float[] vectors;

  public TopK(int k) {
    this(k, 0);
  }

  private TopK(int k, int dim) {
    if (k < 0) {
      throw new IllegalArgumentException("k must be >= 0: " + k);
    }
    this.k = k;
    this.dim = dim;
    int cap = Math.max(1, Math.min(k, 1024));
    this.dists = new float[cap];
    this.rowIds = new long[cap];
    if (dim > 0) {
      this.slots = new int[cap];
      this.vectors = new float[cap * dim];
    }
  }

  /** A top-k that also keeps the vectors of the rows it keeps, each {@code dim} floats. */
  public static TopK withVectors(int k, int dim) {
    if (dim < 1) {
      throw new IllegalArgumentException("dim must be >= 1: " + dim);
    }
    return new TopK(k, dim);
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
    return offer(d, row, null, 0);
  }

  /**
   * Offers a candidate whose vector is {@code vector[offset..offset+dim)}; the vector is copied
   * only if the candidate is kept (and only when this top-k keeps vectors).
   */
  public boolean offer(float d, long row, float[] vector, int offset) {
    if (k == 0) {
      return false;
    }
    if (size < k) {
      if (size == dists.length) {
        int n = (int) Math.min(k, (long) dists.length * 2);
        dists = Arrays.copyOf(dists, n);
        rowIds = Arrays.copyOf(rowIds, n);
        if (dim > 0) {
          slots = Arrays.copyOf(slots, n);
          vectors = Arrays.copyOf(vectors, n * dim);
        }
      }
      dists[size] = d;
      rowIds[size] = row;
      if (dim > 0) {
        slots[size] = size;
        store(size, vector, offset);
      }
      siftUp(size++);
      return true;
    }
    if (worse(d, row, dists[0], rowIds[0])) {
      return false;
    }
    dists[0] = d;
    rowIds[0] = row;
    if (dim > 0) {
      store(slots[0], vector, offset); // the evicted root's slot
    }
    siftDown(0);
    return true;
  }

  private void store(int slot, float[] vector, int offset) {
    if (vector == null) {
      throw new IllegalArgumentException("this top-k keeps vectors: offer one");
    }
    System.arraycopy(vector, offset, vectors, slot * dim, dim);
  }

  /** Merges another top-k into this one (with its vectors, when both keep them). */
  public void addAll(TopK other) {
    boolean withVectors = dim > 0;
    if (withVectors && other.dim != dim) {
      throw new IllegalArgumentException("merging a top-k of " + other.dim + "-float vectors"
          + " into one of " + dim);
    }
    for (int i = 0; i < other.size; i++) {
      if (withVectors) {
        offer(other.dists[i], other.rowIds[i], other.vectors, other.slots[i] * dim);
      } else {
        offer(other.dists[i], other.rowIds[i]);
      }
    }
  }

  /** Copies of the kept vectors, nearest first (same order as {@link #rowsSorted()}). */
  public float[][] vectorsSorted() {
    if (dim == 0) {
      throw new IllegalStateException("this top-k keeps no vectors");
    }
    int[] order = sortedOrder();
    float[][] out = new float[size][];
    for (int i = 0; i < size; i++) {
      int from = slots[order[i]] * dim;
      out[i] = Arrays.copyOfRange(vectors, from, from + dim);
    }
    return out;
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
    int slot = dim > 0 ? slots[i] : 0;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!worse(d, r, dists[parent], rowIds[parent])) {
        break;
      }
      dists[i] = dists[parent];
      rowIds[i] = rowIds[parent];
      if (dim > 0) {
        slots[i] = slots[parent];
      }
      i = parent;
    }
    dists[i] = d;
    rowIds[i] = r;
    if (dim > 0) {
      slots[i] = slot;
    }
  }

  private void siftDown(int i) {
    float d = dists[i];
    long r = rowIds[i];
    int slot = dim > 0 ? slots[i] : 0;
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
      if (dim > 0) {
        slots[i] = slots[child];
      }
      i = child;
    }
    dists[i] = d;
    rowIds[i] = r;
    if (dim > 0) {
      slots[i] = slot;
    }
  }
}
