package io.pqvector.calcite;

import io.pqvector.calcite.sql.PqVectorPrepare;
import io.pqvector.calcite.sql.VectorFunction;
import org.apache.calcite.rel.hint.RelHint;
import io.pqvector.calcite.sql.VectorOperators;
import java.util.List;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.logical.LogicalFilter;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rel.logical.LogicalSort;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexOver;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Turns {@code ORDER BY <vector function>(column, <constant>) LIMIT k} over an optional Filter on
 * a Parquet scan into a {@link VectorTopK} under the same Sort, Project and Filter:
 *
 * <pre>
 * Sort(fetch)                      Sort(fetch)           -- now sorts at most k rows
 *   Project(.., f(v, q))             Project(.., f(v, q))
 *     [Filter(cond)]        =>         [Filter(cond)]      -- re-checks at most k rows
 *       ParquetTableScan                 VectorTopK(k, f, q, cond)
 * </pre>
 *
 * The operator returns the k rows that pass the filter and rank first, so the plan above it
 * produces exactly what it produced before. It fires only for that shape: a single sort key that
 * is one of the vector functions, in its nearest-first direction with NULLs last, comparing a
 * FLOAT-list column with a value that does not depend on the row (a literal, a parameter or a
 * constant expression), with no window function in the projection. Anything else between the
 * sort and the scan, such as a join or an aggregate, does not match, and the exact plan runs.
 */
public final class VectorTopKRule extends RelRule<RuleConfig> {
  static final RuleConfig WITH_FILTER = RuleConfig.of("VectorTopKRule(filter)",
      b0 -> b0.operand(LogicalSort.class).predicate(s -> s.fetch != null)
          .oneInput(b1 -> b1.operand(LogicalProject.class)
              .oneInput(b2 -> b2.operand(LogicalFilter.class)
                  .predicate(f -> !RexUtil.SubQueryFinder.containsSubQuery(f))
                  .oneInput(b3 -> b3.operand(ParquetTableScan.class).noInputs()))),
      VectorTopKRule::new);

  static final RuleConfig WITHOUT_FILTER = RuleConfig.of("VectorTopKRule",
      b0 -> b0.operand(LogicalSort.class).predicate(s -> s.fetch != null)
          .oneInput(b1 -> b1.operand(LogicalProject.class)
              .oneInput(b2 -> b2.operand(ParquetTableScan.class).noInputs())),
      VectorTopKRule::new);

  VectorTopKRule(RuleConfig config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    LogicalSort sort = call.rel(0);
    LogicalProject project = call.rel(1);
    LogicalFilter filter = call.rels.length == 4 ? call.rel(2) : null;
    ParquetTableScan scan = call.rel(call.rels.length - 1);

    // A window function in the Project (e.g. COUNT(*) OVER ()) must see every row, not only the
    // k nearest: with one, the rule must not put the top-k below it.
    if (RexOver.containsOver(project.getProjects(), null)) {
      return;
    }
    RelCollation collation = sort.getCollation();
    if (collation.getFieldCollations().size() != 1) {
      return;
    }
    RelFieldCollation key = collation.getFieldCollations().get(0);
    RexNode expr = project.getProjects().get(key.getFieldIndex());
    if (!(expr instanceof RexCall)
        || !VectorOperators.isVectorFunction(((RexCall) expr).getOperator())) {
      return;
    }
    RexCall distance = (RexCall) expr;
    VectorFunction function = VectorFunction.ofSqlName(distance.getOperator().getName());
    boolean descending = key.getDirection() == RelFieldCollation.Direction.DESCENDING;
    if (function == null || descending != function.largerIsNearer()
        || key.nullDirection != RelFieldCollation.NullDirection.LAST) {
      return;
    }
    RexNode a = distance.getOperands().get(0);
    RexNode b = distance.getOperands().get(1);
    RexInputRef column = a instanceof RexInputRef ? (RexInputRef) a
        : b instanceof RexInputRef ? (RexInputRef) b : null;
    RexNode query = column == a ? b : a;
    if (column == null || !isRowIndependent(query)
        || !isFloatVectorColumn(scan, column.getIndex())) {
      return;
    }
    if (sort.offset != null && !(sort.offset instanceof RexLiteral
        || sort.offset instanceof RexDynamicParam)) {
      return;
    }
    VectorTopK topK = new VectorTopK(scan.getCluster(), scan.getTable(), scan.parquetTable,
        scan.fields, column.getIndex(), function, query,
        filter == null ? null : filter.getCondition(), sort.fetch, sort.offset,
        nprobeHint(sort.getHints(), project.getHints(),
            filter == null ? List.of() : filter.getHints()));
    RelNode below = filter == null ? topK
        : filter.copy(filter.getTraitSet(), topK, filter.getCondition());
    RelNode newProject = project.copy(project.getTraitSet(), List.of(below));
    call.transformTo(sort.copy(sort.getTraitSet(), List.of(newProject)));
  }

  /** The value of a {@code /*+ nprobe(N) *&#47;} hint on any of the matched nodes, or null. */
  @SafeVarargs
  private static Integer nprobeHint(List<RelHint>... hintLists) {
    for (List<RelHint> hints : hintLists) {
      for (RelHint hint : hints) {
        if (hint.hintName.equalsIgnoreCase(PqVectorPrepare.NPROBE_HINT)
            && hint.listOptions.size() == 1) {
          try {
            int n = Integer.parseInt(hint.listOptions.get(0).trim());
            if (n > 0) {
              return n;
            }
          } catch (NumberFormatException e) {
            // not a number: the hint is ignored, as SQL engines ignore malformed hints
          }
        }
      }
    }
    return null;
  }

  /** A literal, a parameter, or an expression of those: the same for every row. */
  private static boolean isRowIndependent(RexNode node) {
    return !RexUtil.containsInputRef(node) && RexUtil.SubQueryFinder.find(List.of(node)) == null
        && !RexUtil.containsCorrelation(node) && RexUtil.isDeterministic(node)
        && (node.getType().getComponentType() != null
            || node.getType().getSqlTypeName() == SqlTypeName.ANY);
  }

  /** Whether scan field {@code index} is a Parquet LIST of FLOAT, the column type the operator reads. */
  static boolean isFloatVectorColumn(ParquetTableScan scan, int index) {
    Type type = scan.parquetTable.columnParquetType(scan.fields[index]);
    if (type.isPrimitive() || ParquetSqlTypes.kindOf(type) != ParquetSqlTypes.Kind.LIST) {
      return false;
    }
    Type element = ParquetSqlTypes.listElement(type.asGroupType());
    return element.isPrimitive()
        && element.asPrimitiveType().getPrimitiveTypeName()
            == PrimitiveType.PrimitiveTypeName.FLOAT
        && element.getLogicalTypeAnnotation() == null;
  }
}
