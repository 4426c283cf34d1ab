package io.pqvector.calcite;

import java.util.Arrays;
import java.util.List;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.adapter.enumerable.EnumerableRules;
import org.apache.calcite.adapter.enumerable.JavaRowFormat;
import org.apache.calcite.adapter.enumerable.PhysType;
import org.apache.calcite.adapter.enumerable.PhysTypeImpl;
import org.apache.calcite.linq4j.tree.Blocks;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelWriter;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.parquet.filter2.predicate.FilterPredicate;

/**
 * Scans the projected columns of a {@link ParquetTable}. An optional pruning predicate (derived
 * from a Filter above, which stays in the plan) lets parquet-mr skip row groups by statistics.
 */
public final class ParquetTableScan extends TableScan implements EnumerableRel {
  final ParquetTable parquetTable;
  final int[] fields;
  final FilterPredicate pruning;

  ParquetTableScan(RelOptCluster cluster, RelOptTable table, ParquetTable parquetTable,
      int[] fields, FilterPredicate pruning) {
    super(cluster, cluster.traitSetOf(EnumerableConvention.INSTANCE), List.of(), table);
    this.parquetTable = parquetTable;
    this.fields = fields;
    this.pruning = pruning;
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> inputs) {
    return this;
  }

  @Override public RelWriter explainTerms(RelWriter pw) {
    RelWriter w = super.explainTerms(pw).item("fields", Arrays.toString(fields));
    return w.itemIf("pruning", String.valueOf(pruning), pruning != null);
  }

  @Override public RelDataType deriveRowType() {
    List<RelDataTypeField> all = table.getRowType().getFieldList();
    RelDataTypeFactory.Builder b = getCluster().getTypeFactory().builder();
    for (int f : fields) {
      b.add(all.get(f));
    }
    return b.build();
  }

  @Override public void register(RelOptPlanner planner) {
    planner.addRule(ParquetProjectScanRule.CONFIG.toRule());
    planner.addRule(ParquetAggregateScanRule.CONFIG.toRule());
    planner.addRule(ParquetFilterPruningRule.CONFIG.toRule());
    planner.addRule(VectorTopKRule.CONFIG.toRule());
    // A bounded top-k sort for ORDER BY ... LIMIT shapes the vector rule does not take.
    planner.addRule(EnumerableRules.ENUMERABLE_LIMIT_SORT_RULE);
  }

  @Override public RelOptCost computeSelfCost(RelOptPlanner planner, RelMetadataQuery mq) {
    // Fewer columns read is cheaper, so the planner prefers projected scans.
    double fraction = (fields.length + 2D) / (table.getRowType().getFieldCount() + 2D);
    // A pruning predicate can only skip row groups, so it is never more expensive.
    return super.computeSelfCost(planner, mq).multiplyBy(pruning == null ? fraction
        : fraction * 0.9);
  }

  @Override public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    PhysType physType = PhysTypeImpl.of(implementor.getTypeFactory(), getRowType(),
        pref.preferArray());
    Expression table = implementor.stash(parquetTable, ParquetTable.class);
    Expression pruningExpr = pruning == null
        ? Expressions.constant(null, FilterPredicate.class)
        : implementor.stash(pruning, FilterPredicate.class);
    return implementor.result(physType, Blocks.toBlock(
        Expressions.call(table, "scan", implementor.getRootExpression(),
            Expressions.constant(fields), pruningExpr,
            Expressions.constant(physType.getFormat() == JavaRowFormat.SCALAR))));
  }
}
