package io.pqvector.calcite.prepare;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.adapter.enumerable.EnumerableLimitSort;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.adapter.enumerable.EnumerableSort;
import org.apache.calcite.adapter.enumerable.JavaRowFormat;
import org.apache.calcite.adapter.enumerable.PhysType;
import org.apache.calcite.adapter.enumerable.PhysTypeImpl;
import org.apache.calcite.linq4j.tree.BlockBuilder;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.tools.Program;
import org.apache.calcite.util.BuiltInMethod;

/**
 * An ORDER BY (with optional OFFSET and LIMIT) whose keys include a REAL, DOUBLE or ARRAY value,
 * sorted by {@link SqlValueOrder}: NaN above every number, arrays element by element. Calcite's
 * own sorts fail on both ("Infinite or NaN", a ClassCastException), so {@link #PROGRAM} swaps
 * them for this one after planning; sorts on other types stay Calcite's.
 */
public final class TotalOrderSort extends Sort implements EnumerableRel {
  TotalOrderSort(RelOptCluster cluster, RelTraitSet traits, RelNode input, RelCollation collation,
      RexNode offset, RexNode fetch) {
    super(cluster, traits, input, collation, offset, fetch);
  }

  @Override public Sort copy(RelTraitSet traitSet, RelNode newInput, RelCollation newCollation,
      RexNode offset, RexNode fetch) {
    return new TotalOrderSort(getCluster(), traitSet, newInput, newCollation, offset, fetch);
  }

  /** Runs after Calcite's program: replaces each Enumerable sort that needs this order. */
  public static final Program PROGRAM = (planner, rel, traits, materializations, lattices) ->
      replaceSorts(rel);

  static RelNode replaceSorts(RelNode rel) {
    List<RelNode> inputs = new ArrayList<>();
    boolean changed = false;
    for (RelNode input : rel.getInputs()) {
      RelNode replaced = replaceSorts(input);
      changed |= replaced != input;
      inputs.add(replaced);
    }
    RelNode node = changed ? rel.copy(rel.getTraitSet(), inputs) : rel;
    if ((node instanceof EnumerableSort || node instanceof EnumerableLimitSort)
        && needsTotalOrder((Sort) node)) {
      Sort sort = (Sort) node;
      return new TotalOrderSort(sort.getCluster(), sort.getTraitSet(), sort.getInput(),
          sort.getCollation(), sort.offset, sort.fetch);
    }
    return node;
  }

  private static boolean needsTotalOrder(Sort sort) {
    List<org.apache.calcite.rel.type.RelDataTypeField> fields =
        sort.getInput().getRowType().getFieldList();
    for (RelFieldCollation key : sort.getCollation().getFieldCollations()) {
      RelDataType type = fields.get(key.getFieldIndex()).getType();
      SqlTypeName name = type.getSqlTypeName();
      if (SqlTypeFamily.APPROXIMATE_NUMERIC.getTypeNames().contains(name)
          || name == SqlTypeName.ARRAY || name == SqlTypeName.MULTISET) {
        return true;
      }
    }
    return false;
  }

  @Override public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    BlockBuilder builder = new BlockBuilder();
    Result child = implementor.visitChild(this, 0, (EnumerableRel) getInput(), pref);
    Expression rows = builder.append("rows", child.block);
    JavaRowFormat format = child.physType.getFormat();
    if (format != JavaRowFormat.SCALAR && format != JavaRowFormat.ARRAY) {
      rows = builder.append("arrayRows", child.physType.convertTo(rows, JavaRowFormat.ARRAY));
      format = JavaRowFormat.ARRAY;
    }
    PhysType physType = PhysTypeImpl.of(implementor.getTypeFactory(), getRowType(), format);
    List<RelFieldCollation> keys = collation.getFieldCollations();
    int[] fields = new int[keys.size()];
    boolean[] descending = new boolean[keys.size()];
    boolean[] nullsFirst = new boolean[keys.size()];
    for (int i = 0; i < fields.length; i++) {
      RelFieldCollation key = keys.get(i);
      fields[i] = key.getFieldIndex();
      descending[i] = key.getDirection().isDescending();
      RelFieldCollation.NullDirection nulls = key.nullDirection
          == RelFieldCollation.NullDirection.UNSPECIFIED
          ? key.getDirection().defaultNullDirection() : key.nullDirection;
      nullsFirst[i] = nulls == RelFieldCollation.NullDirection.FIRST;
    }
    Expression call = Expressions.call(SqlValueOrder.class, "sort", rows,
        Expressions.constant(fields), Expressions.constant(descending),
        Expressions.constant(nullsFirst), Expressions.constant(format == JavaRowFormat.SCALAR),
        count(implementor, offset), count(implementor, fetch));
    builder.add(Expressions.return_(null, call));
    return implementor.result(physType, builder.toBlock());
  }

  /** OFFSET or FETCH as a Number expression: a literal, a {@code ?} parameter, or null. */
  private static Expression count(EnumerableRelImplementor implementor, RexNode n) {
    if (n == null) {
      return Expressions.constant(null, Number.class);
    }
    if (n instanceof RexDynamicParam) {
      return Expressions.convert_(Expressions.call(implementor.getRootExpression(),
          BuiltInMethod.DATA_CONTEXT_GET.method,
          Expressions.constant("?" + ((RexDynamicParam) n).getIndex())), Number.class);
    }
    if (n instanceof RexLiteral) {
      Long value = ((RexLiteral) n).getValueAs(Long.class);
      return Expressions.constant(value, Number.class);
    }
    throw new IllegalStateException("OFFSET/FETCH must be a literal or a parameter: " + n);
  }
}
