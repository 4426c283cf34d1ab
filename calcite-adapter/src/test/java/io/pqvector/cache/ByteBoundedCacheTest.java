package io.pqvector.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ByteBoundedCacheTest {
  /**
   * A value loaded into a cache full of values used many times is kept: the next queries find
   * it. (A frequency-based admission policy, Caffeine's, refused such a value 7 times in 15 here,
   * so each of those queries decoded it again.)
   */
  @Test void aNewValueIsKeptWhenTheCacheIsFullOfHotValues() throws Exception {
    ByteBoundedCache<String, byte[]> cache = new ByteBoundedCache<>(v -> v.length);
    cache.ensureCapacity(32L << 20);
    for (int round = 0; round < 20; round++) {
      for (int i = 0; i < 160; i++) {
        cache.get("old" + i, () -> new byte[256 << 10]);
      }
    }
    for (int size : new int[] {600_000, 2_400_000}) {
      AtomicInteger loads = new AtomicInteger();
      for (int q = 0; q < 15; q++) {
        cache.get("new" + size, () -> {
          loads.incrementAndGet();
          return new byte[size];
        });
      }
      assertEquals(1, loads.get(), "loads of a " + size + "-byte value in 15 queries");
    }
    assertTrue(cache.usedBytes() <= cache.capacity(), cache.usedBytes() + " bytes held");
  }

  @Test void capacityOnlyGrowsAndKeepsWhatItHeld() throws Exception {
    ByteBoundedCache<String, byte[]> cache = new ByteBoundedCache<>(v -> v.length);
    cache.ensureCapacity(1000);
    cache.get("a", () -> new byte[400]);
    cache.get("b", () -> new byte[400]);
    assertEquals(800, cache.usedBytes());
    cache.get("c", () -> new byte[400]); // evicts the least recently used, a
    assertEquals(800, cache.usedBytes());
    assertEquals(null, cache.peek("a"));
    cache.ensureCapacity(500); // a smaller ask changes nothing
    assertEquals(1000, cache.capacity());
    cache.ensureCapacity(4000);
    assertEquals(4000, cache.capacity());
    assertEquals(800, cache.usedBytes());
    assertTrue(cache.peek("b") != null && cache.peek("c") != null);
    cache.get("d", () -> new byte[5000]); // larger than the whole cache: returned, not kept
    assertEquals(null, cache.peek("d"));
    assertEquals(800, cache.usedBytes());
    cache.clear();
    assertEquals(0, cache.usedBytes());
  }
}
