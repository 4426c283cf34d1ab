package io.pqvector.cache;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.cache.RemovalNotification;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * Values derived from files (decoded pages, column values, filter bitmaps, verified indexes),
 * kept in memory and bounded by their bytes, least recently used first out, with a capacity that
 * only grows (the largest any connection asked for). Each key is loaded once however many
 * threads ask at the same time, and outside the cache's locks, so a loader may itself use this
 * or another cache.
 *
 * <p>Guava's LRU cache, one segment (one global order), not Caffeine's: Caffeine admits a new
 * entry only if it has been asked for more often than the entry it would evict, so while the cache
 * is full of earlier hot entries a file's newly decoded column could be refused on query after
 * query and decoded again each time (a cost that follows the file, not the query). Guava cannot
 * resize, so a larger capacity copies the entries into a new cache (rare: connections open).
 *
 * <p>Bound: once a load completes the cache holds at most its capacity.
 */
public final class ByteBoundedCache<K, V> {
  private final ToLongFunction<V> bytes;
  private volatile Store<K, V> store;
  /** Loads under way: the first asker loads, the others wait for its result. */
  private final ConcurrentHashMap<K, CompletableFuture<V>> loading = new ConcurrentHashMap<>();
  /** Hits and misses of the stores this cache replaced when it grew. */
  private final AtomicLong pastHits = new AtomicLong();
  private final AtomicLong pastMisses = new AtomicLong();

  /** One Guava cache of a fixed capacity, and the bytes it holds. */
  private static final class Store<K, V> {
    final long capacity;
    final Cache<K, V> values;
    final AtomicLong used = new AtomicLong();

    Store(long capacity, ToLongFunction<V> bytes) {
      this.capacity = capacity;
      this.values = CacheBuilder.newBuilder()
          .concurrencyLevel(1) // one segment: one LRU order over the whole capacity
          .maximumWeight(capacity)
          .weigher((K k, V v) -> weight(bytes, v))
          .removalListener((RemovalNotification<K, V> n) ->
              used.addAndGet(-weight(bytes, n.getValue())))
          .recordStats()
          .build();
    }

    void put(K key, V value, ToLongFunction<V> bytes) {
      used.addAndGet(weight(bytes, value));
      values.put(key, value); // a replaced or evicted value is subtracted by the listener
    }
  }

  private static <V> int weight(ToLongFunction<V> bytes, V v) {
    return v == null ? 0 : (int) Math.min(Integer.MAX_VALUE, bytes.applyAsLong(v));
  }

  /** @param bytes what a value holds in memory, roughly */
  public ByteBoundedCache(ToLongFunction<V> bytes) {
    this.bytes = bytes;
    this.store = new Store<>(0, bytes);
  }

  /** Computes a value to keep. */
  @FunctionalInterface
  public interface Loader<V> {
    V load() throws IOException;
  }

  /**
   * Raises the capacity to at least {@code bytes} (connections only ever ask for more). Queries
   * call this on every search, so the usual case (already large enough) takes no lock.
   */
  public void ensureCapacity(long bytes) {
    if (bytes <= store.capacity) {
      return;
    }
    synchronized (this) {
      Store<K, V> old = store;
      if (bytes > old.capacity) {
        Store<K, V> bigger = new Store<>(bytes, this.bytes);
        old.values.asMap().forEach((k, v) -> bigger.put(k, v, this.bytes));
        pastHits.addAndGet(old.values.stats().hitCount());
        pastMisses.addAndGet(old.values.stats().missCount());
        store = bigger;
      }
    }
  }

  public long capacity() {
    return store.capacity;
  }

  /** Bytes held, after pending evictions have run. */
  public long usedBytes() {
    Store<K, V> s = store;
    s.values.cleanUp();
    return s.used.get();
  }

  public long hits() {
    return pastHits.get() + store.values.stats().hitCount();
  }

  public long misses() {
    return pastMisses.get() + store.values.stats().missCount();
  }

  /** Empties the cache (tests and benchmarks measure cold runs this way). */
  public void clear() {
    store.values.invalidateAll();
    store.values.cleanUp();
  }

  /** The kept value, or null (counted neither as a hit nor as a miss). */
  public V peek(K key) {
    return store.values.asMap().get(key);
  }

  /**
   * The kept value, or the loaded one (kept if it fits). A thread that finds the key being loaded
   * waits for that load; if it fails (say, its query was cancelled) the thread loads for itself.
   */
  public V get(K key, Loader<V> loader) throws IOException {
    V hit = store.values.getIfPresent(key);
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
        V value = peek(key); // loaded while we looked
        if (value == null) {
          value = loader.load();
          store.put(key, value, bytes);
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
