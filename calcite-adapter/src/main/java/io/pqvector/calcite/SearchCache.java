package io.pqvector.calcite;

import io.pqvector.parquet.FileVersion;
import java.io.IOException;
import java.util.LinkedHashMap;

/**
 * What a filtered search derives from one version of a file and keeps for later queries: the
 * filter columns' values in primitive form ({@link FilterColumn}) and whole-file bitmaps of the
 * rows that pass a selective filter. Least recently used evicted first, bounded in (estimated)
 * bytes; on when the connection's {@code cacheSize} is, with an eighth of that capacity.
 */
final class SearchCache {
  private static final SearchCache SHARED = new SearchCache();

  private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
  private long capacity;
  private long used;

  static SearchCache shared() {
    return SHARED;
  }

  /** One thing derived from one version of a file: {@code what} says which. */
  record Key(FileVersion file, String what) {
  }

  private record Entry(Object value, long bytes) {
  }

  /** Computes a value to keep and says its size. */
  interface Loader<T> {
    T load() throws IOException;
  }

  synchronized void ensureCapacity(long bytes) {
    capacity = Math.max(capacity, bytes);
  }

  /** The kept value, if any. */
  synchronized Object peek(Key key) {
    Entry e = entries.get(key);
    return e == null ? null : e.value;
  }

  <T> T get(Key key, Loader<T> loader, java.util.function.ToLongFunction<T> size)
      throws IOException {
    @SuppressWarnings("unchecked")
    T hit = (T) peek(key);
    if (hit != null) {
      return hit;
    }
    T value = loader.load();
    long bytes = size.applyAsLong(value);
    synchronized (this) {
      if (bytes <= capacity && !entries.containsKey(key)) {
        entries.put(key, new Entry(value, bytes));
        used += bytes;
        var it = entries.values().iterator();
        while (used > capacity && it.hasNext()) {
          used -= it.next().bytes;
          it.remove();
        }
      }
    }
    return value;
  }
}
