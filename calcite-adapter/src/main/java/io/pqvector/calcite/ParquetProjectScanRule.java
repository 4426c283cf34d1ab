package io.pqvector.calcite;

import java.util.List;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexNode;
import org.apache.parquet.schema.Type;

/**
 * Reads only the columns a query uses: a Project of plain column references becomes the scan, and
 * a Project that uses no column ({@code SELECT 1 FROM t}) reads only the cheapest one.
 */
public final class ParquetProjectScanRule extends RelRule<RuleConfig> {
  ParquetProjectScanRule(RuleConfig config) {
    super(config);
  }

  @Override public void onMatch(RelOptRuleCall call) {
    LogicalProject project = call.rel(0);
    ParquetTableScan scan = call.rel(1);
    List<RexNode> projects = project.getProjects();
    if (RelOptUtil.InputFinder.bits(projects, null).isEmpty()) {
      // SELECT 1 FROM t: no column is needed, only the row count; read the cheapest column.
      if (scan.fields.length > 1) {
        ParquetTableScan narrow = new ParquetTableScan(scan.getCluster(), scan.getTable(),
            scan.parquetTable, new int[] {scan.fields[cheapestField(scan)]}, scan.pruning);
        call.transformTo(project.copy(project.getTraitSet(), narrow, projects,
            project.getRowType()));
      }
      return;
    }
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

  /**
   * The position (in the scan's fields) of the column that costs least to read when only the row
   * count matters: the narrowest primitive column; lists and groups (vectors) last.
   */
  static int cheapestField(ParquetTableScan scan) {
    int best = 0;
    int bestWidth = Integer.MAX_VALUE;
    for (int i = 0; i < scan.fields.length; i++) {
      int width = readWidth(scan.parquetTable.columnParquetType(scan.fields[i]));
      if (width < bestWidth) {
        best = i;
        bestWidth = width;
      }
    }
    return best;
  }

  private static int readWidth(Type type) {
    if (!type.isPrimitive()) {
      return 1 << 20;
    }
    switch (type.asPrimitiveType().getPrimitiveTypeName()) {
      case BOOLEAN: return 1;
      case INT32: case FLOAT: return 4;
      case INT64: case DOUBLE: return 8;
      case INT96: return 12;
      case FIXED_LEN_BYTE_ARRAY: return 16 + type.asPrimitiveType().getTypeLength();
      default: return 1 << 10;
    }
  }

  static final RuleConfig CONFIG = RuleConfig.of("ParquetProjectScanRule",
      b0 -> b0.operand(LogicalProject.class)
          .oneInput(b1 -> b1.operand(ParquetTableScan.class).noInputs()),
      ParquetProjectScanRule::new);
}
