package io.pqvector.vector;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scores one query against 1,024 vectors stored back to back (as a decoded page run holds them)
 * with each kernel implementation: what a probe costs per list. Not a test; run with
 * {@code bash bench/kernels.sh}, which runs it once with and once without the vector API module
 * (the facade's choice in each JVM is what a host gets).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KernelBenchmark {
  private static final int VECTORS = 1024;

  @Param({"100", "128", "384", "768"})
  int dim;

  private float[] block;
  private float[] query;

  @Setup
  public void setUp() {
    Random random = new Random(1);
    block = new float[VECTORS * dim];
    query = new float[dim];
    for (int i = 0; i < block.length; i++) {
      block[i] = (float) random.nextGaussian();
    }
    for (int i = 0; i < dim; i++) {
      query[i] = (float) random.nextGaussian();
    }
  }

  /** Through the facade: SIMD where the JVM has the module, scalar otherwise. */
  @Benchmark
  public float squaredL2Facade() {
    float best = Float.MAX_VALUE;
    for (int v = 0; v < VECTORS; v++) {
      best = Math.min(best, VectorKernels.squaredL2(block, v * dim, query, 0, dim));
    }
    return best;
  }

  @Benchmark
  public float squaredL2Scalar() {
    float best = Float.MAX_VALUE;
    for (int v = 0; v < VECTORS; v++) {
      best = Math.min(best, ScalarKernels.squaredL2(block, v * dim, query, 0, dim));
    }
    return best;
  }

  @Benchmark
  public float dotFacade() {
    float best = -Float.MAX_VALUE;
    for (int v = 0; v < VECTORS; v++) {
      best = Math.max(best, VectorKernels.dot(block, v * dim, query, 0, dim));
    }
    return best;
  }

  @Benchmark
  public float cosineFacade() {
    float best = Float.MAX_VALUE;
    for (int v = 0; v < VECTORS; v++) {
      best = Math.min(best, VectorKernels.cosineDistance(block, v * dim, query, 0, dim));
    }
    return best;
  }
}
