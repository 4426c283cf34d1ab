package io.pqvector.vector;

/**
 * Allocation-free distance kernels over float arrays, the one entry point for every distance the
 * project computes (search, k-means, index builds).
 *
 * <p>Two implementations give the same results up to float rounding: {@link ScalarKernels}, and
 * {@link SimdKernels} on the JDK's vector API, which a JVM has only when started with
 * {@code --add-modules jdk.incubator.vector}. A driver cannot choose its host's flags, so the
 * choice is made once, when this class loads: SIMD where the module is there (and
 * {@code -Dpqvector.simd=false} does not turn it off), scalar otherwise. {@link #implementation()}
 * says which; {@code KernelBenchmark} measures both.
 */
public final class VectorKernels {
  private static final boolean SIMD = simdAvailable();

  private VectorKernels() {}

  /** {@code "simd"} or {@code "scalar"}: which kernels this JVM runs. */
  public static String implementation() {
    return SIMD ? "simd" : "scalar";
  }

  public static float dot(float[] a, int aOff, float[] b, int bOff, int dim) {
    return SIMD ? SimdKernels.dot(a, aOff, b, bOff, dim) : ScalarKernels.dot(a, aOff, b, bOff, dim);
  }

  public static float squaredL2(float[] a, int aOff, float[] b, int bOff, int dim) {
    return SIMD ? SimdKernels.squaredL2(a, aOff, b, bOff, dim)
        : ScalarKernels.squaredL2(a, aOff, b, bOff, dim);
  }

  /**
   * 1 - cos(a, b), as DuckDB's {@code array_cosine_distance}. Norms and dot product are taken in
   * one pass. A zero vector has no direction: the result is NaN.
   */
  public static float cosineDistance(float[] a, int aOff, float[] b, int bOff, int dim) {
    return SIMD ? SimdKernels.cosineDistance(a, aOff, b, bOff, dim)
        : ScalarKernels.cosineDistance(a, aOff, b, bOff, dim);
  }

  /** 1 - the cosine of two vectors from their dot product and squared norms, clamped like DuckDB. */
  static float cosineDistance(double dot, double squaredNormA, double squaredNormB) {
    double sim = dot / Math.sqrt(squaredNormA * squaredNormB);
    // Rounding can push |sim| a hair past 1; clamp like DuckDB so identical vectors give 0.
    sim = Math.max(-1.0, Math.min(1.0, sim));
    return (float) (1.0 - sim);
  }

  private static boolean simdAvailable() {
    if (!Boolean.parseBoolean(System.getProperty("pqvector.simd", "true"))
        || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return false;
    }
    try {
      // Loads the vector API classes; a JVM that has the module but cannot use it stays scalar.
      float[] probe = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
      return SimdKernels.dot(probe, 0, probe, 0, probe.length)
          == ScalarKernels.dot(probe, 0, probe, 0, probe.length);
    } catch (LinkageError | RuntimeException e) {
      return false;
    }
  }

  /** Euclidean norm. */
  public static float norm(float[] a, int off, int dim) {
    return (float) Math.sqrt(dot(a, off, a, off, dim));
  }

  /** Scales {@code a[off..off+dim)} to unit length in place; a zero vector is left as it is. */
  public static void normalize(float[] a, int off, int dim) {
    float n = norm(a, off, dim);
    if (n > 0 && Float.isFinite(n)) {
      float inv = 1f / n;
      for (int i = 0; i < dim; i++) {
        a[off + i] *= inv;
      }
    }
  }
}
