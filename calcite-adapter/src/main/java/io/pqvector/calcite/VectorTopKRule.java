package io.pqvector.calcite;

import io.pqvector.calcite.rows.ParquetSqlTypes;
import io.pqvector.calcite.function.VectorFunction;
import io.pqvector.calcite.function.VectorOperators;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.plan.volcano.RelSubset;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.hint.RelHint;
import org.apache.calcite.rel.logical.LogicalFilter;
import org.apache.calcite.rel.logical.LogicalJoin;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rel.logical.LogicalSort;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexOver;
import org.apache.calcite.rex.RexShuttle;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Turns {@code ORDER BY <vector function>(column, <query>) LIMIT k} over a Parquet scan into a
 * {@link VectorTopK} under the same Sort and Project:
 *
 * <pre>
 * Sort(fetch)                        Sort(fetch)          -- now sorts at most k rows
 *   Project(.., f(v, q))               Project(.., f(v, q))
 *     [Filter | Project(columns)]*  =>   VectorTopK(k, f, q, filter, the columns Project reads)
 *       ParquetTableScan
 * </pre>
 *
 * <p>The operator returns the k rows that pass the filters and rank first, so the plan above it
 * produces exactly what it produced before. It fires only for that shape: between the sort and
 * the scan nothing but Filters and Projects of plain columns (nothing that adds, removes or
 * merges rows otherwise: no join, aggregate or window, and no window function in the Project);
 * a single sort key that is one of the
 * vector functions, in its nearest-first direction with NULLs last; a FLOAT-list column compared
 * with a value that does not depend on the row (a literal, a parameter, a constant expression,
 * or a scalar subquery, which Calcite has turned into a join with a one-row input by now).
 *
 * <p>The shape is read through Volcano's equivalence sets rather than by a deep operand tree, so
 * the rule sees it whichever of the equivalent forms (filter above or below a projection, a
 * projected or a full scan) the planner has registered.
 */
public final class VectorTopKRule extends RelRule<RuleConfig> {
  /** Hint name: {@code SELECT /*+ nprobe(20) *&#47; ...}. */
  public static final String NPROBE_HINT = "nprobe";
  /** Hint name: {@code SELECT /*+ recall(0.99) *&#47; ...}, the recall to probe for. */
  public static final String RECALL_HINT = "recall";

  static final RuleConfig CONFIG = RuleConfig.of("VectorTopKRule",
      b0 -> b0.operand(LogicalSort.class).predicate(s -> s.fetch != null)
          .oneInput(b1 -> b1.operand(LogicalProject.class)
              .oneInput(b2 -> b2.operand(RelNode.class).anyInputs())),
      VectorTopKRule::new);

  /** How deep through Filters and Projects the rule looks for the scan. */
  private static final int MAX_DEPTH = 8;

  VectorTopKRule(RuleConfig config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    LogicalSort sort = call.rel(0);
    LogicalProject project = call.rel(1);
    RelNode input = call.rel(2);

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
    if (sort.offset != null && !(sort.offset instanceof RexLiteral
        || sort.offset instanceof RexDynamicParam)) {
      return;
    }
    RexBuilder rex = sort.getCluster().getRexBuilder();
    ScanShape shape;
    RelNode subquery = null;
    if (input instanceof LogicalJoin) {
      LogicalJoin join = (LogicalJoin) input;
      if (!isScalarJoin(join)) {
        return;
      }
      shape = ScanShape.peel(join.getLeft(), rex, 0);
      subquery = join.getRight();
    } else {
      shape = ScanShape.peel(input, rex, 0);
    }
    if (shape == null) {
      return;
    }
    int width = shape.columns.length;
    RexNode a = distance.getOperands().get(0);
    RexNode b = distance.getOperands().get(1);
    RexInputRef column = isScanRef(a, width) ? (RexInputRef) a
        : isScanRef(b, width) ? (RexInputRef) b : null;
    RexNode query = column == a ? b : a;
    if (column == null || !isFloatVectorColumn(shape.scan.parquetTable,
        shape.columns[column.getIndex()])) {
      return;
    }
    int queryField = -1;
    if (subquery != null) {
      // The query vector must be the subquery's value: the same for every row.
      if (!(query instanceof RexInputRef) || ((RexInputRef) query).getIndex() < width) {
        return;
      }
      queryField = ((RexInputRef) query).getIndex() - width;
    } else if (!isRowIndependent(query)) {
      return;
    }
    // The filters, renumbered onto the columns they read.
    RexNode condition = shape.conditions.isEmpty() ? null
        : RexUtil.composeConjunction(rex, shape.conditions);
    int[] filterColumns = new int[0];
    if (condition != null) {
      TreeSet<Integer> used = new TreeSet<>();
      condition.accept(new RexShuttle() {
        @Override public RexNode visitInputRef(RexInputRef ref) {
          used.add(ref.getIndex());
          return ref;
        }
      });
      filterColumns = used.stream().mapToInt(Integer::intValue).toArray();
      int[] position = new int[shape.scan.getTable().getRowType().getFieldCount()];
      for (int i = 0; i < filterColumns.length; i++) {
        position[filterColumns[i]] = i;
      }
      condition = condition.accept(new RexShuttle() {
        @Override public RexNode visitInputRef(RexInputRef ref) {
          return new RexInputRef(position[ref.getIndex()], ref.getType());
        }
      });
    }
    Integer nprobe = nprobeHint(sort.getHints(), project.getHints());
    Double recall = recallHint(sort.getHints(), project.getHints());
    RelNode queryInput = subquery == null ? null
        : convert(subquery, subquery.getTraitSet().replace(EnumerableConvention.INSTANCE));
    // The operator yields only the columns the Project reads (the vector column among them):
    // it reads each of them for the k winners, so a column nobody uses would cost reads.
    int[] kept = RelOptUtil.InputFinder.bits(project.getProjects(), null).get(0, width).toArray();
    int[] position = new int[width];
    int[] fields = new int[kept.length];
    for (int i = 0; i < kept.length; i++) {
      fields[i] = shape.columns[kept[i]];
      position[kept[i]] = i;
    }
    VectorTopK topK = new VectorTopK(sort.getCluster(), shape.scan.getTable(),
        shape.scan.parquetTable, fields, position[column.getIndex()], function, query,
        condition, filterColumns, sort.fetch, sort.offset, nprobe, recall, queryInput,
        queryField);
    List<RexNode> projects = new ArrayList<>();
    for (RexNode e : project.getProjects()) {
      projects.add(e.accept(new RexShuttle() {
        @Override public RexNode visitInputRef(RexInputRef ref) {
          int i = ref.getIndex();
          // Scan columns move to their kept position; the subquery's fields follow them.
          return new RexInputRef(i < width ? position[i] : i - width + kept.length,
              ref.getType());
        }
      }));
    }
    RelNode newProject = project.copy(project.getTraitSet(), topK, projects,
        project.getRowType());
    call.transformTo(sort.copy(sort.getTraitSet(), List.of(newProject)));
  }

  private static boolean isScanRef(RexNode node, int width) {
    return node instanceof RexInputRef && ((RexInputRef) node).getIndex() < width;
  }

  /**
   * A join that pairs every row with the single row of a scalar subquery: no condition, inner or
   * left, and a right side that is an aggregate without GROUP BY (exactly one row, always; more
   * than one input row makes its SINGLE_VALUE fail, as SQL requires).
   */
  private static boolean isScalarJoin(LogicalJoin join) {
    if (!join.getCondition().isAlwaysTrue() || (join.getJoinType() != JoinRelType.LEFT
        && join.getJoinType() != JoinRelType.INNER)) {
      return false;
    }
    RelNode right = join.getRight();
    List<RelNode> candidates = right instanceof RelSubset ? ((RelSubset) right).getRelList()
        : List.of(right);
    for (RelNode rel : candidates) {
      if (rel instanceof Aggregate && ((Aggregate) rel).getGroupSet().isEmpty()
          && ((Aggregate) rel).getGroupType() == Aggregate.Group.SIMPLE) {
        return true;
      }
    }
    return false;
  }

  /**
   * A Parquet scan seen through Filters and Projects of plain columns: the table column behind
   * each output field, and the filter conditions with input references numbering table columns.
   */
  static final class ScanShape {
    final ParquetTableScan scan;
    final int[] columns;
    final List<RexNode> conditions;

    private ScanShape(ParquetTableScan scan, int[] columns, List<RexNode> conditions) {
      this.scan = scan;
      this.columns = columns;
      this.conditions = conditions;
    }

    static ScanShape peel(RelNode node, RexBuilder rex, int depth) {
      if (depth > MAX_DEPTH) {
        return null;
      }
      if (node instanceof RelSubset) {
        for (RelNode rel : ((RelSubset) node).getRelList()) {
          ScanShape shape = peel(rel, rex, depth + 1);
          if (shape != null) {
            return shape;
          }
        }
        return null;
      }
      if (node instanceof ParquetTableScan) {
        ParquetTableScan scan = (ParquetTableScan) node;
        return new ScanShape(scan, scan.fields.clone(), List.of());
      }
      if (node instanceof LogicalProject) {
        LogicalProject project = (LogicalProject) node;
        ScanShape below = peel(project.getInput(), rex, depth + 1);
        if (below == null) {
          return null;
        }
        int[] columns = new int[project.getProjects().size()];
        for (int i = 0; i < columns.length; i++) {
          RexNode e = project.getProjects().get(i);
          if (!(e instanceof RexInputRef)) {
            return null;
          }
          columns[i] = below.columns[((RexInputRef) e).getIndex()];
        }
        return new ScanShape(below.scan, columns, below.conditions);
      }
      if (node instanceof LogicalFilter) {
        LogicalFilter filter = (LogicalFilter) node;
        RexNode condition = filter.getCondition();
        if (RexUtil.SubQueryFinder.containsSubQuery(filter)
            || RexUtil.containsCorrelation(condition)) {
          return null;
        }
        ScanShape below = peel(filter.getInput(), rex, depth + 1);
        if (below == null) {
          return null;
        }
        List<RelDataTypeField> tableFields = below.scan.getTable().getRowType().getFieldList();
        RexNode onColumns = condition.accept(new RexShuttle() {
          @Override public RexNode visitInputRef(RexInputRef ref) {
            int c = below.columns[ref.getIndex()];
            return new RexInputRef(c, tableFields.get(c).getType());
          }
        });
        List<RexNode> conditions = new ArrayList<>(below.conditions);
        conditions.add(onColumns);
        return new ScanShape(below.scan, below.columns, conditions);
      }
      return null;
    }
  }

  /** The value of a {@code /*+ nprobe(N) *&#47;} hint on any of the matched nodes, or null. */
  @SafeVarargs
  private static Integer nprobeHint(List<RelHint>... hintLists) {
    for (List<RelHint> hints : hintLists) {
      for (RelHint hint : hints) {
        if (hint.hintName.equalsIgnoreCase(NPROBE_HINT)
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

  /** The value of a {@code /*+ recall(0.99) *&#47;} hint (in (0, 1]) on the matched nodes, or null. */
  @SafeVarargs
  private static Double recallHint(List<RelHint>... hintLists) {
    for (List<RelHint> hints : hintLists) {
      for (RelHint hint : hints) {
        if (hint.hintName.equalsIgnoreCase(RECALL_HINT)
            && hint.listOptions.size() == 1) {
          try {
            double r = Double.parseDouble(hint.listOptions.get(0).trim());
            if (r > 0 && r <= 1) {
              return r;
            }
          } catch (NumberFormatException e) {
            // not a number: ignored, like a malformed nprobe hint
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

  /** Whether table column {@code column} is a Parquet LIST of FLOAT, the type the operator reads. */
  static boolean isFloatVectorColumn(ParquetTable table, int column) {
    Type type = table.columnParquetType(column);
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
