package io.pqvector.calcite.search;

/**
 * A connection's search options.
 *
 * @param nprobe lists to probe per query, or null to choose them from {@code recall}
 * @param useIndex false forces exact search
 * @param cacheBytes bytes of decoded vector pages to keep in memory; 0 turns the cache off
 * @param followSymlinks whether links leading out of the root directory are followed
 * @param recall the recall@k each file's build-time curve should reach when no nprobe is given
 */
public record SearchSettings(Integer nprobe, boolean useIndex, long cacheBytes,
    boolean followSymlinks, double recall) {
  /** The recall a query aims for unless told otherwise. */
  public static final double DEFAULT_RECALL = 0.95;

  public SearchSettings(Integer nprobe, boolean useIndex, long cacheBytes,
      boolean followSymlinks) {
    this(nprobe, useIndex, cacheBytes, followSymlinks, DEFAULT_RECALL);
  }

  /** Default cache: 256 MiB, or a quarter of the heap if that is smaller. */
  public static long defaultCacheBytes() {
    return Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 4);
  }

  public static SearchSettings defaults() {
    return new SearchSettings(null, true, defaultCacheBytes(), false, DEFAULT_RECALL);
  }
}
