package io.pqvector.parquet.appendix;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
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

  /** The payloads other than {@code key}'s, in file order. */
  Map<String, PayloadLocation> payloadsOtherThan(String key) {
    Map<String, PayloadLocation> others = new LinkedHashMap<>();
    payloads.entrySet().stream()
        .filter(e -> !e.getKey().equals(key))
        .sorted(Map.Entry.comparingByValue(Comparator.comparingLong(PayloadLocation::offset)))
        .forEach(e -> others.put(e.getKey(), e.getValue()));
    return others;
  }

  /**
   * Where a new tail of {@code size} bytes (the new payload of {@code key}, if any, then the new
   * footer, length and magic) goes while every other payload stays where it is: the lowest free
   * position above every payload that stays live, so that truncating after the new tail keeps
   * them. Without such a gap: the current end of the file, i.e. append.
   */
  long place(String key, long size) {
    long keptEnd = base;
    for (PayloadLocation p : payloadsOtherThan(key).values()) {
      keptEnd = Math.max(keptEnd, p.end());
    }
    return lowestFreeStart(keptEnd, size);
  }

  /**
   * Where a new tail of {@code size} bytes goes that carries copies of all payloads that stay
   * live: the lowest free position above the base, or the end of the file.
   */
  long placeCompacted(long size) {
    return lowestFreeStart(base, size);
  }

  /**
   * The lowest position at or above {@code floor} where {@code size} bytes overlap nothing the
   * live footer references (so the file stays readable until the new footer is last) and end
   * before the live footer; else the end of the file.
   */
  private long lowestFreeStart(long floor, long size) {
    List<long[]> busy = new ArrayList<>();
    TreeSet<Long> candidates = new TreeSet<>();
    candidates.add(floor);
    for (PayloadLocation p : payloads.values()) {
      busy.add(new long[] {p.offset(), p.end()});
      if (p.end() >= floor) {
        candidates.add(p.end());
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
