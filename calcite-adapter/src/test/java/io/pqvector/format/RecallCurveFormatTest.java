package io.pqvector.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Format 1.1: the recall curve's bytes are where docs/index-format.md (section 5.6) says, it
 * round-trips, a payload without a curve is still exactly 1.0, and a damaged curve is rejected.
 */
class RecallCurveFormatTest {
  static final IvfIndexHeader HEADER = new IvfIndexHeader("emb", "l2", 2, 4, 100, 4, 7, 1, 20);
  static final float[] CENTROIDS = new float[8];
  static final int[][] LISTS = {{1}, {2}, {3}, {4}};

  static RecallCurve curve() {
    return new RecallCurve(60, 4, new int[] {1, 3}, new int[] {1, 2, 4},
        new float[][] {{0.5f, 0.9f, 1f}, {0.25f, 0.75f, 1f}});
  }

  @Test void curveBytesAreWhereTheSpecificationSays() throws Exception {
    byte[] b = IvfIndexWriter.write(HEADER, CENTROIDS, LISTS, null, curve());
    ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1, le.getShort(8));
    assertEquals(1, le.getShort(10), "minor version 1");
    assertEquals(1 << 16, le.getInt(12), "flag bit 16: recall curve");
    assertEquals(176, le.getInt(24));
    assertEquals(176, le.getLong(80), "the column name follows the longer header");
    assertEquals(0, le.getLong(144));
    assertEquals(0, le.getLong(152));
    long listData = le.getLong(128) + le.getLong(136);
    long off = le.getLong(160);
    long len = le.getLong(168);
    assertEquals(listData, off, "the curve follows the list data when there is no page table");
    assertEquals(16 + 4 * 2 + 4 * 3 + 4 * 6, len);
    assertEquals(b.length - 4, off + len);
    int o = (int) off;
    assertEquals(60, le.getInt(o));
    assertEquals(4, le.getInt(o + 4));
    assertEquals(2, le.getInt(o + 8));
    assertEquals(3, le.getInt(o + 12));
    assertEquals(3, le.getInt(o + 20), "second k");
    assertEquals(4, le.getInt(o + 32), "last nprobe = list count");
    assertEquals(0.9f, le.getFloat(o + 36 + 4));
    assertEquals(0.25f, le.getFloat(o + 36 + 12));

    IvfIndex parsed = IvfIndexReader.parse(b);
    assertEquals(curve(), parsed.recallCurve().orElseThrow());
    assertArrayEquals(new int[] {3}, parsed.listRowIds(2));
  }

  @Test void withoutACurveThePayloadIsExactlyVersionOneZero() throws Exception {
    byte[] b = IvfIndexWriter.write(HEADER, CENTROIDS, LISTS, null);
    ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0, le.getShort(10));
    assertEquals(160, le.getInt(24));
    assertEquals(0, le.getInt(12));
    assertTrue(IvfIndexReader.parse(b).recallCurve().isEmpty());
    assertArrayEquals(b, IvfIndexWriter.write(HEADER, CENTROIDS, LISTS, null, null));
  }

  @Test void aCurveWithAPageTableFollowsIt() throws Exception {
    PageLocations pages = new PageLocations(new int[] {100}, new long[] {-1}, new int[] {-1},
        new int[] {1}, new long[] {4}, new int[] {500}, new int[] {0});
    byte[] b = IvfIndexWriter.write(HEADER, CENTROIDS, LISTS, pages, curve());
    ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1 | 1 << 16, le.getInt(12));
    assertEquals(le.getLong(144) + le.getLong(152), le.getLong(160));
    IvfIndex parsed = IvfIndexReader.parse(b);
    assertTrue(parsed.pageLocations().isPresent());
    assertEquals(curve(), parsed.recallCurve().orElseThrow());
  }

  @Test void damagedCurvesAreRejected() {
    byte[] good = IvfIndexWriter.write(HEADER, CENTROIDS, LISTS, null, curve());
    int o = (int) ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong(160);
    // recall falling as nprobe rises
    assertRejected(withFloat(good, o + 36 + 4, 0.1f), "never fall");
    assertRejected(withFloat(good, o + 36, Float.NaN), "[0, 1]");
    // last point is not the list count
    assertRejected(withInt(good, o + 32, 3), "not the list count");
    assertRejected(withInt(good, o + 24, 7), "must rise strictly");
    // counts that do not fit the section
    assertRejected(withInt(good, o + 12, 4), "need");
    assertRejected(withInt(good, o + 8, 100), "at most");
    assertRejected(withInt(good, o + 4, 5), "only 4 are indexed");
    // pointer and flag disagree
    assertRejected(withInt(good, 12, 0), "flag is clear");
    assertRejected(withLong(good, 168, 12), "recall curve section");
    assertRejected(withLong(good, 160, 0), "recall curve section");
    // a 1.1 payload has the 1.0 or the 1.1 header, nothing else
    assertRejected(withInt(good, 24, 168), "must be 160 or 176");
  }

  @Test void aNewerMinorVersionKeepsTheCurve() throws Exception {
    byte[] b = withShort(IvfIndexWriter.write(HEADER, CENTROIDS, LISTS, null, curve()), 10, 2);
    assertEquals(curve(), IvfIndexReader.parse(b).recallCurve().orElseThrow());
  }

  @Test void writerRefusesACurveThatDoesNotFitTheIndex() {
    RecallCurve wrongLists = new RecallCurve(5, 4, new int[] {1}, new int[] {1, 3},
        new float[][] {{0.5f, 1f}});
    assertThrows(IllegalArgumentException.class,
        () -> IvfIndexWriter.write(HEADER, CENTROIDS, LISTS, null, wrongLists));
    RecallCurve tooManyRows = new RecallCurve(5, 5, new int[] {1}, new int[] {4},
        new float[][] {{1f}});
    assertThrows(IllegalArgumentException.class,
        () -> IvfIndexWriter.write(HEADER, CENTROIDS, LISTS, null, tooManyRows));
  }

  @Test void nprobeForInterpolatesOnLogKAndExtrapolatesAboveTheLargest() {
    // 100 lists; recall@1 reaches 0.95 at 4, recall@100 at 40.
    int[] points = new int[100];
    float[][] recall = new float[2][100];
    for (int p = 1; p <= 100; p++) {
      points[p - 1] = p;
      recall[0][p - 1] = p >= 4 ? 0.96f : 0.5f;
      recall[1][p - 1] = p >= 40 ? 0.96f : p >= 20 ? 0.9f : 0.5f;
    }
    RecallCurve c = new RecallCurve(50, 1000, new int[] {1, 100}, points, recall);
    assertEquals(4, c.nprobeFor(1, 0.95));
    assertEquals(40, c.nprobeFor(100, 0.95));
    assertEquals(22, c.nprobeFor(10, 0.95), "halfway on log k: 4 + (40 - 4) / 2");
    assertEquals(20, c.nprobeFor(100, 0.89));
    assertEquals(80, c.nprobeFor(200, 0.95), "twice the rows: twice the lists");
    assertEquals(100, c.nprobeFor(10_000, 0.95), "never more than every list");
    assertEquals(100, c.nprobeFor(1, 0.99), "a target the sample never reached: every list");
    assertEquals(0.96, c.expectedRecall(100, 40), 1e-6);
    assertEquals(0.5, c.expectedRecall(100, 19), 1e-6);
    assertEquals(0.9, c.expectedRecall(200, 79), 1e-6, "200 rows at 79 lists ~ 100 at 39");
  }

  private static void assertRejected(byte[] b, String expected) {
    IvfIndexFormatException e = assertThrows(IvfIndexFormatException.class,
        () -> IvfIndexReader.parse(b));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  private static byte[] withInt(byte[] b, int pos, int v) {
    byte[] c = b.clone();
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(pos, v);
    return resealed(c);
  }

  private static byte[] withShort(byte[] b, int pos, int v) {
    byte[] c = b.clone();
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putShort(pos, (short) v);
    return resealed(c);
  }

  private static byte[] withLong(byte[] b, int pos, long v) {
    byte[] c = b.clone();
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(pos, v);
    return resealed(c);
  }

  private static byte[] withFloat(byte[] b, int pos, float v) {
    byte[] c = b.clone();
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putFloat(pos, v);
    return resealed(c);
  }

  private static byte[] resealed(byte[] c) {
    CRC32C crc = new CRC32C();
    crc.update(c, 0, c.length - 4);
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(c.length - 4, (int) crc.getValue());
    return c;
  }
}
