package io.pqvector.ivf;

import io.pqvector.vector.Metric;

/**
 * The index-build workload at the target size: 340,000 x 100 clustered vectors, k = 583
 * (= sqrt(n)), 20 iterations on a sample of 50 k points, then assigning every vector.
 * A benchmark that prints figures, not a test: run its {@code main} from the test classpath
 * (it allocates ~150 MB and takes seconds). Threads: {@code -Dpqvector.bench.threads=2}.
 */
public final class KMeansBenchmark {
  private KMeansBenchmark() {}

  public static void main(String[] args) {
    int n = 340_000;
    int dim = 100;
    int k = 583;
    int threads = Integer.getInteger("pqvector.bench.threads", 2);
    long t0 = System.nanoTime();
    ClusteredData data = new ClusteredData(1, 2000, n / 2000, dim, 1.0, 3.0);
    long t1 = System.nanoTime();
    float[] sample = KMeans.sample(data.points, n, dim, 50 * k, 7);
    long t2 = System.nanoTime();
    long cpu2 = processCpuNanos();
    KMeans.Result r = KMeans.train(sample, 50 * k, dim, k, Metric.L2, 7, 20, threads);
    long t3 = System.nanoTime();
    long cpu3 = processCpuNanos();
    int[] lists = new int[n];
    KMeans.assign(r.centroids(), k, data.points, n, dim, Metric.L2, threads, lists);
    long t4 = System.nanoTime();
    long cpu4 = processCpuNanos();
    System.out.printf("k-means benchmark (%d threads): generate %.0f ms, sample %.0f ms,"
            + " train %d x %d on %d points, %d iterations (converged %b): %.0f ms,"
            + " assign all %d: %.0f ms (process CPU: train %.0f ms, assign %.0f ms; CPU/wall"
            + " below the thread count means other processes shared the cores)%n", threads,
        ms(t0, t1), ms(t1, t2), k, dim, 50 * k, r.iterations(), r.converged(), ms(t2, t3), n,
        ms(t3, t4), ms(cpu2, cpu3), ms(cpu3, cpu4));
  }

  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean
        ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : 0;
  }

  private static double ms(long from, long to) {
    return (to - from) / 1e6;
  }
}
