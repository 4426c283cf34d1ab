package io.pqvector.calcite.search;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.DataContext;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeName;

/**
 * One conjunct of a WHERE clause that compares a numeric column with a constant ({@code n > 5},
 * {@code price <= ?}), found at plan time so the search can decide it on the column's primitive
 * values instead of boxing each candidate row's values for the compiled predicate. Taken only
 * where the primitive comparison is exactly SQL's: a bare INTEGER or BIGINT column against an
 * integer, a DOUBLE column against a value a double holds exactly; anything else (casts, other
 * types, a decimal such as 0.1) is left to the predicate.
 *
 * @param column the filter row's field (a position in the filter columns)
 * @param op one of =, <>, <, <=, >, >= with the column on the left
 * @param literal the constant, or null when it is a parameter
 * @param parameter the parameter's index, or -1
 */
record NumericComparison(int column, SqlKind op, BigDecimal literal, int parameter) {
  /**
   * The comparisons among the conjuncts of {@code filter}, and whether they are all of it
   * (then a row that passes them passes the filter).
   */
  record Analysis(List<NumericComparison> comparisons, boolean complete) {
  }

  static Analysis analyze(RexNode filter, RelDataType row) {
    List<NumericComparison> found = new ArrayList<>();
    List<RexNode> conjuncts = RelOptUtil.conjunctions(filter);
    for (RexNode c : conjuncts) {
      NumericComparison n = of(c, row);
      if (n != null) {
        found.add(n);
      }
    }
    return new Analysis(List.copyOf(found), found.size() == conjuncts.size());
  }

  private static NumericComparison of(RexNode node, RelDataType row) {
    if (!(node instanceof RexCall call) || call.getOperands().size() != 2) {
      return null;
    }
    SqlKind op = call.getKind();
    RexNode left = call.getOperands().get(0);
    RexNode right = call.getOperands().get(1);
    if (!(left instanceof RexInputRef) && right instanceof RexInputRef) {
      RexNode t = left;
      left = right;
      right = t;
      op = op.reverse();
    }
    if (!(left instanceof RexInputRef ref) || !COMPARISONS.contains(op)) {
      return null;
    }
    SqlTypeName type = row.getFieldList().get(ref.getIndex()).getType().getSqlTypeName();
    if (type != SqlTypeName.INTEGER && type != SqlTypeName.BIGINT
        && type != SqlTypeName.DOUBLE) {
      return null;
    }
    if (right instanceof RexDynamicParam p) {
      return new NumericComparison(ref.getIndex(), op, null, p.getIndex());
    }
    if (right instanceof RexLiteral lit && !lit.isNull()
        && lit.getValueAs(Object.class) instanceof Number) {
      BigDecimal value = lit.getValueAs(BigDecimal.class);
      return value == null ? null : new NumericComparison(ref.getIndex(), op, value, -1);
    }
    return null;
  }

  private static final java.util.Set<SqlKind> COMPARISONS = java.util.EnumSet.of(SqlKind.EQUALS,
      SqlKind.NOT_EQUALS, SqlKind.LESS_THAN, SqlKind.LESS_THAN_OR_EQUAL, SqlKind.GREATER_THAN,
      SqlKind.GREATER_THAN_OR_EQUAL);

  /**
   * This comparison with its constant for one query, or null when the constant is one the
   * primitive comparison cannot decide exactly (a NULL, a fraction a double does not hold, a
   * parameter of another type): the predicate decides it then.
   */
  Bound bind(DataContext root) {
    Object value = parameter >= 0 ? root.get("?" + parameter) : literal;
    BigDecimal exact;
    if (value instanceof Integer || value instanceof Long || value instanceof Short
        || value instanceof Byte) {
      exact = BigDecimal.valueOf(((Number) value).longValue());
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isFinite(d)) {
        return null;
      }
      exact = new BigDecimal(d);
    } else if (value instanceof BigDecimal b && parameter < 0) {
      exact = b; // a literal's exact value
    } else {
      return null;
    }
    double asDouble = exact.doubleValue();
    boolean exactDouble = Double.isFinite(asDouble)
        && new BigDecimal(asDouble).compareTo(exact) == 0;
    long asLong = 0;
    boolean integral = true;
    try {
      asLong = exact.longValueExact();
    } catch (ArithmeticException e) {
      integral = false;
    }
    if (!integral && !exactDouble) {
      return null;
    }
    return new Bound(column, op, asLong, integral, exactDouble, asDouble);
  }

  /** What a primitive comparison says of a row: it passes, it fails, or ask the predicate. */
  static final int PASS = 1;
  static final int FAIL = 0;
  static final int ASK = -1;

  /**
   * A comparison with its constant: as a long when it is an integer ({@code integral}), as a
   * double when a double holds it exactly ({@code exactDouble}).
   */
  record Bound(int column, SqlKind op, long longValue, boolean integral, boolean exactDouble,
      double doubleValue) {
    /** {@link #PASS}, {@link #FAIL} or {@link #ASK} for an INTEGER or BIGINT value. */
    int test(long v) {
      if (integral) {
        return holds(Long.compare(v, longValue));
      }
      // Compared as doubles only where the long converts exactly.
      return Math.abs(v) <= 1L << 53 ? holds(Double.compare(v, doubleValue)) : ASK;
    }

    /** {@link #PASS}, {@link #FAIL} or {@link #ASK} for a DOUBLE value. */
    int test(double v) {
      if (Double.isNaN(v) || !exactDouble) {
        return ASK; // how NaN compares is the predicate's to say
      }
      // -0.0 and 0.0 are equal in SQL (and in Java's ==), not in Double.compare.
      return holds(Double.compare(v == 0.0 ? 0.0 : v, doubleValue == 0.0 ? 0.0 : doubleValue));
    }

    private int holds(int c) {
      boolean pass = switch (op) {
        case EQUALS -> c == 0;
        case NOT_EQUALS -> c != 0;
        case LESS_THAN -> c < 0;
        case LESS_THAN_OR_EQUAL -> c <= 0;
        case GREATER_THAN -> c > 0;
        case GREATER_THAN_OR_EQUAL -> c >= 0;
        default -> throw new IllegalStateException(op.toString());
      };
      return pass ? PASS : FAIL;
    }
  }
}
