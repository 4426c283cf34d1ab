package io.pqvector.parquet.decode;

import java.io.IOException;
import java.util.Arrays;

/**
 * Decodes Parquet's RLE / bit-packed hybrid encoding (levels and dictionary indices) straight into
 * primitive arrays. Runs become {@link Arrays#fill}; bit-packed groups are unpacked with
 * width-specific loops for the 1- and 2-bit levels that lists use.
 *
 * <p>Each run header is {@code varint h}: {@code h & 1 == 0} is an RLE run of {@code h >>> 1} copies of
 * a value stored in {@code ceil(width / 8)} little-endian bytes; otherwise {@code h >>> 1} groups of 8
 * values, each group {@code width} bytes, least significant bit first.
 */
final class HybridRleDecoder {
  private HybridRleDecoder() {}

  /**
   * Decodes {@code count} levels from {@code src[pos..end)} into {@code out[0..count)} and returns how
   * many of them equal {@code countedValue} (the number of rows for repetition levels counted at 0, the
   * number of present values for definition levels counted at the maximum level).
   */
  static int decodeLevels(byte[] src, int pos, int end, int bitWidth, byte[] out, int count, int countedValue)
      throws IOException {
    if (bitWidth < 0 || bitWidth > 8) {
      throw new IOException("level bit width " + bitWidth + " out of range");
    }
    checkRange(src, pos, end);
    int i = 0;
    int counted = 0;
    int valueBytes = (bitWidth + 7) >>> 3;
    while (i < count) {
      if (pos >= end) {
        throw new IOException("level data ends after " + i + " of " + count + " levels");
      }
      long header = 0;
      int shift = 0;
      int b;
      do {
        if (pos >= end || shift > 28) {
          throw new IOException("malformed run header in level data");
        }
        b = src[pos++];
        header |= (long) (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      if ((header & 1) == 0) {
        int n = (int) Math.min(header >>> 1, count - i);
        if (n <= 0 && (header >>> 1) == 0) {
          throw new IOException("empty RLE run in level data");
        }
        if (pos + valueBytes > end) {
          throw new IOException("level data ends inside an RLE run");
        }
        int value = valueBytes == 0 ? 0 : src[pos] & 0xFF;
        pos += valueBytes;
        Arrays.fill(out, i, i + n, (byte) value);
        if (value == countedValue) {
          counted += n;
        }
        i += n;
      } else {
        long values = (header >>> 1) * 8;
        if (values == 0) {
          throw new IOException("empty bit-packed run in level data");
        }
        int n = (int) Math.min(values, count - i);
        int bytesUsed = (int) (((long) n * bitWidth + 7) >>> 3);
        if (pos + bytesUsed > end) {
          throw new IOException("level data ends inside a bit-packed run");
        }
        counted += unpackLevels(src, pos, bitWidth, out, i, n, countedValue);
        i += n;
        // Skip the whole run, padding included; the last run may be cut short at end of data.
        pos = (int) Math.min(end, pos + (header >>> 1) * bitWidth);
      }
    }
    return counted;
  }

  private static int unpackLevels(byte[] src, int pos, int bitWidth, byte[] out, int at, int n, int countedValue) {
    int counted = 0;
    if (bitWidth == 1) {
      for (int k = 0; k < n; k++) {
        int v = (src[pos + (k >>> 3)] >>> (k & 7)) & 1;
        out[at + k] = (byte) v;
        counted += v == countedValue ? 1 : 0;
      }
    } else if (bitWidth == 2) {
      for (int k = 0; k < n; k++) {
        int v = (src[pos + (k >>> 2)] >>> ((k & 3) << 1)) & 3;
        out[at + k] = (byte) v;
        counted += v == countedValue ? 1 : 0;
      }
    } else {
      int mask = (1 << bitWidth) - 1;
      for (int k = 0; k < n; k++) {
        int v = bitsAt(src, pos, (long) k * bitWidth) & mask;
        out[at + k] = (byte) v;
        counted += v == countedValue ? 1 : 0;
      }
    }
    return counted;
  }

  /**
   * Decodes {@code count} unsigned ints of {@code bitWidth} bits (dictionary indices) from
   * {@code src[pos..end)} into {@code out[0..count)} and returns the largest one, so the caller can
   * check them against the dictionary size once.
   */
  static int decodeInts(byte[] src, int pos, int end, int bitWidth, int[] out, int count) throws IOException {
    if (bitWidth < 0 || bitWidth > 32) {
      throw new IOException("dictionary index bit width " + bitWidth + " out of range");
    }
    checkRange(src, pos, end);
    int i = 0;
    int max = 0;
    int valueBytes = (bitWidth + 7) >>> 3;
    long mask = bitWidth == 32 ? 0xFFFFFFFFL : (1L << bitWidth) - 1;
    while (i < count) {
      if (pos >= end) {
        throw new IOException("dictionary indices end after " + i + " of " + count + " values");
      }
      long header = 0;
      int shift = 0;
      int b;
      do {
        if (pos >= end || shift > 28) {
          throw new IOException("malformed run header in dictionary indices");
        }
        b = src[pos++];
        header |= (long) (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      if ((header & 1) == 0) {
        if ((header >>> 1) == 0) {
          throw new IOException("empty RLE run in dictionary indices");
        }
        int n = (int) Math.min(header >>> 1, count - i);
        if (pos + valueBytes > end) {
          throw new IOException("dictionary indices end inside an RLE run");
        }
        long value = 0;
        for (int k = 0; k < valueBytes; k++) {
          value |= (long) (src[pos + k] & 0xFF) << (8 * k);
        }
        pos += valueBytes;
        if (value > Integer.MAX_VALUE) {
          throw new IOException("dictionary index " + value + " out of range");
        }
        Arrays.fill(out, i, i + n, (int) value);
        max = Math.max(max, (int) value);
        i += n;
      } else {
        long values = (header >>> 1) * 8;
        if (values == 0) {
          throw new IOException("empty bit-packed run in dictionary indices");
        }
        int n = (int) Math.min(values, count - i);
        int bytesUsed = (int) (((long) n * bitWidth + 7) >>> 3);
        if (pos + bytesUsed > end) {
          throw new IOException("dictionary indices end inside a bit-packed run");
        }
        for (int k = 0; k < n; k++) {
          long v = bitsAt(src, pos, (long) k * bitWidth) & mask;
          if (v > Integer.MAX_VALUE) {
            throw new IOException("dictionary index " + v + " out of range");
          }
          out[i + k] = (int) v;
          max = Math.max(max, (int) v);
        }
        i += n;
        pos = (int) Math.min(end, pos + (header >>> 1) * bitWidth);
      }
    }
    return max;
  }

  /** Up to 32 bits starting at bit {@code bit} of {@code src[pos..]}, reading no byte past the value. */
  private static int bitsAt(byte[] src, int pos, long bit) {
    int byteIndex = pos + (int) (bit >>> 3);
    int shift = (int) (bit & 7);
    long word = 0;
    // 5 bytes cover 32 bits at any shift; read only what exists inside the array.
    int available = Math.min(5, src.length - byteIndex);
    for (int k = 0; k < available; k++) {
      word |= (long) (src[byteIndex + k] & 0xFF) << (8 * k);
    }
    return (int) (word >>> shift);
  }

  private static void checkRange(byte[] src, int pos, int end) throws IOException {
    if (pos < 0 || end > src.length || pos > end) {
      throw new IOException("encoded data range [" + pos + ", " + end + ") outside a buffer of " + src.length);
    }
  }
}
