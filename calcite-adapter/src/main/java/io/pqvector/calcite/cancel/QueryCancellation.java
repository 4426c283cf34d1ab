package io.pqvector.calcite.cancel;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.calcite.DataContext;

/**
 * The statement's cancel flag, which Calcite raises on {@code Statement.cancel()} and on query
 * timeout. Long loops poll it so a cancelled scan stops promptly.
 */
public final class QueryCancellation {
  private static final QueryCancellation NEVER = new QueryCancellation(new AtomicBoolean());
  private final AtomicBoolean flag;

  private QueryCancellation(AtomicBoolean flag) {
    this.flag = flag;
  }

  public static QueryCancellation of(DataContext root) {
    Object flag = root == null ? null : root.get(DataContext.Variable.CANCEL_FLAG.camelName);
    return flag instanceof AtomicBoolean ? new QueryCancellation((AtomicBoolean) flag) : NEVER;
  }

  /** The cancellation of the statement whose cancel flag is {@code flag}. */
  public static QueryCancellation of(AtomicBoolean flag) {
    return flag == null ? NEVER : new QueryCancellation(flag);
  }

  public boolean isCancelled() {
    return flag.get();
  }

  /** Throws if the statement was cancelled. */
  public void check() {
    if (flag.get()) {
      throw new QueryCancelledException();
    }
  }

  /** Thrown out of a scan when its statement is cancelled or times out. */
  public static final class QueryCancelledException extends RuntimeException {
    QueryCancelledException() {
      super("query cancelled");
    }
  }
}
