package io.pqvector.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** TopK against a full sort: rows, distances, and the kept vectors that belong to each row. */
class TopKTest {
  @Test
  void keepsTheNearestRowsWithTheirOwnVectors() {
    Random random = new Random(3);
    for (int trial = 0; trial < 200; trial++) {
      int n = random.nextInt(300);
      int k = random.nextInt(40);
      int dim = 1 + random.nextInt(6);
      float[] dists = new float[n];
      float[] data = new float[n * dim + 5];
      for (int i = 0; i < n; i++) {
        // Few distinct distances, so ties (broken by row id) are common; some NaN.
        dists[i] = random.nextInt(10) == 0 ? Float.NaN : random.nextInt(20);
        for (int d = 0; d < dim; d++) {
          data[i * dim + d] = i * 1000 + d; // a vector that names its row
        }
      }
      // Offered in pieces to several top-ks, then merged, as the search does across threads.
      TopK merged = TopK.withVectors(k, dim);
      int parts = 1 + random.nextInt(4);
      for (int p = 0; p < parts; p++) {
        TopK part = TopK.withVectors(k, dim);
        for (int i = p; i < n; i += parts) {
          part.offer(dists[i], 7_000_000L + i, data, i * dim);
        }
        merged.addAll(part);
      }
      long[] expected = IntStream.range(0, n).boxed()
          .sorted(Comparator.<Integer>comparingDouble(i -> dists[i])
              .thenComparing(Comparator.naturalOrder()))
          .limit(k).mapToLong(i -> 7_000_000L + i).toArray();
      assertArrayEquals(expected, merged.rowsSorted(), "trial " + trial);
      float[][] vectors = merged.vectorsSorted();
      float[] distances = merged.distancesSorted();
      for (int j = 0; j < expected.length; j++) {
        int row = (int) (expected[j] - 7_000_000L);
        float[] own = Arrays.copyOfRange(data, row * dim, row * dim + dim);
        assertArrayEquals(own, vectors[j], "trial " + trial + ", rank " + j);
        assertEquals(dists[row], distances[j], 0f);
      }
    }
  }

  @Test
  void withoutVectorsItNeedsNone() {
    TopK top = new TopK(2);
    top.offer(3f, 1);
    top.offer(1f, 2);
    top.offer(2f, 3);
    assertArrayEquals(new long[] {2, 3}, top.rowsSorted());
  }
}
