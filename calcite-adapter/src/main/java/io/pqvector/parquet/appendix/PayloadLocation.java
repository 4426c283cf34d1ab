package io.pqvector.parquet.appendix;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where one appendix payload lies, as recorded in a footer key-value entry:
 * {@code "<offset>:<length>:<crc32c>"}, offset and length in decimal, the CRC32C of the payload
 * bytes as 8 lower-case hex digits. The checksum lets a reader detect a payload that was
 * overwritten or cut off (a stale footer, a concurrent writer, a damaged file).
 */
record PayloadLocation(long offset, long length, int crc32c) {

  private static final Pattern FORMAT = Pattern.compile("(\\d{1,18}):(\\d{1,18}):([0-9a-f]{8})");

  PayloadLocation {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative offset or length");
    }
  }

  /** Parses a recorded value; null when it does not have this format (it may be someone else's). */
  static PayloadLocation parseOrNull(String value) {
    if (value == null) {
      return null;
    }
    Matcher m = FORMAT.matcher(value);
    if (!m.matches()) {
      return null;
    }
    return new PayloadLocation(
        Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Integer.parseUnsignedInt(m.group(3), 16));
  }

  /** First byte after the payload. Cannot overflow: both parts have at most 18 digits. */
  long end() {
    return offset + length;
  }

  String format() {
    return offset + ":" + length + ":" + String.format("%08x", crc32c);
  }
}
