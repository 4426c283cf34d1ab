package io.pqvector.calcite.prepare;

import com.google.common.collect.Ordering;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;

/**
 * The order DuckDB gives SQL values, which Calcite's generated sorts cannot give: REAL and DOUBLE
 * with NaN above every number (Calcite compares numbers as BigDecimal and fails on NaN), and
 * arrays compared element by element, a shorter prefix first and a NULL element above every
 * value (Calcite casts them to Comparable and fails). Used by {@link TotalOrderSort}.
 */
public final class SqlValueOrder {
  /** Up to this many rows (OFFSET + LIMIT) are selected with a bounded heap. */
  private static final long BOUNDED_SELECTION = 1 << 16;

  private SqlValueOrder() {}

  /** Compares two non-null values of one SQL type. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static int compare(Object a, Object b) {
    if ((a instanceof Float || a instanceof Double) && b instanceof Number
        || a instanceof Number && (b instanceof Float || b instanceof Double)) {
      return compareDoubles(((Number) a).doubleValue(), ((Number) b).doubleValue());
    }
    if (a instanceof List && b instanceof List) {
      return compareLists((List<?>) a, (List<?>) b);
    }
    if (a instanceof Comparable && a.getClass() == b.getClass()) {
      return ((Comparable) a).compareTo(b);
    }
    if (a instanceof Number && b instanceof Number) {
      return new java.math.BigDecimal(a.toString()).compareTo(new java.math.BigDecimal(b.toString()));
    }
    throw new IllegalArgumentException("cannot order a " + a.getClass().getSimpleName()
        + " against a " + b.getClass().getSimpleName());
  }

  /** NaN above every number and equal to itself; -0.0 equal to 0.0, as SQL compares them. */
  static int compareDoubles(double a, double b) {
    if (a < b) {
      return -1;
    }
    if (a > b) {
      return 1;
    }
    boolean nanA = Double.isNaN(a);
    boolean nanB = Double.isNaN(b);
    return nanA == nanB ? 0 : nanA ? 1 : -1;
  }

  private static int compareLists(List<?> a, List<?> b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      Object x = a.get(i);
      Object y = b.get(i);
      if (x == null || y == null) {
        if (x != y) {
          return x == null ? 1 : -1;
        }
        continue;
      }
      int c = compare(x, y);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  /**
   * Sorts rows by the given keys, then applies OFFSET and FETCH. Called from generated code.
   *
   * @param rows rows as {@code Object[]}, or bare values when {@code scalar}
   * @param keys field of each sort key
   * @param descending per key
   * @param nullsFirst per key
   * @param offset rows to skip, or null
   * @param fetch rows to return after the offset, or null for all
   */
  public static Enumerable<Object> sort(Enumerable<Object> rows, int[] keys, boolean[] descending,
      boolean[] nullsFirst, boolean scalar, Number offset, Number fetch) {
    Comparator<Object> order = (x, y) -> {
      for (int k = 0; k < keys.length; k++) {
        Object a = scalar ? x : ((Object[]) x)[keys[k]];
        Object b = scalar ? y : ((Object[]) y)[keys[k]];
        int c;
        if (a == null || b == null) {
          c = a == b ? 0 : (a == null) == nullsFirst[k] ? -1 : 1;
        } else {
          c = compare(a, b);
          if (descending[k]) {
            c = -c;
          }
        }
        if (c != 0) {
          return c;
        }
      }
      return 0;
    };
    long skip = offset == null ? 0 : Math.max(0, offset.longValue());
    long want = fetch == null ? Long.MAX_VALUE : Math.max(0, fetch.longValue()) + skip;
    List<Object> sorted;
    if (want <= BOUNDED_SELECTION) {
      // Memory bounded by the LIMIT, not by the input.
      sorted = Ordering.from(order).leastOf(rows, (int) want);
    } else {
      sorted = new ArrayList<>();
      for (Object row : rows) {
        sorted.add(row);
      }
      sorted.sort(order);
    }
    int end = (int) Math.min(sorted.size(), want);
    if (skip >= end) {
      return Linq4j.emptyEnumerable();
    }
    return Linq4j.asEnumerable(sorted.subList((int) skip, end));
  }
}
