package io.pqvector.parquet;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decoded vector pages kept in memory, least recently used evicted first, bounded in bytes.
 * Files from other engines often hold a whole column chunk in one page, so an index probe would
 * otherwise decode the same large pages on every query. Keys include the column (a file may hold
 * several indexed vector columns) and the file's size and modification time, so a changed file
 * never serves stale vectors. One cache serves the JVM;
 * its capacity is the largest any open connection asked for.
 */
public final class DecodedPageCache {
  private static final DecodedPageCache SHARED = new DecodedPageCache();

  private final LinkedHashMap<Key, VectorBatch> pages = new LinkedHashMap<>(64, 0.75f, true);
  /** Loads under way, so concurrent queries needing one page decode it once. */
  private final Map<Key, Object> loading = new ConcurrentHashMap<>();
  private long capacity;
  private long used;
  private long hits;
  private long misses;

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
    capacity = Math.max(capacity, bytes);
  }

  public synchronized long capacity() {
    return capacity;
  }

  public synchronized long usedBytes() {
    return used;
  }

  public synchronized long hits() {
    return hits;
  }

  public synchronized long misses() {
    return misses;
  }

  /** Empties the cache (tests and benchmarks measure cold runs this way). */
  public synchronized void clear() {
    pages.clear();
    used = 0;
  }

  /** The cached page, or the loaded one (cached if it fits). */
  public VectorBatch get(Key key, Loader loader) throws IOException {
    synchronized (this) {
      VectorBatch hit = pages.get(key);
      if (hit != null) {
        hits++;
        return hit;
      }
      misses++;
    }
    Object lock = loading.computeIfAbsent(key, k -> new Object());
    synchronized (lock) {
      try {
        synchronized (this) {
          VectorBatch hit = pages.get(key);
          if (hit != null) {
            return hit;
          }
        }
        VectorBatch batch = loader.load();
        put(key, batch);
        return batch;
      } finally {
        loading.remove(key, lock);
      }
    }
  }

  private synchronized void put(Key key, VectorBatch batch) {
    long bytes = batch.memoryBytes();
    if (bytes > capacity) {
      return;
    }
    VectorBatch old = pages.put(key, batch);
    if (old != null) {
      used -= old.memoryBytes();
    }
    used += bytes;
    var it = pages.entrySet().iterator();
    while (used > capacity && it.hasNext()) {
      used -= it.next().getValue().memoryBytes();
      it.remove();
    }
  }
}
