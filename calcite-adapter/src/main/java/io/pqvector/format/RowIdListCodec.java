package io.pqvector.format;

/**
 * The encoding of one inverted list: its sorted row ids as unsigned LEB128 varints, the first one
 * absolute and each next one as the (positive) gap to its predecessor. Ids of one list are close
 * together in a clustered file, so most gaps take one or two bytes instead of four.
 */
final class RowIdListCodec {
  private RowIdListCodec() {}

  /** A 31-bit value never needs more than five 7-bit groups. */
  static final int MAX_VARINT_BYTES = 5;

  /** Bytes needed to encode {@code ids}; checks they are sorted, distinct and below rowCount. */
  static long encodedLength(int[] ids, long rowCount, int list) {
    long bytes = 0;
    int prev = -1;
    for (int i = 0; i < ids.length; i++) {
      int id = ids[i];
      if (id < 0 || id >= rowCount) {
        throw new IllegalArgumentException("list " + list + ": row id " + id
            + " out of range 0.." + (rowCount - 1));
      }
      if (id <= prev) {
        throw new IllegalArgumentException("list " + list + ": row ids must be strictly"
            + " ascending, but " + id + " follows " + prev);
      }
      bytes += varintLength(i == 0 ? id : id - prev);
      prev = id;
    }
    return bytes;
  }

  /** Writes the list at {@code pos}; returns the position after it. */
  static int encode(int[] ids, byte[] out, int pos) {
    int prev = 0;
    for (int i = 0; i < ids.length; i++) {
      int value = i == 0 ? ids[i] : ids[i] - prev;
      prev = ids[i];
      while ((value & ~0x7F) != 0) {
        out[pos++] = (byte) ((value & 0x7F) | 0x80);
        value >>>= 7;
      }
      out[pos++] = (byte) value;
    }
    return pos;
  }

  /**
   * Checks that {@code bytes[pos, pos+length)} holds exactly {@code count} minimal varints whose
   * running sums are strictly ascending row ids below {@code rowCount}. Returns the first problem,
   * or null. Allocates nothing, so it is safe on untrusted counts.
   */
  static String check(byte[] bytes, int pos, int length, int count, long rowCount) {
    int end = pos + length;
    long id = -1;
    for (int i = 0; i < count; i++) {
      long value = 0;
      int shift = 0;
      int groups = 0;
      while (true) {
        if (pos >= end) {
          return "varint " + i + " of " + count + " runs past the list's " + length + " bytes";
        }
        int b = bytes[pos++] & 0xFF;
        groups++;
        value |= (long) (b & 0x7F) << shift;
        shift += 7;
        if ((b & 0x80) == 0) {
          if (b == 0 && groups > 1) {
            return "varint " + i + " is not minimally encoded";
          }
          break;
        }
        if (groups == MAX_VARINT_BYTES) {
          return "varint " + i + " is longer than " + MAX_VARINT_BYTES + " bytes";
        }
      }
      if (i > 0 && value == 0) {
        return "row id gap " + i + " is zero: ids must be strictly ascending";
      }
      id = i == 0 ? value : id + value;
      if (id >= rowCount) {
        return "row id " + id + " (entry " + i + ") is not below the row count " + rowCount;
      }
    }
    if (pos != end) {
      return (end - pos) + " bytes left over after " + count + " row ids";
    }
    return null;
  }

  /** Decodes {@code out.length} ids from already checked bytes. */
  static void decode(byte[] bytes, int pos, int[] out) {
    int id = 0;
    for (int i = 0; i < out.length; i++) {
      int value = 0;
      int shift = 0;
      int b;
      do {
        b = bytes[pos++];
        value |= (b & 0x7F) << shift;
        shift += 7;
      } while (b < 0);
      id = i == 0 ? value : id + value;
      out[i] = id;
    }
  }

  static int varintLength(int value) {
    int bytes = 1;
    while ((value & ~0x7F) != 0) {
      value >>>= 7;
      bytes++;
    }
    return bytes;
  }
}
