package io.pqvector.parquet.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.Random;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.junit.jupiter.api.Test;

/** Checks the hand-written hybrid decoder against parquet-mr's encoder, for runs, bit-packing and mixes. */
class HybridRleDecoderTest {
  @Test
  void levelsRoundTripAtEveryWidth() throws IOException {
    Random random = new Random(7);
    for (int width = 1; width <= 8; width++) {
      for (int trial = 0; trial < 20; trial++) {
        int n = 1 + random.nextInt(3000);
        int[] expected = mixedRunsAndNoise(random, n, (1 << width) - 1);
        byte[] encoded = encode(expected, width);
        byte[] decoded = new byte[n];
        int counted = HybridRleDecoder.decodeLevels(encoded, 0, encoded.length, width, decoded, n, 1);
        int expectedCount = 0;
        for (int i = 0; i < n; i++) {
          assertEquals(expected[i], decoded[i] & 0xFF, "width " + width + " index " + i);
          expectedCount += expected[i] == 1 ? 1 : 0;
        }
        assertEquals(expectedCount, counted);
      }
    }
  }

  @Test
  void intsRoundTripAtWideWidths() throws IOException {
    Random random = new Random(11);
    for (int width : new int[] {0, 1, 3, 7, 12, 17, 24, 31}) {
      int n = 2500;
      int[] expected = mixedRunsAndNoise(random, n, width == 0 ? 0 : (int) ((1L << width) - 1));
      byte[] encoded = encode(expected, width);
      int[] decoded = new int[n];
      int max = HybridRleDecoder.decodeInts(encoded, 0, encoded.length, width, decoded, n);
      assertArrayEquals(expected, decoded, "width " + width);
      assertEquals(java.util.Arrays.stream(expected).max().getAsInt(), max);
    }
  }

  @Test
  void truncatedInputIsAnIOException() throws IOException {
    int[] values = mixedRunsAndNoise(new Random(3), 1000, 3);
    byte[] encoded = encode(values, 2);
    assertThrows(IOException.class,
        () -> HybridRleDecoder.decodeLevels(encoded, 0, encoded.length / 2, 2, new byte[1000], 1000, 0));
    assertThrows(IOException.class,
        () -> HybridRleDecoder.decodeLevels(encoded, 0, encoded.length, 2, new byte[2000], 2000, 0));
  }

  private static int[] mixedRunsAndNoise(Random random, int n, int max) {
    int[] values = new int[n];
    int i = 0;
    while (i < n) {
      int length = Math.min(n - i, 1 + random.nextInt(random.nextBoolean() ? 4 : 200));
      boolean run = random.nextBoolean();
      int value = max == 0 ? 0 : random.nextInt(max) + (random.nextInt(4) == 0 ? 1 : 0);
      for (int k = 0; k < length; k++) {
        values[i + k] = run || max == 0 ? value : random.nextInt(max) + (random.nextBoolean() ? 1 : 0);
      }
      i += length;
    }
    return values;
  }

  private static byte[] encode(int[] values, int width) throws IOException {
    try (RunLengthBitPackingHybridEncoder encoder =
        new RunLengthBitPackingHybridEncoder(width, 64, 1 << 20, new HeapByteBufferAllocator())) {
      for (int v : values) {
        encoder.writeInt(v);
      }
      return encoder.toBytes().toByteArray();
    }
  }
}
