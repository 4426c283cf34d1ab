package io.pqvector.ivf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.vector.Metric;
import io.pqvector.vector.VectorKernels;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KMeansTest {

  @Test void recoversWellSeparatedGaussianClusters() {
    for (long seed = 1; seed <= 5; seed++) {
      ClusteredData data = new ClusteredData(seed, 12, 250, 16, 1.0, 30.0);
      KMeans.Result r = KMeans.train(data.points, data.n, 16, 12, Metric.L2, seed, 50, 2);
      // Every true centre has a learned centroid close to it ...
      for (int t = 0; t < 12; t++) {
        int c = KMeans.nearest(r.centroids(), 12, data.centres, t * 16, 16, Metric.L2);
        float d = Metric.L2.distance(r.centroids(), c * 16, data.centres, t * 16, 16);
        assertTrue(d < 0.5f, "seed " + seed + ": true centre " + t + " is " + d + " away");
      }
      // ... and every learned cluster holds the points of exactly one true cluster.
      int[] owner = new int[12];
      Arrays.fill(owner, -1);
      for (int p = 0; p < data.n; p++) {
        int c = r.assignments()[p];
        assertTrue(owner[c] == -1 || owner[c] == data.truth[p], "cluster " + c + " is mixed");
        owner[c] = data.truth[p];
      }
      assertTrue(r.converged(), "well-separated data should converge early");
      assertTrue(r.iterations() < 50);
    }
  }

  @Test void sameSeedGivesIdenticalResultsForAnyThreadCount() {
    ClusteredData data = new ClusteredData(9, 40, 100, 24, 4.0, 5.0); // overlapping clusters
    KMeans.Result one = KMeans.train(data.points, data.n, 24, 37, Metric.L2, 123, 15, 1);
    for (int threads : new int[] {2, 3, 4, 7}) {
      KMeans.Result r = KMeans.train(data.points, data.n, 24, 37, Metric.L2, 123, 15, threads);
      assertArrayEquals(one.centroids(), r.centroids(), "threads " + threads);
      assertArrayEquals(one.assignments(), r.assignments(), "threads " + threads);
      assertEquals(one.iterations(), r.iterations());
    }
    KMeans.Result other = KMeans.train(data.points, data.n, 24, 37, Metric.L2, 124, 15, 2);
    assertFalse(Arrays.equals(one.centroids(), other.centroids()), "seed must matter");
  }

  @Test void determinismHoldsForCosineAndDot() {
    for (Metric metric : List.of(Metric.COSINE, Metric.DOT)) {
      ClusteredData data = new ClusteredData(10, 20, 60, 12, 1.0, 3.0);
      if (metric == Metric.COSINE) {
        normaliseAll(data.points, data.n, 12);
      }
      KMeans.Result a = KMeans.train(data.points, data.n, 12, 17, metric, 5, 10, 1);
      KMeans.Result b = KMeans.train(data.points, data.n, 12, 17, metric, 5, 10, 3);
      assertArrayEquals(a.centroids(), b.centroids(), metric.id());
      assertArrayEquals(a.assignments(), b.assignments(), metric.id());
    }
  }

  @Test void cosineCentroidsAreUnitLength() {
    ClusteredData data = new ClusteredData(11, 8, 100, 10, 0.5, 2.0);
    normaliseAll(data.points, data.n, 10);
    KMeans.Result r = KMeans.train(data.points, data.n, 10, 8, Metric.COSINE, 3, 20, 2);
    for (int c = 0; c < 8; c++) {
      assertEquals(1f, VectorKernels.norm(r.centroids(), c * 10, 10), 1e-5f);
    }
  }

  @Test void assignmentsAreTheNearestCentroids() {
    for (Metric metric : Metric.values()) {
      ClusteredData data = new ClusteredData(12, 30, 50, 20, 3.0, 4.0);
      if (metric == Metric.COSINE) {
        normaliseAll(data.points, data.n, 20);
      }
      KMeans.Result r = KMeans.train(data.points, data.n, 20, 25, metric, 8, 5, 2);
      int[] again = new int[data.n];
      KMeans.assign(r.centroids(), 25, data.points, data.n, 20, metric, 2, again);
      assertArrayEquals(r.assignments(), again, metric.id());
      for (int p = 0; p < data.n; p++) {
        // The transposed kernel and the probe kernel round differently; allow for near-ties.
        int probe = KMeans.nearest(r.centroids(), 25, data.points, p * 20, 20, metric);
        float dAssigned = metric.distance(r.centroids(), again[p] * 20, data.points, p * 20, 20);
        float dProbe = metric.distance(r.centroids(), probe * 20, data.points, p * 20, 20);
        assertEquals(dProbe, dAssigned, 1e-3f * Math.max(1f, Math.abs(dProbe)),
            metric.id() + " point " + p);
      }
    }
  }

  @Test void emptyClustersWhenKExceedsDistinctPoints() {
    // 5 distinct points, each 20 times, and k = 12: some clusters must stay empty or duplicate.
    int dim = 3;
    float[] distinct = {0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 10, 10, 10, 10};
    int n = 100;
    float[] data = new float[n * dim];
    for (int p = 0; p < n; p++) {
      System.arraycopy(distinct, (p % 5) * dim, data, p * dim, dim);
    }
    for (int threads : new int[] {1, 2}) {
      KMeans.Result r = KMeans.train(data, n, dim, 12, Metric.L2, 1, 10, threads);
      Set<String> centroids = new HashSet<>();
      for (int c = 0; c < 12; c++) {
        float[] v = Arrays.copyOfRange(r.centroids(), c * dim, c * dim + dim);
        for (float x : v) {
          assertTrue(Float.isFinite(x));
        }
        centroids.add(Arrays.toString(v));
      }
      // Every distinct point became a centroid, and nothing else did.
      assertEquals(5, centroids.size(), centroids.toString());
      for (int p = 0; p < n; p++) {
        assertEquals(0f, Metric.L2.distance(r.centroids(), r.assignments()[p] * dim, data,
            p * dim, dim));
      }
    }
  }

  @Test void emptyClusterIsReseededWithTheFarthestPoint() {
    // Two tight groups and one far outlier; k = 3 with seeding that may put two seeds in a group:
    // whatever the seeds, after training the outlier must have its own cluster.
    int dim = 2;
    Random rnd = new Random(4);
    int n = 201;
    float[] data = new float[n * dim];
    for (int p = 0; p < 200; p++) {
      data[p * dim] = (p < 100 ? 0 : 5) + (float) rnd.nextGaussian() * 0.1f;
      data[p * dim + 1] = (float) rnd.nextGaussian() * 0.1f;
    }
    data[200 * dim] = 1000;
    for (long seed = 0; seed < 20; seed++) {
      KMeans.Result r = KMeans.train(data, n, dim, 3, Metric.L2, seed, 20, 1);
      int outlier = r.assignments()[200];
      for (int p = 0; p < 200; p++) {
        assertTrue(r.assignments()[p] != outlier, "seed " + seed);
      }
      assertEquals(1000f, r.centroids()[outlier * dim], 1e-3f);
    }
  }

  @Test void kEqualsNPutsEveryPointInItsOwnCluster() {
    Random rnd = new Random(5);
    int n = 64;
    int dim = 5;
    float[] data = new float[n * dim];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) rnd.nextGaussian();
    }
    KMeans.Result r = KMeans.train(data, n, dim, n, Metric.L2, 2, 10, 2);
    int[] sorted = r.assignments().clone();
    Arrays.sort(sorted);
    for (int i = 0; i < n; i++) {
      assertEquals(i, sorted[i]);
      int c = r.assignments()[i];
      assertArrayEquals(Arrays.copyOfRange(data, i * dim, i * dim + dim),
          Arrays.copyOfRange(r.centroids(), c * dim, c * dim + dim));
    }
  }

  @Test void singleClusterIsTheMean() {
    float[] data = {1, 2, 3, 4, 5, 6};
    KMeans.Result r = KMeans.train(data, 3, 2, 1, Metric.L2, 0, 5, 1);
    assertArrayEquals(new float[] {3, 4}, r.centroids());
  }

  @Test void zeroIterationsReturnsSeedsThatAreDataPoints() {
    ClusteredData data = new ClusteredData(13, 5, 20, 4, 1.0, 10.0);
    KMeans.Result r = KMeans.train(data.points, data.n, 4, 5, Metric.L2, 1, 0, 1);
    assertEquals(0, r.iterations());
    for (int c = 0; c < 5; c++) {
      boolean found = false;
      for (int p = 0; p < data.n && !found; p++) {
        found = Arrays.equals(Arrays.copyOfRange(r.centroids(), c * 4, c * 4 + 4),
            Arrays.copyOfRange(data.points, p * 4, p * 4 + 4));
      }
      assertTrue(found, "seed " + c + " is not a data point");
    }
  }

  @Test void nearestNIsSortedByDistanceWithTiesToLowerIndex() {
    Random rnd = new Random(6);
    int k = 50;
    int dim = 8;
    float[] centroids = new float[k * dim];
    for (int i = 0; i < centroids.length; i++) {
      centroids[i] = (float) rnd.nextGaussian();
    }
    // Unit length, as cosine centroids always are (the probe ranks them by -dot).
    normaliseAll(centroids, k, dim);
    // Centroid 30 duplicates centroid 7: a tie that must resolve to 7 first.
    System.arraycopy(centroids, 7 * dim, centroids, 30 * dim, dim);
    float[] q = Arrays.copyOfRange(centroids, 7 * dim, 8 * dim);
    for (Metric metric : Metric.values()) {
      int[] out = new int[k];
      KMeans.nearestN(centroids, k, q, 0, dim, metric, k, out);
      int[] sortedCopy = out.clone();
      Arrays.sort(sortedCopy);
      for (int i = 0; i < k; i++) {
        assertEquals(i, sortedCopy[i], "a permutation");
      }
      for (int i = 1; i < k; i++) {
        float prev = metric.distance(centroids, out[i - 1] * dim, q, 0, dim);
        float cur = metric.distance(centroids, out[i] * dim, q, 0, dim);
        assertTrue(prev <= cur + 1e-5f, metric.id() + " rank " + i);
      }
      int[] three = new int[3];
      KMeans.nearestN(centroids, k, q, 0, dim, metric, 3, three);
      assertArrayEquals(Arrays.copyOf(out, 3), three);
      assertEquals(out[0], KMeans.nearest(centroids, k, q, 0, dim, metric));
    }
    int[] two = new int[2];
    KMeans.nearestN(centroids, k, q, 0, dim, Metric.L2, 2, two);
    assertArrayEquals(new int[] {7, 30}, two);
  }

  @Test void sampleKeepsRowsInOrder() {
    float[] data = new float[100 * 2];
    for (int i = 0; i < data.length; i++) {
      data[i] = i / 2;
    }
    float[] s = KMeans.sample(data, 100, 2, 10, 3);
    assertEquals(20, s.length);
    for (int i = 0; i < 10; i++) {
      assertEquals(s[2 * i], s[2 * i + 1]);
      if (i > 0) {
        assertTrue(s[2 * i] > s[2 * i - 2]);
      }
    }
    assertArrayEquals(s, KMeans.sample(data, 100, 2, 10, 3));
    assertArrayEquals(data, KMeans.sample(data, 100, 2, 500, 3));
  }

  @Test void rejectsBadArguments() {
    float[] data = new float[10];
    assertThrows(IllegalArgumentException.class,
        () -> KMeans.train(data, 5, 2, 6, Metric.L2, 0, 1, 1));
    assertThrows(IllegalArgumentException.class,
        () -> KMeans.train(data, 5, 2, 0, Metric.L2, 0, 1, 1));
    assertThrows(IllegalArgumentException.class,
        () -> KMeans.train(data, 6, 2, 2, Metric.L2, 0, 1, 1));
    assertThrows(IllegalArgumentException.class,
        () -> KMeans.train(data, 5, 2, 2, Metric.L2, 0, 1, 0));
    assertThrows(IllegalArgumentException.class,
        () -> KMeans.nearestN(data, 5, data, 0, 2, Metric.L2, 6, new int[6]));
  }

  static void normaliseAll(float[] points, int n, int dim) {
    for (int p = 0; p < n; p++) {
      VectorKernels.normalize(points, p * dim, dim);
    }
  }
}
