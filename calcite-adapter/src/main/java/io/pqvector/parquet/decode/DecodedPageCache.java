package io.pqvector.parquet.decode;

import io.pqvector.cache.ByteBoundedCache;
import io.pqvector.parquet.FileVersion;
import java.io.IOException;

/**
 * Decoded vector pages kept in memory, bounded in bytes ({@link ByteBoundedCache}). Files from
 * other engines often hold a whole column chunk in one page, so an index probe would otherwise
 * decode the same large pages on every query. Keys include the column (a file may hold several
 * indexed vector columns) and the file's version, so a changed file never serves stale vectors.
 * One cache serves the JVM; its capacity is the largest any open connection asked for.
 */
public final class DecodedPageCache {
  private static final DecodedPageCache SHARED = new DecodedPageCache();

  private final ByteBoundedCache<Key, VectorBatch> pages =
      new ByteBoundedCache<>(VectorBatch::memoryBytes);

  public static DecodedPageCache shared() {
    return SHARED;
  }

  /** One page of one column of one version of a file. */
  public record Key(FileVersion file, String column, int rowGroup, int page) {
  }

  /** Decodes a page. */
  @FunctionalInterface
  public interface Loader {
    VectorBatch load() throws IOException;
  }

  /** Raises the capacity to at least {@code bytes} (connections only ever ask for more). */
  public void ensureCapacity(long bytes) {
    pages.ensureCapacity(bytes);
  }

  public long capacity() {
    return pages.capacity();
  }

  /** Bytes held, after pending evictions have run. */
  public long usedBytes() {
    return pages.usedBytes();
  }

  public long hits() {
    return pages.hits();
  }

  public long misses() {
    return pages.misses();
  }

  /** Empties the cache (tests and benchmarks measure cold runs this way). */
  public void clear() {
    pages.clear();
  }

  /** The cached page, or the loaded one (kept if it fits). */
  public VectorBatch get(Key key, Loader loader) throws IOException {
    return pages.get(key, loader::load);
  }
}
