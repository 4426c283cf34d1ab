package io.pqvector.calcite.sql;

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
final class QueryDeadline {
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pqvector-query-timeout");
        t.setDaemon(true);
        return t;
      });

  private QueryDeadline() {}

  /**
   * Schedules the statement's cancellation at its timeout, if it has one. The returned task must
   * be disarmed when the query's rows are read (the flag belongs to the statement, which may run
   * again later).
   */
  static Runnable arm(DataContext root) {
    Object timeout = root.get(DataContext.Variable.TIMEOUT.camelName);
    Object flag = root.get(DataContext.Variable.CANCEL_FLAG.camelName);
    if (timeout instanceof Number && ((Number) timeout).longValue() > 0
        && flag instanceof AtomicBoolean) {
      AtomicBoolean cancel = (AtomicBoolean) flag;
      ScheduledFuture<?> task = TIMER.schedule(() -> cancel.set(true),
          ((Number) timeout).longValue(), TimeUnit.MILLISECONDS);
      return () -> task.cancel(false);
    }
    return () -> { };
  }
}
