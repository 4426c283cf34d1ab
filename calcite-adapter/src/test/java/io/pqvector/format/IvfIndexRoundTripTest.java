package io.pqvector.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IvfIndexRoundTripTest {

  @Test void roundTripsRandomListsWithoutPageTable() throws Exception {
    Random rnd = new Random(1);
    for (int trial = 0; trial < 50; trial++) {
      int rows = rnd.nextInt(5000);
      int lists = 1 + rnd.nextInt(40);
      int dim = 1 + rnd.nextInt(20);
      IndexFixture f = IndexFixture.random(rnd, rows, lists, dim, "l2", null);
      IvfIndex index = IvfIndexReader.parse(f.write());
      f.assertMatches(index);
      assertFalse(index.pageLocations().isPresent());
    }
  }

  @Test void roundTripsWithPageTable() throws Exception {
    Random rnd = new Random(2);
    for (int trial = 0; trial < 50; trial++) {
      int rows = rnd.nextInt(3000);
      PageLocations table = IndexFixture.randomPageTable(rnd, rows);
      IndexFixture f = IndexFixture.random(rnd, rows, 1 + rnd.nextInt(10), 3, "cosine", table);
      IvfIndex index = IvfIndexReader.parse(f.write());
      f.assertMatches(index);
      assertEquals(table, index.pageLocations().orElseThrow());
    }
  }

  @Test void keepsEmptyListsAndEmptyFiles() throws Exception {
    IvfIndexHeader header = new IvfIndexHeader("v", "dot", 2, 3, 0, 0, 7L, 8L, 9);
    byte[] bytes = IvfIndexWriter.write(header, new float[6], new int[3][0], null);
    IvfIndex index = IvfIndexReader.parse(bytes);
    assertEquals(header, index.header());
    for (int l = 0; l < 3; l++) {
      assertEquals(0, index.listSize(l));
      assertArrayEquals(new int[0], index.listRowIds(l));
    }
  }

  @Test void storesExtremeValuesExactly() throws Exception {
    int max = Integer.MAX_VALUE;
    IvfIndexHeader header = new IvfIndexHeader("ünïcødé/列", "cosine", 1, 2, max, 3,
        Long.MIN_VALUE, -1L, 0);
    int[][] lists = {{0, max - 1}, {max / 2}};
    float[] centroids = {-Float.MAX_VALUE, Float.MIN_VALUE};
    IvfIndex index = IvfIndexReader.parse(IvfIndexWriter.write(header, centroids, lists, null));
    assertEquals(header, index.header());
    assertArrayEquals(centroids, index.centroids());
    assertArrayEquals(lists[0], index.listRowIds(0));
    assertArrayEquals(lists[1], index.listRowIds(1));
  }

  @Test void centroidsAreACopy() throws Exception {
    IndexFixture f = IndexFixture.random(new Random(3), 10, 2, 2, "l2", null);
    IvfIndex index = IvfIndexReader.parse(f.write());
    index.centroids()[0] = 12345f;
    assertTrue(index.centroids()[0] != 12345f);
  }

  @Test void writerRejectsInconsistentInput() {
    IvfIndexHeader header = new IvfIndexHeader("v", "l2", 2, 2, 10, 3, 0, 0, 1);
    float[] c = new float[4];
    assertThrows(IllegalArgumentException.class,
        () -> IvfIndexWriter.write(header, new float[3], new int[][] {{1}, {2, 3}}, null));
    assertThrows(IllegalArgumentException.class,
        () -> IvfIndexWriter.write(header, c, new int[][] {{1}, {3, 2}}, null));
    assertThrows(IllegalArgumentException.class,
        () -> IvfIndexWriter.write(header, c, new int[][] {{1}, {2, 2}}, null));
    assertThrows(IllegalArgumentException.class,
        () -> IvfIndexWriter.write(header, c, new int[][] {{1}, {2, 10}}, null));
    assertThrows(IllegalArgumentException.class,
        () -> IvfIndexWriter.write(header, c, new int[][] {{1}, {2}}, null));
    assertThrows(IllegalArgumentException.class,
        () -> IvfIndexWriter.write(header, new float[] {0, Float.NaN, 0, 0},
            new int[][] {{1}, {2, 3}}, null));
    PageLocations wrongRows = new PageLocations(new int[] {9}, new long[] {-1}, new int[] {-1},
        new int[] {1}, new long[] {4}, new int[] {100}, new int[] {0});
    assertThrows(IllegalArgumentException.class,
        () -> IvfIndexWriter.write(header, c, new int[][] {{1}, {2, 3}}, wrongRows));
  }

  @Test void headerRejectsRowCountsBeyondInt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new IvfIndexHeader("v", "l2", 2, 2, 1L << 31, 0, 0, 0, 1));
    assertTrue(e.getMessage().contains("2^31-1"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new IvfIndexHeader("v", "euclid", 2, 2, 1, 0, 0, 0, 1));
    assertThrows(IllegalArgumentException.class,
        () -> new IvfIndexHeader("v", "l2", 0, 2, 1, 0, 0, 0, 1));
    assertThrows(IllegalArgumentException.class,
        () -> new IvfIndexHeader("v", "l2", 1, 0, 1, 0, 0, 0, 1));
    assertThrows(IllegalArgumentException.class,
        () -> new IvfIndexHeader("v", "l2", 65536, 65536, 1, 0, 0, 0, 1));
    assertThrows(IllegalArgumentException.class,
        () -> new IvfIndexHeader("", "l2", 1, 1, 1, 0, 0, 0, 1));
    assertThrows(IllegalArgumentException.class,
        () -> new IvfIndexHeader("v", "l2", 1, 1, 1, 2, 0, 0, 1));
  }

  @Test void pageTableLocatesRows() {
    // Row groups of 5, 0 and 3 rows; pages start at rows 0,2 | - | 0,1,2.
    PageLocations t = new PageLocations(new int[] {5, 0, 3}, new long[] {-1, -1, 50}, new int[] {-1, -1, 8},
        new int[] {2, 0, 3}, new long[] {4, 20, 60, 70, 80}, new int[] {16, 16, 10, 10, 10},
        new int[] {0, 2, 0, 1, 2});
    assertEquals(8, t.totalRowCount());
    int[] groups = new int[8];
    int[] pages = new int[8];
    for (int r = 0; r < 8; r++) {
      groups[r] = t.rowGroupOf(r);
      pages[r] = t.pageOf(r);
    }
    assertArrayEquals(new int[] {0, 0, 0, 0, 0, 2, 2, 2}, groups);
    assertArrayEquals(new int[] {0, 0, 1, 1, 1, 2, 3, 4}, pages);
    assertEquals(5, t.rowGroupFirstRow(2));
    assertEquals(2, t.rowGroupFirstPage(2));
    assertEquals(3, t.rowGroupPageCount(2));
    assertThrows(IndexOutOfBoundsException.class, () -> t.rowGroupOf(8));
  }

  @Test void pageTableRejectsInconsistentArrays() {
    // first page not at row 0
    assertThrows(IllegalArgumentException.class, () -> new PageLocations(new int[] {5},
        new long[] {-1}, new int[] {-1}, new int[] {1}, new long[] {4}, new int[] {9},
        new int[] {1}));
    // page counts do not add up
    assertThrows(IllegalArgumentException.class, () -> new PageLocations(new int[] {5},
        new long[] {-1}, new int[] {-1}, new int[] {2}, new long[] {4}, new int[] {9},
        new int[] {0}));
    // half a dictionary
    assertThrows(IllegalArgumentException.class, () -> new PageLocations(new int[] {5},
        new long[] {3}, new int[] {-1}, new int[] {1}, new long[] {4}, new int[] {9},
        new int[] {0}));
    // rows without pages
    assertThrows(IllegalArgumentException.class, () -> new PageLocations(new int[] {5},
        new long[] {-1}, new int[] {-1}, new int[] {0}, new long[0], new int[0], new int[0]));
  }

  @Test void footerKey() {
    assertEquals("pqvector.ivf.embedding", IvfIndexFormat.footerKey("embedding"));
  }

  @Test void varintsAreCompact() throws Exception {
    // 1000 consecutive rows: one byte each after the first.
    int[] ids = new int[1000];
    Arrays.setAll(ids, i -> 1_000_000 + i);
    IvfIndexHeader header = new IvfIndexHeader("v", "l2", 1, 1, 2_000_000, 1000, 0, 0, 0);
    byte[] bytes = IvfIndexWriter.write(header, new float[1], new int[][] {ids}, null);
    assertEquals(160 + 1 + 4 + 16 + (3 + 999) + 4, bytes.length);
    assertArrayEquals(ids, IvfIndexReader.parse(bytes).listRowIds(0));
  }
}
