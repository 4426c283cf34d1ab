package io.pqvector.calcite;

import java.util.List;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexNode;

/** Reads only the columns a query uses: a Project of plain column references becomes the scan. */
public final class ParquetProjectScanRule extends RelRule<RuleConfig> {
  ParquetProjectScanRule(RuleConfig config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    LogicalProject project = call.rel(0);
    ParquetTableScan scan = call.rel(1);
    List<RexNode> projects = project.getProjects();
    int[] fields = new int[projects.size()];
    for (int i = 0; i < fields.length; i++) {
      if (!(projects.get(i) instanceof RexInputRef)) {
        return;
      }
      fields[i] = scan.fields[((RexInputRef) projects.get(i)).getIndex()];
    }
    call.transformTo(new ParquetTableScan(scan.getCluster(), scan.getTable(), scan.parquetTable,
        fields, scan.pruning));
  }

  static final RuleConfig CONFIG = RuleConfig.of("ParquetProjectScanRule",
      b0 -> b0.operand(LogicalProject.class)
          .oneInput(b1 -> b1.operand(ParquetTableScan.class).noInputs()),
      ParquetProjectScanRule::new);
}
