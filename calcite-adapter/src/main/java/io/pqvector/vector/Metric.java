package io.pqvector.vector;

import java.util.Locale;

/**
 * A distance between two vectors where smaller means nearer, with DuckDB's semantics:
 * {@code l2} is Euclidean ({@code array_distance}), {@code cosine} is 1 - cosine similarity
 * ({@code array_cosine_distance}), {@code dot} is the negative inner product
 * ({@code array_negative_inner_product}).
 *
 * <p>Kernels read from flat primitive arrays at an offset, so a batch of vectors decoded from a
 * Parquet page is scored without copying or boxing.
 */
public enum Metric {
  L2("l2") {
    @Override public float distance(float[] a, int aOff, float[] b, int bOff, int dim) {
      return (float) Math.sqrt(VectorKernels.squaredL2(a, aOff, b, bOff, dim));
    }
  },
  COSINE("cosine") {
    @Override public float distance(float[] a, int aOff, float[] b, int bOff, int dim) {
      return VectorKernels.cosineDistance(a, aOff, b, bOff, dim);
    }
  },
  DOT("dot") {
    @Override public float distance(float[] a, int aOff, float[] b, int bOff, int dim) {
      return -VectorKernels.dot(a, aOff, b, bOff, dim);
    }
  };

  private final String id;

  Metric(String id) {
    this.id = id;
  }

  /** The name used on the command line, in connection properties and in the index format. */
  public String id() {
    return id;
  }

  /** Distance between {@code a[aOff..aOff+dim)} and {@code b[bOff..bOff+dim)}; smaller is nearer. */
  public abstract float distance(float[] a, int aOff, float[] b, int bOff, int dim);

  public final float distance(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "vectors have different lengths: " + a.length + " and " + b.length);
    }
    return distance(a, 0, b, 0, a.length);
  }

  /** Parses {@code l2}, {@code cosine} or {@code dot} (case-insensitive, with a few common aliases). */
  public static Metric fromId(String name) {
    switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "l2": case "euclidean": return L2;
      case "cosine": case "cos": return COSINE;
      case "dot": case "ip": case "inner_product": return DOT;
      default:
        throw new IllegalArgumentException(
            "unknown metric '" + name + "': expected one of l2, cosine, dot");
    }
  }
}
