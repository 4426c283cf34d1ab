package io.pqvector.s3tests;

import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Counts the HTTP requests every S3 client in this JVM sends (retries included). Registered through
 * the SDK's global interceptor file on the test class path, so the driver's own clients are counted
 * without any hook in the product.
 */
public final class RequestCounter implements ExecutionInterceptor {
  private static final AtomicLong REQUESTS = new AtomicLong();
  private static final java.util.List<String> LOG = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  /** The requests sent since the last call, as "METHOD path range". */
  public static java.util.List<String> drainLog() {
    synchronized (LOG) {
      java.util.List<String> out = new java.util.ArrayList<>(LOG);
      LOG.clear();
      return out;
    }
  }

  /** Added to every request, to measure how many round trips a query waits for one after another. */
  static volatile int latencyMillis;

  public static long requests() {
    return REQUESTS.get();
  }

  @Override
  public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
    REQUESTS.incrementAndGet();
    if (latencyMillis > 0) {
      try {
        Thread.sleep(latencyMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    var r = context.httpRequest();
    LOG.add(r.method() + " " + r.encodedPath() + r.firstMatchingHeader("Range").map(h -> " " + h).orElse("")
        + (r.encodedQueryParameters().map(q -> q.contains("list-type") ? " (list)" : "").orElse(""))
        + r.firstMatchingHeader("x-amz-copy-source-range").map(h -> " copy " + h).orElse(""));
  }
}
