package io.pqvector.storage;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The requests one query makes to object stores: counted (for the query's statistics) and
 * stoppable (its cancel check is polled while it waits for a response, so {@code Statement.cancel()}
 * and the query timeout reach a request in flight). A query's threads see it through
 * {@link #enter()}; reads started on a query's behalf on other threads (parallel fetches, pool
 * workers reading through a channel the query opened) carry it along.
 */
public final class ObjectRequests {
  private static final ThreadLocal<ObjectRequests> CURRENT = new ThreadLocal<>();

  private final Runnable cancelCheck;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private volatile boolean closed;

  /** @param cancelCheck throws (an unchecked exception) once the query is cancelled */
  public ObjectRequests(Runnable cancelCheck) {
    this.cancelCheck = cancelCheck;
  }

  /** The open scope of the calling thread, or null. */
  public static ObjectRequests current() {
    ObjectRequests s = CURRENT.get();
    return s == null || s.closed ? null : s;
  }

  /** Makes this the calling thread's scope until the returned handle is closed. */
  public Entered enter() {
    ObjectRequests previous = CURRENT.get();
    CURRENT.set(this);
    return () -> CURRENT.set(previous);
  }

  /** Restores the thread's previous scope. */
  public interface Entered extends AutoCloseable {
    @Override void close();
  }

  /** Ends the scope: later reads through channels opened under it count for nobody. */
  public void close() {
    closed = true;
  }

  boolean isOpen() {
    return !closed;
  }

  public long requests() {
    return requests.get();
  }

  public long bytes() {
    return bytes.get();
  }

  void requested() {
    requests.incrementAndGet();
  }

  void received(long n) {
    bytes.addAndGet(n);
  }

  /** Throws the query's cancellation if it was cancelled (or timed out). */
  void checkCancelled() {
    if (!closed) {
      cancelCheck.run();
    }
  }

  /** The statistic as the statement's warning shows it. */
  public String summary() {
    return "object storage: " + requests.get() + (requests.get() == 1 ? " request, " : " requests, ")
        + bytes.get() + " bytes";
  }
}
