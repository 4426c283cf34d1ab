package io.pqvector.vector;

/**
 * The kernels in plain Java: eight independent accumulators break the add-latency chain so the
 * JIT keeps several multiply-adds in flight (HotSpot does not vectorise ordered float reductions
 * on its own). Used wherever the JVM has no {@code jdk.incubator.vector} module.
 */
final class ScalarKernels {
  private ScalarKernels() {}

  static float dot(float[] a, int aOff, float[] b, int bOff, int dim) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    int i = 0;
    for (int end = dim - 7; i < end; i += 8) {
      s0 += a[aOff + i] * b[bOff + i];
      s1 += a[aOff + i + 1] * b[bOff + i + 1];
      s2 += a[aOff + i + 2] * b[bOff + i + 2];
      s3 += a[aOff + i + 3] * b[bOff + i + 3];
      s4 += a[aOff + i + 4] * b[bOff + i + 4];
      s5 += a[aOff + i + 5] * b[bOff + i + 5];
      s6 += a[aOff + i + 6] * b[bOff + i + 6];
      s7 += a[aOff + i + 7] * b[bOff + i + 7];
    }
    for (; i < dim; i++) {
      s0 += a[aOff + i] * b[bOff + i];
    }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  }

  static float squaredL2(float[] a, int aOff, float[] b, int bOff, int dim) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    int i = 0;
    for (int end = dim - 7; i < end; i += 8) {
      float d0 = a[aOff + i] - b[bOff + i];
      float d1 = a[aOff + i + 1] - b[bOff + i + 1];
      float d2 = a[aOff + i + 2] - b[bOff + i + 2];
      float d3 = a[aOff + i + 3] - b[bOff + i + 3];
      float d4 = a[aOff + i + 4] - b[bOff + i + 4];
      float d5 = a[aOff + i + 5] - b[bOff + i + 5];
      float d6 = a[aOff + i + 6] - b[bOff + i + 6];
      float d7 = a[aOff + i + 7] - b[bOff + i + 7];
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
      s4 += d4 * d4;
      s5 += d5 * d5;
      s6 += d6 * d6;
      s7 += d7 * d7;
    }
    for (; i < dim; i++) {
      float d = a[aOff + i] - b[bOff + i];
      s0 += d * d;
    }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  }

  static float cosineDistance(float[] a, int aOff, float[] b, int bOff, int dim) {
    float d0 = 0, d1 = 0, d2 = 0, d3 = 0;
    float na0 = 0, na1 = 0, na2 = 0, na3 = 0;
    float nb0 = 0, nb1 = 0, nb2 = 0, nb3 = 0;
    int i = 0;
    for (int end = dim - 3; i < end; i += 4) {
      float x0 = a[aOff + i], x1 = a[aOff + i + 1], x2 = a[aOff + i + 2], x3 = a[aOff + i + 3];
      float y0 = b[bOff + i], y1 = b[bOff + i + 1], y2 = b[bOff + i + 2], y3 = b[bOff + i + 3];
      d0 += x0 * y0; d1 += x1 * y1; d2 += x2 * y2; d3 += x3 * y3;
      na0 += x0 * x0; na1 += x1 * x1; na2 += x2 * x2; na3 += x3 * x3;
      nb0 += y0 * y0; nb1 += y1 * y1; nb2 += y2 * y2; nb3 += y3 * y3;
    }
    for (; i < dim; i++) {
      float x = a[aOff + i], y = b[bOff + i];
      d0 += x * y;
      na0 += x * x;
      nb0 += y * y;
    }
    double dot = (d0 + d1) + (d2 + d3);
    double na = (na0 + na1) + (na2 + na3);
    double nb = (nb0 + nb1) + (nb2 + nb3);
    return VectorKernels.cosineDistance(dot, na, nb);
  }
}
