package io.pqvector.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * Values derived from files (decoded pages, column values, filter bitmaps), kept in memory and
 * bounded by their bytes: Caffeine's size-weighted eviction, with a capacity that only grows (the
 * largest any connection asked for). Each key is loaded once however many threads ask at the same
 * time, and outside the cache's locks, so a loader may itself use this or another cache.
 *
 * <p>Bound: once a load completes the cache holds at most its capacity; while values are being
 * inserted it may exceed it by those values until the insert's eviction has run.
 */
public final class ByteBoundedCache<K, V> {
  private final Cache<K, V> values;
  private final Policy.Eviction<K, V> eviction;
  /** Loads under way: the first asker loads, the others wait for its result. */
  private final ConcurrentHashMap<K, CompletableFuture<V>> loading = new ConcurrentHashMap<>();

  /** @param bytes what a value holds in memory, roughly */
  public ByteBoundedCache(ToLongFunction<V> bytes) {
    this.values = Caffeine.newBuilder()
        .maximumWeight(0)
        .weigher((K k, V v) -> (int) Math.min(Integer.MAX_VALUE, bytes.applyAsLong(v)))
        .executor(Runnable::run) // evict on the inserting thread, not later in a pool
        .recordStats()
        .build();
    this.eviction = values.policy().eviction().orElseThrow();
  }

  /** Computes a value to keep. */
  @FunctionalInterface
  public interface Loader<V> {
    V load() throws IOException;
  }

  /**
   * Raises the capacity to at least {@code bytes} (connections only ever ask for more). Queries
   * call this on every search, so the usual case (already large enough) takes no lock: under 8
   * concurrent connections the monitor here was the one contended lock (1.4 s blocked in 12 s).
   */
  public void ensureCapacity(long bytes) {
    if (bytes <= eviction.getMaximum()) {
      return;
    }
    synchronized (this) {
      if (bytes > eviction.getMaximum()) {
        eviction.setMaximum(bytes);
      }
    }
  }

  public long capacity() {
    return eviction.getMaximum();
  }

  /** Bytes held, after pending evictions have run. */
  public long usedBytes() {
    values.cleanUp();
    return eviction.weightedSize().orElse(0);
  }

  public long hits() {
    return values.stats().hitCount();
  }

  public long misses() {
    return values.stats().missCount();
  }

  /** Empties the cache (tests and benchmarks measure cold runs this way). */
  public void clear() {
    values.invalidateAll();
    values.cleanUp();
  }

  /** The kept value, or null. */
  public V peek(K key) {
    return values.policy().getIfPresentQuietly(key);
  }

  /**
   * The kept value, or the loaded one (kept if it fits). A thread that finds the key being loaded
   * waits for that load; if it fails (say, its query was cancelled) the thread loads for itself.
   */
  public V get(K key, Loader<V> loader) throws IOException {
    V hit = values.getIfPresent(key);
    if (hit != null) {
      return hit;
    }
    while (true) {
      CompletableFuture<V> mine = new CompletableFuture<>();
      CompletableFuture<V> theirs = loading.putIfAbsent(key, mine);
      if (theirs != null) {
        try {
          return theirs.join();
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
          continue; // that load failed for its own reason: try ours
        }
      }
      try {
        V value = values.policy().getIfPresentQuietly(key); // loaded while we looked
        if (value == null) {
          value = loader.load();
          values.put(key, value);
        }
        mine.complete(value);
        return value;
      } catch (IOException | RuntimeException | Error e) {
        mine.completeExceptionally(e);
        throw e;
      } finally {
        loading.remove(key, mine);
      }
    }
  }
}
