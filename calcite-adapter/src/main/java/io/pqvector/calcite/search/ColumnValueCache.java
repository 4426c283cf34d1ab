package io.pqvector.calcite.search;

import io.pqvector.cache.ByteBoundedCache;
import io.pqvector.parquet.FileVersion;
import java.io.IOException;

/**
 * The values of one column of one row group, decoded once and kept, bounded in (estimated) bytes.
 * Files from other engines often have no offset index and one page per column chunk, so fetching the other columns of the k final rows means decoding
 * whole chunks; with this cache repeated queries pay that once. It is on when the connection's
 * {@code cacheSize} is, with an eighth of that capacity.
 */
final class ColumnValueCache {
  private static final ColumnValueCache SHARED = new ColumnValueCache();

  private final ByteBoundedCache<Key, Entry> entries = new ByteBoundedCache<>(Entry::bytes);

  static ColumnValueCache shared() {
    return SHARED;
  }

  /** One column of one row group of one version of a file. */
  record Key(FileVersion file, String column, int rowGroup) {
  }

  /**
   * Values with their estimated size, computed once: the cache weighs an entry when it is kept
   * and again when it leaves, and estimating walks every value.
   */
  private record Entry(Object[] values, long bytes) {
  }

  /** Reads a row group's values of a column. */
  @FunctionalInterface
  interface Loader {
    Object[] load() throws IOException;
  }

  long capacity() {
    return entries.capacity();
  }

  void ensureCapacity(long bytes) {
    entries.ensureCapacity(bytes);
  }

  Object[] get(Key key, Loader loader) throws IOException {
    return entries.get(key, () -> {
      Object[] values = loader.load();
      return new Entry(values, estimate(values));
    }).values;
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
