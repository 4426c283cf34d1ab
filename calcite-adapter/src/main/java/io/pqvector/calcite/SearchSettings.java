package io.pqvector.calcite;

/**
 * A connection's search options.
 *
 * @param nprobe lists to probe per query, or null for the index's default
 * @param useIndex false forces exact search
 * @param cacheBytes bytes of decoded vector pages to keep in memory; 0 turns the cache off
 * @param followSymlinks whether links leading out of the root directory are followed
 */
public record SearchSettings(Integer nprobe, boolean useIndex, long cacheBytes,
    boolean followSymlinks) {
  /** Default cache: 256 MiB, or a quarter of the heap if that is smaller. */
  public static long defaultCacheBytes() {
    return Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 4);
  }

  public static SearchSettings defaults() {
    return new SearchSettings(null, true, defaultCacheBytes(), false);
  }
}
