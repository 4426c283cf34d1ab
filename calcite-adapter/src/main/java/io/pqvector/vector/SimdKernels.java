package io.pqvector.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels on the JDK's vector API ({@code jdk.incubator.vector}), with the widest species the
 * CPU offers. Loaded only when {@link VectorKernels} finds the module in the boot layer; this class
 * must not be touched otherwise (its constant pool names the incubator classes).
 */
final class SimdKernels {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();

  private SimdKernels() {}

  static float dot(float[] a, int aOff, float[] b, int bOff, int dim) {
    FloatVector acc0 = FloatVector.zero(SPECIES);
    FloatVector acc1 = FloatVector.zero(SPECIES);
    int i = 0;
    // Two accumulators hide the latency of the fused multiply-add.
    for (int end = dim - 2 * LANES; i <= end; i += 2 * LANES) {
      acc0 = FloatVector.fromArray(SPECIES, a, aOff + i)
          .fma(FloatVector.fromArray(SPECIES, b, bOff + i), acc0);
      acc1 = FloatVector.fromArray(SPECIES, a, aOff + i + LANES)
          .fma(FloatVector.fromArray(SPECIES, b, bOff + i + LANES), acc1);
    }
    for (int end = dim - LANES; i <= end; i += LANES) {
      acc0 = FloatVector.fromArray(SPECIES, a, aOff + i)
          .fma(FloatVector.fromArray(SPECIES, b, bOff + i), acc0);
    }
    float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < dim; i++) {
      sum += a[aOff + i] * b[bOff + i];
    }
    return sum;
  }

  static float squaredL2(float[] a, int aOff, float[] b, int bOff, int dim) {
    FloatVector acc0 = FloatVector.zero(SPECIES);
    FloatVector acc1 = FloatVector.zero(SPECIES);
    int i = 0;
    for (int end = dim - 2 * LANES; i <= end; i += 2 * LANES) {
      FloatVector d0 = FloatVector.fromArray(SPECIES, a, aOff + i)
          .sub(FloatVector.fromArray(SPECIES, b, bOff + i));
      FloatVector d1 = FloatVector.fromArray(SPECIES, a, aOff + i + LANES)
          .sub(FloatVector.fromArray(SPECIES, b, bOff + i + LANES));
      acc0 = d0.fma(d0, acc0);
      acc1 = d1.fma(d1, acc1);
    }
    for (int end = dim - LANES; i <= end; i += LANES) {
      FloatVector d = FloatVector.fromArray(SPECIES, a, aOff + i)
          .sub(FloatVector.fromArray(SPECIES, b, bOff + i));
      acc0 = d.fma(d, acc0);
    }
    float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < dim; i++) {
      float d = a[aOff + i] - b[bOff + i];
      sum += d * d;
    }
    return sum;
  }

  static float cosineDistance(float[] a, int aOff, float[] b, int bOff, int dim) {
    FloatVector dot = FloatVector.zero(SPECIES);
    FloatVector na = FloatVector.zero(SPECIES);
    FloatVector nb = FloatVector.zero(SPECIES);
    int i = 0;
    for (int end = dim - LANES; i <= end; i += LANES) {
      FloatVector x = FloatVector.fromArray(SPECIES, a, aOff + i);
      FloatVector y = FloatVector.fromArray(SPECIES, b, bOff + i);
      dot = x.fma(y, dot);
      na = x.fma(x, na);
      nb = y.fma(y, nb);
    }
    float d = dot.reduceLanes(VectorOperators.ADD);
    float sa = na.reduceLanes(VectorOperators.ADD);
    float sb = nb.reduceLanes(VectorOperators.ADD);
    for (; i < dim; i++) {
      float x = a[aOff + i];
      float y = b[bOff + i];
      d += x * y;
      sa += x * x;
      sb += y * y;
    }
    return VectorKernels.cosineDistance(d, sa, sb);
  }
}
