package io.pqvector.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The SIMD and scalar kernels agree with a plain double-precision reference on every length
 * (every tail shape of every lane count) and offset, and on the edge values DuckDB defines.
 * This module's tests run with {@code --add-modules jdk.incubator.vector} (see the pom), so the
 * facade must have chosen SIMD here.
 */
class VectorKernelsTest {
  @Test
  void theFacadeRunsSimdWhereTheModuleIsPresent() {
    assertEquals("simd", VectorKernels.implementation());
  }

  @Test
  void bothImplementationsMatchADoubleReference() {
    Random random = new Random(7);
    for (int dim = 0; dim <= 140; dim++) {
      for (int trial = 0; trial < 3; trial++) {
        int aOff = random.nextInt(5);
        int bOff = random.nextInt(5);
        float[] a = new float[aOff + dim + 3];
        float[] b = new float[bOff + dim + 2];
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
          b[i] = (float) random.nextGaussian();
        }
        double dot = 0;
        double l2 = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < dim; i++) {
          double x = a[aOff + i];
          double y = b[bOff + i];
          dot += x * y;
          l2 += (x - y) * (x - y);
          na += x * x;
          nb += y * y;
        }
        double cosine = 1 - Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
        double tolerance = 1e-4 * Math.max(1, dim);
        String at = "dim " + dim + " offsets " + aOff + "/" + bOff;
        assertEquals(dot, SimdKernels.dot(a, aOff, b, bOff, dim), tolerance, at);
        assertEquals(dot, ScalarKernels.dot(a, aOff, b, bOff, dim), tolerance, at);
        assertEquals(l2, SimdKernels.squaredL2(a, aOff, b, bOff, dim), tolerance, at);
        assertEquals(l2, ScalarKernels.squaredL2(a, aOff, b, bOff, dim), tolerance, at);
        if (dim > 0) {
          assertEquals(cosine, SimdKernels.cosineDistance(a, aOff, b, bOff, dim), 1e-5, at);
          assertEquals(cosine, ScalarKernels.cosineDistance(a, aOff, b, bOff, dim), 1e-5, at);
        }
      }
    }
  }

  @Test
  void edgeValuesAreTheSameInBoth() {
    float[] zero = new float[37];
    float[] v = new float[37];
    java.util.Arrays.fill(v, 0.25f);
    assertTrue(Float.isNaN(SimdKernels.cosineDistance(zero, 0, v, 0, 37)), "zero vector: NaN");
    assertTrue(Float.isNaN(ScalarKernels.cosineDistance(zero, 0, v, 0, 37)), "zero vector: NaN");
    assertEquals(0f, SimdKernels.cosineDistance(v, 0, v, 0, 37), "same direction: exactly 0");
    assertEquals(0f, ScalarKernels.cosineDistance(v, 0, v, 0, 37), "same direction: exactly 0");
    float[] nan = v.clone();
    nan[36] = Float.NaN;
    assertTrue(Float.isNaN(SimdKernels.squaredL2(nan, 0, v, 0, 37)));
    assertTrue(Float.isNaN(ScalarKernels.squaredL2(nan, 0, v, 0, 37)));
    assertEquals(0f, SimdKernels.dot(v, 0, v, 0, 0));
    assertEquals(0f, ScalarKernels.dot(v, 0, v, 0, 0));
  }
}
