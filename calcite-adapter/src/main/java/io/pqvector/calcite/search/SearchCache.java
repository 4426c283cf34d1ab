package io.pqvector.calcite.search;

import io.pqvector.cache.ByteBoundedCache;
import io.pqvector.parquet.FileVersion;
import java.io.IOException;
import java.util.function.ToLongFunction;

/**
 * What a filtered search derives from one version of a file and keeps for later queries: the
 * filter columns' values in primitive form ({@link FilterColumn}) and whole-file bitmaps of the
 * rows that pass a selective filter, bounded in (estimated) bytes ({@link ByteBoundedCache}); on
 * when the connection's {@code cacheSize} is, with an eighth of that capacity.
 */
final class SearchCache {
  private static final SearchCache SHARED = new SearchCache();

  private final ByteBoundedCache<Key, Entry> entries = new ByteBoundedCache<>(Entry::bytes);

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

  void ensureCapacity(long bytes) {
    entries.ensureCapacity(bytes);
  }

  /** The kept value, if any. */
  Object peek(Key key) {
    Entry e = entries.peek(key);
    return e == null ? null : e.value;
  }

  @SuppressWarnings("unchecked")
  <T> T get(Key key, Loader<T> loader, ToLongFunction<T> size) throws IOException {
    return (T) entries.get(key, () -> {
      T value = loader.load();
      return new Entry(value, size.applyAsLong(value));
    }).value;
  }
}
