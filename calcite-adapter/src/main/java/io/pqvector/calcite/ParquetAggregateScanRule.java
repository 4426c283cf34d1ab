package io.pqvector.calcite;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rel.logical.LogicalAggregate;
import org.apache.calcite.util.ImmutableBitSet;
import org.apache.calcite.util.mapping.Mappings;

/**
 * An aggregate reads only the columns it uses: {@code COUNT(*)} reads the cheapest column (never
 * the vectors), {@code COUNT(id)} reads {@code id}. Calcite puts an aggregate straight on the
 * scan, so the Project rule alone never narrows it.
 */
public final class ParquetAggregateScanRule extends RelRule<RuleConfig> {
  ParquetAggregateScanRule(RuleConfig config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    LogicalAggregate aggregate = call.rel(0);
    ParquetTableScan scan = call.rel(1);
    ImmutableBitSet used = aggregate.getGroupSet();
    for (AggregateCall c : aggregate.getAggCallList()) {
      used = used.union(ImmutableBitSet.of(c.getArgList()));
      if (c.filterArg >= 0) {
        used = used.set(c.filterArg);
      }
      used = used.union(ImmutableBitSet.of(c.collation.getKeys()));
    }
    if (used.isEmpty()) {
      used = ImmutableBitSet.of(ParquetProjectScanRule.cheapestField(scan));
    }
    if (used.cardinality() >= scan.fields.length) {
      return;
    }
    List<Integer> kept = used.asList();
    int[] fields = new int[kept.size()];
    Mappings.TargetMapping mapping = Mappings.create(
        org.apache.calcite.util.mapping.MappingType.INVERSE_SURJECTION, scan.fields.length,
        kept.size());
    for (int i = 0; i < fields.length; i++) {
      fields[i] = scan.fields[kept.get(i)];
      mapping.set(kept.get(i), i);
    }
    ParquetTableScan narrow = new ParquetTableScan(scan.getCluster(), scan.getTable(),
        scan.parquetTable, fields, scan.pruning);
    List<AggregateCall> calls = new ArrayList<>();
    for (AggregateCall c : aggregate.getAggCallList()) {
      calls.add(c.transform(mapping));
    }
    List<ImmutableBitSet> groupSets = new ArrayList<>();
    for (ImmutableBitSet g : aggregate.getGroupSets()) {
      groupSets.add(g.permute(mapping));
    }
    call.transformTo(aggregate.copy(aggregate.getTraitSet(), narrow,
        aggregate.getGroupSet().permute(mapping), groupSets, calls));
  }

  static final RuleConfig CONFIG = RuleConfig.of("ParquetAggregateScanRule",
      b0 -> b0.operand(LogicalAggregate.class)
          .oneInput(b1 -> b1.operand(ParquetTableScan.class).noInputs()),
      ParquetAggregateScanRule::new);
}
