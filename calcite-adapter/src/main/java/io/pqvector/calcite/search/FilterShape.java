package io.pqvector.calcite.search;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexNode;

/**
 * The filter's text and the parameters it reads: with their values, what a kept bitmap of
 * the rows that pass is keyed by. A filter whose value may change between evaluations
 * (RAND(), CURRENT_TIMESTAMP) is not {@code repeatable}: it is evaluated row by row, on
 * every query, and nothing of it is kept.
 */
public record FilterShape(String text, int[] parameters, boolean repeatable,
    NumericComparison.Analysis numeric) {
  /** @param columns the row the filter reads ($0 is its first field) */
  public static FilterShape of(RexNode filter, RelDataType columns) {
    java.util.TreeSet<Integer> params = new java.util.TreeSet<>();
    boolean[] repeatable = {true};
    filter.accept(new org.apache.calcite.rex.RexVisitorImpl<Void>(true) {
      @Override public Void visitDynamicParam(RexDynamicParam p) {
        params.add(p.getIndex());
        return null;
      }

      @Override public Void visitCall(org.apache.calcite.rex.RexCall call) {
        if (!call.getOperator().isDeterministic() || call.getOperator().isDynamicFunction()) {
          repeatable[0] = false;
        }
        return super.visitCall(call);
      }
    });
    // The filter's $i are positions in its own row: the text names the columns they read.
    return new FilterShape(filter + " over " + columns.getFieldNames(),
        params.stream().mapToInt(Integer::intValue).toArray(), repeatable[0],
        NumericComparison.analyze(filter, columns));
  }

  /**
   * The numeric comparisons among the filter's conjuncts with this query's constants, and
   * whether they decide the whole filter (every conjunct is one, and each could be bound).
   */
  NumericComparison.Bound[] numericComparisons(org.apache.calcite.DataContext root) {
    java.util.List<NumericComparison.Bound> bound = new java.util.ArrayList<>();
    for (NumericComparison c : numeric.comparisons()) {
      NumericComparison.Bound b = c.bind(root);
      if (b != null) {
        bound.add(b);
      }
    }
    return bound.toArray(new NumericComparison.Bound[0]);
  }

  /** Whether a row that passes all of {@code bound} passes the filter. */
  boolean decidedBy(NumericComparison.Bound[] bound) {
    return numeric.complete() && bound.length == numeric.comparisons().size();
  }

  /** A key for the filter's result with this query's parameter values, or null. */
  String key(org.apache.calcite.DataContext root) {
    if (!repeatable) {
      return null;
    }
    StringBuilder b = new StringBuilder(text);
    for (int p : parameters) {
      Object v = root.get("?" + p);
      b.append(" | ?").append(p).append('=')
          .append(v == null ? "null" : v.getClass().getName() + ':'
              + java.util.Arrays.deepToString(new Object[] {v}));
    }
    return b.toString();
  }
}
