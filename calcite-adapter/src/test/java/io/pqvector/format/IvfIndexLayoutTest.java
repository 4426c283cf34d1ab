package io.pqvector.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The bytes match docs/index-format.md field by field, so another engine can rely on it. */
class IvfIndexLayoutTest {

  @Test void bytesAreWhereTheSpecificationSays() {
    IvfIndexHeader header = new IvfIndexHeader("emb", "cosine", 2, 2, 1000, 4, 0x1122334455667788L,
        99, 20);
    PageLocations pages = new PageLocations(new int[] {1000}, new long[] {-1}, new int[] {-1},
        new int[] {2}, new long[] {4, 5000}, new int[] {4996, 300}, new int[] {0, 600});
    byte[] b = IvfIndexWriter.write(header, new float[] {1, 0, 0, 1},
        new int[][] {{3, 130, 131}, {300}}, pages);
    ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);

    assertEquals("PQVECIVF", new String(b, 0, 8, StandardCharsets.US_ASCII));
    assertEquals(1, le.getShort(8));
    assertEquals(0, le.getShort(10));
    assertEquals(1, le.getInt(12));
    assertEquals(b.length, le.getLong(16));
    assertEquals(160, le.getInt(24));
    assertEquals(2, b[28]);
    assertEquals(2, le.getInt(32));
    assertEquals(2, le.getInt(36));
    assertEquals(1000, le.getLong(40));
    assertEquals(4, le.getLong(48));
    assertEquals(0x1122334455667788L, le.getLong(56));
    assertEquals(99, le.getLong(64));
    assertEquals(20, le.getInt(72));

    long[][] sections = new long[5][];
    for (int s = 0; s < 5; s++) {
      sections[s] = new long[] {le.getLong(80 + 16 * s), le.getLong(88 + 16 * s)};
    }
    assertArrayEquals(new long[] {160, 3}, sections[0]);
    assertEquals("emb", new String(b, 160, 3, StandardCharsets.UTF_8));
    assertArrayEquals(new long[] {163, 16}, sections[1]);
    assertEquals(1f, le.getFloat(163));
    assertEquals(1f, le.getFloat(163 + 12));
    assertArrayEquals(new long[] {179, 32}, sections[2]);
    assertEquals(0, le.getLong(179));
    assertEquals(3, le.getInt(187));
    assertEquals(3, le.getInt(191));
    assertEquals(3, le.getLong(195));
    assertEquals(2, le.getInt(203));
    assertEquals(1, le.getInt(207));
    assertArrayEquals(new long[] {211, 5}, sections[3]);
    // The varint examples of the specification.
    assertArrayEquals(new byte[] {0x03, 0x7f, 0x01, (byte) 0xac, 0x02},
        Arrays.copyOfRange(b, 211, 216));
    assertArrayEquals(new long[] {216, 8 + 28 + 2 * 16}, sections[4]);
    assertEquals(1, le.getInt(216));
    assertEquals(2, le.getInt(220));
    assertEquals(0, le.getInt(224));       // first row
    assertEquals(1000, le.getInt(228));    // row count
    assertEquals(-1, le.getLong(232));     // dictionary offset
    assertEquals(-1, le.getInt(240));      // dictionary size
    assertEquals(0, le.getInt(244));       // first page
    assertEquals(2, le.getInt(248));       // page count
    assertEquals(5000, le.getLong(252 + 16));
    assertEquals(300, le.getInt(260 + 16));
    assertEquals(600, le.getInt(264 + 16));
    assertEquals(216 + 68 + 4, b.length);

    CRC32C crc = new CRC32C();
    crc.update(b, 0, b.length - 4);
    assertEquals((int) crc.getValue(), le.getInt(b.length - 4));
  }
}
