package io.pqvector.calcite;

import io.pqvector.parquet.FileVersion;
import java.io.IOException;
import java.util.LinkedHashMap;

/**
 * The values of one column of one row group, decoded once and kept, least recently used evicted
 * first, bounded in (estimated) bytes. Files from other engines often have no offset index and
 * one page per column chunk, so fetching the other columns of the k final rows means decoding
 * whole chunks; with this cache repeated queries pay that once. It is on when the connection's
 * {@code cacheSize} is, with an eighth of that capacity.
 */
final class ColumnValueCache {
  private static final ColumnValueCache SHARED = new ColumnValueCache();

  private final LinkedHashMap<Key, Object[]> entries = new LinkedHashMap<>(64, 0.75f, true);
  private final LinkedHashMap<Key, Long> sizes = new LinkedHashMap<>();
  private long capacity;
  private long used;

  static ColumnValueCache shared() {
    return SHARED;
  }

  /** One column of one row group of one version of a file. */
  record Key(FileVersion file, String column, int rowGroup) {
  }

  /** Reads a row group's values of a column. */
  @FunctionalInterface
  interface Loader {
    Object[] load() throws IOException;
  }

  synchronized void ensureCapacity(long bytes) {
    capacity = Math.max(capacity, bytes);
  }

  Object[] get(Key key, Loader loader) throws IOException {
    synchronized (this) {
      Object[] hit = entries.get(key);
      if (hit != null) {
        return hit;
      }
    }
    Object[] values = loader.load();
    long bytes = estimate(values);
    synchronized (this) {
      if (bytes <= capacity && !entries.containsKey(key)) {
        entries.put(key, values);
        sizes.put(key, bytes);
        used += bytes;
        var it = entries.keySet().iterator();
        while (used > capacity && it.hasNext()) {
          Key eldest = it.next();
          used -= sizes.remove(eldest);
          it.remove();
        }
      }
    }
    return values;
  }

  /** A rough size: references, boxes and the characters of strings. */
  private static long estimate(Object[] values) {
    long bytes = 16 + 8L * values.length;
    for (Object v : values) {
      if (v instanceof String) {
        bytes += 40 + 2L * ((String) v).length();
      } else if (v != null) {
        bytes += 24;
      }
    }
    return bytes;
  }
}
