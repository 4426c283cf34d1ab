package io.pqvector.calcite;

import io.pqvector.parquet.FileVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;

/**
 * The values of one column of one row group, decoded once and kept, bounded in (estimated) bytes.
 * Files from other engines often have no offset index and one page per column chunk, so fetching the other columns of the k final rows means decoding
 * whole chunks; with this cache repeated queries pay that once. It is on when the connection's
 * {@code cacheSize} is, with an eighth of that capacity.
 */
final class ColumnValueCache {
  private static final ColumnValueCache SHARED = new ColumnValueCache();

  private final Cache<Key, Object[]> entries = Caffeine.newBuilder()
      .maximumWeight(0)
      .weigher((Key k, Object[] v) -> (int) Math.min(Integer.MAX_VALUE, estimate(v)))
      .executor(Runnable::run)
      .build();
  private final Policy.Eviction<Key, Object[]> eviction =
      entries.policy().eviction().orElseThrow();

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
    if (bytes > eviction.getMaximum()) {
      eviction.setMaximum(bytes);
    }
  }

  Object[] get(Key key, Loader loader) throws IOException {
    try {
      return entries.get(key, k -> {
        try {
          return loader.load();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
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
