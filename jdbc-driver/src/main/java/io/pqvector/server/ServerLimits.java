package io.pqvector.server;

/**
 * Per-connection limits of a served directory.
 *
 * @param maxRows rows one query may return (0: no limit); a larger result is an error, never a
 *     silently shortened answer
 * @param maxConcurrentQueries queries one connection may run at the same time
 * @param queryTimeoutSeconds seconds a query may run before it is cancelled (0: no limit)
 * @param maxRequestBytes bytes of one HTTP request body
 */
public record ServerLimits(long maxRows, int maxConcurrentQueries, int queryTimeoutSeconds,
    long maxRequestBytes) {
  public static final ServerLimits DEFAULT = new ServerLimits(1_000_000, 4, 300, 64L << 20);
}
