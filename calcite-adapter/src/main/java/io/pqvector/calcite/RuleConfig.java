package io.pqvector.calcite;

import java.util.function.Function;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.core.RelFactories;
import org.apache.calcite.tools.RelBuilderFactory;

/**
 * A plain {@link RelRule.Config} for this adapter's rules. Calcite's own rules generate their
 * configs with the Immutables annotation processor; a hand-written immutable class avoids adding
 * that processor to the build for three rules.
 */
final class RuleConfig implements RelRule.Config {
  private final RelRule.OperandTransform operands;
  private final Function<RuleConfig, RelOptRule> factory;
  private final String description;
  private final RelBuilderFactory relBuilderFactory;

  private RuleConfig(RelRule.OperandTransform operands, Function<RuleConfig, RelOptRule> factory,
      String description, RelBuilderFactory relBuilderFactory) {
    this.operands = operands;
    this.factory = factory;
    this.description = description;
    this.relBuilderFactory = relBuilderFactory;
  }

  static RuleConfig of(String description, RelRule.OperandTransform operands,
      Function<RuleConfig, RelOptRule> factory) {
    return new RuleConfig(operands, factory, description, RelFactories.LOGICAL_BUILDER);
  }

  @Override public RelOptRule toRule() {
    return factory.apply(this);
  }

  @Override public RelBuilderFactory relBuilderFactory() {
    return relBuilderFactory;
  }

  @Override public RuleConfig withRelBuilderFactory(RelBuilderFactory f) {
    return new RuleConfig(operands, factory, description, f);
  }

  @Override public String description() {
    return description;
  }

  @Override public RuleConfig withDescription(String d) {
    return new RuleConfig(operands, factory, d, relBuilderFactory);
  }

  @Override public RelRule.OperandTransform operandSupplier() {
    return operands;
  }

  @Override public RuleConfig withOperandSupplier(RelRule.OperandTransform transform) {
    return new RuleConfig(transform, factory, description, relBuilderFactory);
  }
}
