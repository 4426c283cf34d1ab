package io.pqvector.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;

/** A random but valid index: header, centroids, lists (some empty) and optional page table. */
final class IndexFixture {
  final IvfIndexHeader header;
  final float[] centroids;
  final int[][] lists;
  final PageLocations pageTable;

  private IndexFixture(IvfIndexHeader header, float[] centroids, int[][] lists, PageLocations table) {
    this.header = header;
    this.centroids = centroids;
    this.lists = lists;
    this.pageTable = table;
  }

  static IndexFixture random(Random rnd, int rows, int listCount, int dim, String metric,
      PageLocations table) {
    int[] owner = new int[rows];
    int indexed = 0;
    for (int r = 0; r < rows; r++) {
      // Roughly 10% nulls (-1), and list 0 left empty whenever there is more than one list.
      owner[r] = rnd.nextInt(10) == 0 ? -1
          : listCount == 1 ? 0 : 1 + rnd.nextInt(listCount - 1);
      if (owner[r] >= 0) {
        indexed++;
      }
    }
    int[][] lists = new int[listCount][];
    for (int l = 0; l < listCount; l++) {
      final int list = l;
      int[] ids = new int[rows];
      int n = 0;
      for (int r = 0; r < rows; r++) {
        if (owner[r] == list) {
          ids[n++] = r;
        }
      }
      lists[l] = Arrays.copyOf(ids, n);
    }
    float[] centroids = new float[listCount * dim];
    for (int i = 0; i < centroids.length; i++) {
      centroids[i] = (float) rnd.nextGaussian();
    }
    IvfIndexHeader header = new IvfIndexHeader("emb" + rnd.nextInt(100), metric, dim, listCount,
        rows, indexed, rnd.nextLong(), rnd.nextLong(), rnd.nextInt(50));
    return new IndexFixture(header, centroids, lists, table);
  }

  /** Row groups of random sizes, each with 1..4 pages at increasing offsets. */
  static PageLocations randomPageTable(Random rnd, int rows) {
    int groups = rows == 0 ? rnd.nextInt(2) : 1 + rnd.nextInt(4);
    int[] rowCounts = new int[groups];
    int left = rows;
    for (int g = 0; g < groups; g++) {
      rowCounts[g] = g == groups - 1 ? left : rnd.nextInt(left + 1);
      left -= rowCounts[g];
    }
    long[] dictOffsets = new long[groups];
    int[] dictSizes = new int[groups];
    int[] pagesPer = new int[groups];
    int totalPages = 0;
    for (int g = 0; g < groups; g++) {
      boolean dict = rnd.nextBoolean();
      dictOffsets[g] = dict ? 4 + rnd.nextInt(1000) : -1;
      dictSizes[g] = dict ? 1 + rnd.nextInt(100) : -1;
      pagesPer[g] = rowCounts[g] == 0 ? 0 : 1 + rnd.nextInt(Math.min(4, rowCounts[g]));
      totalPages += pagesPer[g];
    }
    long[] offsets = new long[totalPages];
    int[] sizes = new int[totalPages];
    int[] firstRows = new int[totalPages];
    int p = 0;
    long off = 4;
    for (int g = 0; g < groups; g++) {
      for (int i = 0; i < pagesPer[g]; i++, p++) {
        offsets[p] = off;
        sizes[p] = 1 + rnd.nextInt(100_000);
        off += sizes[p];
        firstRows[p] = i == 0 ? 0 : firstRows[p - 1] + 1
            + rnd.nextInt(rowCounts[g] - firstRows[p - 1] - (pagesPer[g] - i));
      }
    }
    return new PageLocations(rowCounts, dictOffsets, dictSizes, pagesPer, offsets, sizes, firstRows);
  }

  byte[] write() {
    return IvfIndexWriter.write(header, centroids, lists, pageTable);
  }

  void assertMatches(IvfIndex index) {
    assertEquals(header, index.header());
    assertArrayEquals(centroids, index.centroids());
    assertEquals(lists.length, index.listCount());
    for (int l = 0; l < lists.length; l++) {
      assertEquals(lists[l].length, index.listSize(l));
      assertArrayEquals(lists[l], index.listRowIds(l));
    }
  }
}
