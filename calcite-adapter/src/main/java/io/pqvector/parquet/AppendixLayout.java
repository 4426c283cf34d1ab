package io.pqvector.parquet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.parquet.format.KeyValue;

/**
 * What the region between the data and the end of the file holds, and where new bytes may go.
 *
 * <pre>
 * [PAR1][data pages, indexes][original footer ...dead or live payloads... ][live footer][len]["PAR1"]
 *                            ^ base                                       ^ footerStart
 * </pre>
 *
 * {@code base} is the start of the original footer, recorded under {@link #BASE_KEY} on the first
 * write; nothing below it is ever written. Payloads lie in {@code [base, footerStart)}.
 */
final class AppendixLayout {

  /** Footer key holding {@code base} while the live footer is not at {@code base}. */
  static final String BASE_KEY = "pqvector.appendix.base";

  private final Path file;
  private final ParquetTail tail;
  private final long base;
  /** Every entry whose value is a well-formed location inside the appendix region, in footer order. */
  private final Map<String, PayloadLocation> payloads;

  private AppendixLayout(Path file, ParquetTail tail, long base, Map<String, PayloadLocation> payloads) {
    this.file = file;
    this.tail = tail;
    this.base = base;
    this.payloads = payloads;
  }

  static AppendixLayout of(Path file, ParquetTail tail) throws IOException {
    long dataEnd = tail.dataEnd();
    if (dataEnd > tail.footerStart()) {
      throw new IOException(file + ": footer points at bytes up to " + dataEnd
          + ", past its own start at " + tail.footerStart() + "; refusing to touch this file");
    }
    long base = tail.footerStart();
    String recordedBase = tail.keyValue(BASE_KEY);
    if (recordedBase != null) {
      try {
        base = Long.parseLong(recordedBase);
      } catch (NumberFormatException e) {
        throw new IOException(file + ": corrupt value of footer key " + BASE_KEY + ": '" + recordedBase + "'");
      }
      if (base < dataEnd || base > tail.footerStart()) {
        throw new IOException(file + ": corrupt value of footer key " + BASE_KEY + ": " + base
            + " is outside [" + dataEnd + ", " + tail.footerStart() + "]");
      }
    }
    Map<String, PayloadLocation> payloads = new LinkedHashMap<>();
    for (KeyValue kv : tail.keyValues()) {
      PayloadLocation location = PayloadLocation.parseOrNull(kv.getValue());
      if (location != null && location.offset() >= base && location.end() <= tail.footerStart()) {
        payloads.put(kv.getKey(), location);
      }
    }
    return new AppendixLayout(file, tail, base, payloads);
  }

  long base() {
    return base;
  }

  ParquetTail tail() {
    return tail;
  }

  /** Whether any payload other than {@code key}'s would remain. */
  boolean hasPayloadsOtherThan(String key) {
    return payloads.keySet().stream().anyMatch(k -> !k.equals(key));
  }

  /**
   * The checked location of {@code key}'s payload, or null when the footer has no such key.
   * Checks bounds before anything is allocated.
   */
  PayloadLocation locate(String key) throws IOException {
    String value = tail.keyValue(key);
    if (value == null) {
      return null;
    }
    PayloadLocation location = PayloadLocation.parseOrNull(value);
    if (location == null) {
      throw new IOException(file + ": footer key '" + key + "' has a malformed payload location '"
          + abbreviate(value) + "' (expected <offset>:<length>:<crc32c hex>)");
    }
    if (location.offset() < base || location.end() > tail.footerStart()) {
      throw new IOException(file + ": footer key '" + key + "' points at [" + location.offset() + ", "
          + location.end() + "), outside the appendix region [" + base + ", " + tail.footerStart() + ")");
    }
    if (location.length() > Integer.MAX_VALUE - 8) {
      throw new IOException(file + ": footer key '" + key + "' records a payload of " + location.length()
          + " bytes, too large for one array");
    }
    return location;
  }

  /**
   * Where a new tail of {@code size} bytes (the new payload of {@code key}, if any, then the new
   * footer, length and magic) goes. The lowest position that overlaps nothing the live footer still
   * references (so the file stays readable until the new footer is the last thing in it), lies
   * above every payload that stays live (so truncating after it keeps them) and ends before the
   * live footer. Without such a gap: the current end of the file, i.e. append.
   */
  long place(String key, long size) {
    long keptEnd = base;
    List<long[]> busy = new ArrayList<>();
    for (Map.Entry<String, PayloadLocation> e : payloads.entrySet()) {
      PayloadLocation p = e.getValue();
      busy.add(new long[] {p.offset(), p.end()});
      if (!e.getKey().equals(key)) {
        keptEnd = Math.max(keptEnd, p.end());
      }
    }
    TreeSet<Long> candidates = new TreeSet<>();
    candidates.add(keptEnd);
    for (long[] extent : busy) {
      if (extent[1] >= keptEnd) {
        candidates.add(extent[1]);
      }
    }
    for (long start : candidates) {
      if (start + size <= tail.footerStart() && overlapsNone(busy, start, start + size)) {
        return start;
      }
    }
    return tail.fileLength();
  }

  private static boolean overlapsNone(List<long[]> extents, long start, long end) {
    for (long[] extent : extents) {
      if (start < extent[1] && extent[0] < end) {
        return false;
      }
    }
    return true;
  }

  private static String abbreviate(String value) {
    return value.length() <= 64 ? value : value.substring(0, 64) + "...";
  }
}
