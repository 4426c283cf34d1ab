package io.pqvector.calcite.search;

import java.util.ArrayList;
import java.util.List;

/**
 * Warnings of the query running on this thread (a file searched exactly instead of through its
 * index), for the JDBC layer to hand to {@code Statement.getWarnings()}. A query's operators run on
 * the thread that reads its rows, which drains them after each step.
 */
public final class QueryWarnings {
  private static final ThreadLocal<List<String>> PENDING = ThreadLocal.withInitial(ArrayList::new);

  private QueryWarnings() {}

  public static void add(String message) {
    PENDING.get().add(message);
  }

  /** The warnings raised on this thread since the last call, oldest first. */
  public static List<String> drain() {
    List<String> pending = PENDING.get();
    if (pending.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>(pending);
    pending.clear();
    return out;
  }
}
