package io.pqvector.ivf;

import java.util.Random;

/** Points drawn around well-separated random centres, with each point's true cluster. */
final class ClusteredData {
  final float[] points;
  final float[] centres;
  final int[] truth;
  final int n;
  final int dim;

  /**
   * @param spread standard deviation of each coordinate around its centre
   * @param range centres are uniform in [-range, range] per coordinate
   */
  ClusteredData(long seed, int clusters, int perCluster, int dim, double spread, double range) {
    Random rnd = new Random(seed);
    this.n = clusters * perCluster;
    this.dim = dim;
    this.centres = new float[clusters * dim];
    for (int i = 0; i < centres.length; i++) {
      centres[i] = (float) ((rnd.nextDouble() * 2 - 1) * range);
    }
    this.points = new float[n * dim];
    this.truth = new int[n];
    for (int p = 0; p < n; p++) {
      int c = rnd.nextInt(clusters);
      truth[p] = c;
      for (int d = 0; d < dim; d++) {
        points[p * dim + d] = centres[c * dim + d] + (float) (rnd.nextGaussian() * spread);
      }
    }
  }
}
