package io.pqvector.calcite;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.logical.LogicalFilter;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.filter2.predicate.Operators;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Lets the scan skip row groups: the conjuncts of a Filter that compare a plain column with a
 * literal become a Parquet predicate that parquet-mr checks against row-group statistics and
 * dictionaries. The Filter itself stays, so pruning only ever removes row groups that cannot match.
 */
public final class ParquetFilterPruningRule extends RelRule<RuleConfig> {
  static final RuleConfig CONFIG = RuleConfig.of("ParquetFilterPruningRule",
      b0 -> b0.operand(LogicalFilter.class)
          .oneInput(b1 -> b1.operand(ParquetTableScan.class)
              .predicate(scan -> scan.pruning == null).noInputs()),
      ParquetFilterPruningRule::new);

  ParquetFilterPruningRule(RuleConfig config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    LogicalFilter filter = call.rel(0);
    ParquetTableScan scan = call.rel(1);
    FilterPredicate predicate = toPredicate(filter.getCondition(), scan);
    if (predicate == null) {
      return;
    }
    ParquetTableScan pruned = new ParquetTableScan(scan.getCluster(), scan.getTable(),
        scan.parquetTable, scan.fields, predicate);
    call.transformTo(filter.copy(filter.getTraitSet(), pruned, filter.getCondition()));
  }

  /** The convertible conjuncts of {@code condition} as one predicate, or null if none are. */
  static FilterPredicate toPredicate(RexNode condition, ParquetTableScan scan) {
    List<FilterPredicate> parts = new ArrayList<>();
    for (RexNode conjunct : RelOptUtil.conjunctions(condition)) {
      FilterPredicate p = comparison(conjunct, scan);
      if (p != null) {
        parts.add(p);
      }
    }
    FilterPredicate result = null;
    for (FilterPredicate p : parts) {
      result = result == null ? p : FilterApi.and(result, p);
    }
    return result;
  }

  private static FilterPredicate comparison(RexNode node, ParquetTableScan scan) {
    if (!(node instanceof RexCall) || ((RexCall) node).getOperands().size() != 2) {
      return null;
    }
    RexCall call = (RexCall) node;
    if (!call.isA(SqlKind.COMPARISON) || call.getKind() == SqlKind.SEARCH) {
      return null;
    }
    RexNode a = call.getOperands().get(0);
    RexNode b = call.getOperands().get(1);
    SqlKind kind = call.getKind();
    if (a instanceof RexLiteral && b instanceof RexInputRef) {
      RexNode t = a;
      a = b;
      b = t;
      kind = kind.reverse();
    }
    if (!(a instanceof RexInputRef) || !(b instanceof RexLiteral) || ((RexLiteral) b).isNull()) {
      return null;
    }
    int column = scan.fields[((RexInputRef) a).getIndex()];
    Type type = scan.parquetTable.columnParquetType(column);
    if (!type.isPrimitive() || type.isRepetition(Type.Repetition.REPEATED)) {
      return null;
    }
    String name = scan.parquetTable.columnNames().get(column);
    if (name.contains(".")) {
      return null; // parquet-mr would read a dot as a path separator
    }
    RexLiteral literal = (RexLiteral) b;
    PrimitiveType p = type.asPrimitiveType();
    LogicalTypeAnnotation logical = p.getLogicalTypeAnnotation();
    try {
      switch (p.getPrimitiveTypeName()) {
        case INT32:
          if (logical != null && !(logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation
              && ((LogicalTypeAnnotation.IntLogicalTypeAnnotation) logical).isSigned())) {
            return null;
          }
          return compare(FilterApi.intColumn(name), kind, intValue(literal));
        case INT64:
          if (logical != null && !(logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation
              && ((LogicalTypeAnnotation.IntLogicalTypeAnnotation) logical).isSigned())) {
            return null;
          }
          return compare(FilterApi.longColumn(name), kind, longValue(literal));
        case DOUBLE:
          return compare(FilterApi.doubleColumn(name), kind, literal.getValueAs(Double.class));
        case FLOAT: {
          Double d = literal.getValueAs(Double.class);
          if (d == null || (double) d.floatValue() != d) {
            return null; // not exactly representable: comparing as float could prune wrongly
          }
          return compare(FilterApi.floatColumn(name), kind, d.floatValue());
        }
        case BINARY:
          if (!(logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation)
              || (kind != SqlKind.EQUALS && kind != SqlKind.NOT_EQUALS)) {
            return null;
          }
          String s = literal.getValueAs(String.class);
          return s == null ? null : compare(FilterApi.binaryColumn(name), kind,
              Binary.fromString(s));
        default:
          return null;
      }
    } catch (ArithmeticException | IllegalArgumentException e) {
      return null;
    }
  }

  private static Integer intValue(RexLiteral literal) {
    java.math.BigDecimal d = literal.getValueAs(java.math.BigDecimal.class);
    return d == null ? null : d.intValueExact();
  }

  private static Long longValue(RexLiteral literal) {
    java.math.BigDecimal d = literal.getValueAs(java.math.BigDecimal.class);
    return d == null ? null : d.longValueExact();
  }

  private static <T extends Comparable<T>, C extends Operators.Column<T>
      & Operators.SupportsLtGt> FilterPredicate compare(C column, SqlKind kind, T value) {
    if (value == null) {
      return null;
    }
    switch (kind) {
      case EQUALS: return FilterApi.eq(column, value);
      case NOT_EQUALS: return FilterApi.notEq(column, value);
      case LESS_THAN: return FilterApi.lt(column, value);
      case LESS_THAN_OR_EQUAL: return FilterApi.ltEq(column, value);
      case GREATER_THAN: return FilterApi.gt(column, value);
      case GREATER_THAN_OR_EQUAL: return FilterApi.gtEq(column, value);
      default: return null;
    }
  }
}
