package io.pqvector.calcite.cancel;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.calcite.DataContext;

/**
 * Makes {@code Statement.setQueryTimeout} work: Calcite records the timeout but only stops a
 * query when its cancel flag is raised, so the flag is raised when the time is up. Every loop
 * that honours {@code Statement.cancel()} then honours the timeout too.
 */
public final class QueryDeadline {
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pqvector-query-timeout");
        t.setDaemon(true);
        return t;
      });
  private static final QueryDeadline NONE = new QueryDeadline(null, 0, new AtomicBoolean());

  private final ScheduledFuture<?> task;
  private final long timeoutMillis;
  private final AtomicBoolean expired;

  private QueryDeadline(ScheduledFuture<?> task, long timeoutMillis, AtomicBoolean expired) {
    this.task = task;
    this.timeoutMillis = timeoutMillis;
    this.expired = expired;
  }

  /**
   * Schedules the statement's cancellation at its timeout, if it has one. The deadline must be
   * disarmed when the query's rows are read (the flag belongs to the statement, which may run
   * again later).
   */
  public static QueryDeadline arm(DataContext root) {
    Object timeout = root.get(DataContext.Variable.TIMEOUT.camelName);
    Object flag = root.get(DataContext.Variable.CANCEL_FLAG.camelName);
    if (timeout instanceof Number && ((Number) timeout).longValue() > 0
        && flag instanceof AtomicBoolean) {
      AtomicBoolean cancel = (AtomicBoolean) flag;
      long millis = ((Number) timeout).longValue();
      AtomicBoolean expired = new AtomicBoolean();
      ScheduledFuture<?> task = TIMER.schedule(() -> {
        expired.set(true);
        cancel.set(true);
      }, millis, TimeUnit.MILLISECONDS);
      return new QueryDeadline(task, millis, expired);
    }
    return NONE;
  }

  public void disarm() {
    if (task != null) {
      task.cancel(false);
    }
  }

  /** Whether the query was cancelled because its time was up (rather than by {@code cancel()}). */
  public boolean expired() {
    return expired.get();
  }

  public long timeoutMillis() {
    return timeoutMillis;
  }
}
