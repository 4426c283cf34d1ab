package io.pqvector.parquet.decode;

import io.pqvector.parquet.FileVersion;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Decoded vector pages kept in memory, bounded in bytes (Caffeine's size-weighted eviction).
 * Files from other engines often hold a whole column chunk in one page, so an index probe would
 * otherwise decode the same large pages on every query. Keys include the column (a file may hold
 * several indexed vector columns) and the file's size and modification time, so a changed file
 * never serves stale vectors. One cache serves the JVM; its capacity is the largest any open
 * connection asked for. Concurrent queries needing one page decode it once.
 *
 * <p>Bound: once a load completes, the cache holds at most its capacity; while pages are being
 * inserted it may exceed it by those pages until the insert's eviction has run.
 */
public final class DecodedPageCache {
  private static final DecodedPageCache SHARED = new DecodedPageCache();

  private final Cache<Key, VectorBatch> pages = Caffeine.newBuilder()
      .maximumWeight(0)
      .weigher((Key k, VectorBatch v) -> (int) Math.min(Integer.MAX_VALUE, v.memoryBytes()))
      .executor(Runnable::run) // evict on the inserting thread, not later in a pool
      .recordStats()
      .build();
  private final Policy.Eviction<Key, VectorBatch> eviction =
      pages.policy().eviction().orElseThrow();

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
  public synchronized void ensureCapacity(long bytes) {
    if (bytes > eviction.getMaximum()) {
      eviction.setMaximum(bytes);
    }
  }

  public long capacity() {
    return eviction.getMaximum();
  }

  /** Bytes held, after pending evictions have run. */
  public long usedBytes() {
    pages.cleanUp();
    return eviction.weightedSize().orElse(0);
  }

  public long hits() {
    return pages.stats().hitCount();
  }

  public long misses() {
    return pages.stats().missCount();
  }

  /** Empties the cache (tests and benchmarks measure cold runs this way). */
  public void clear() {
    pages.invalidateAll();
    pages.cleanUp();
  }

  /** The cached page, or the loaded one (kept if it fits). */
  public VectorBatch get(Key key, Loader loader) throws IOException {
    try {
      return pages.get(key, k -> {
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
}
