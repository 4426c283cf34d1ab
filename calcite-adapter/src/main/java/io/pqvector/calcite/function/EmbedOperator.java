package io.pqvector.calcite.function;

import java.util.List;
import org.apache.calcite.DataContext;
import org.apache.calcite.adapter.enumerable.CallImplementor;
import org.apache.calcite.adapter.enumerable.NullPolicy;
import org.apache.calcite.adapter.enumerable.RexImpTable;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.FunctionParameter;
import org.apache.calcite.schema.ImplementableFunction;
import org.apache.calcite.schema.ScalarFunction;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDynamicParam;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.OperandTypes;
import org.apache.calcite.sql.type.SqlOperandTypeInference;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.validate.SqlUserDefinedFunction;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql.validate.SqlValidatorScope;

/**
 * The SQL function {@code embed(text)}, returning {@code REAL ARRAY}. Its generated code passes
 * the query's {@link DataContext} to {@link TextEmbeddings#embed}, which finds the connection's
 * model; a bare {@code ?} operand is typed VARCHAR, so {@code embed(?)} can be prepared.
 */
final class EmbedOperator {
  private EmbedOperator() {}

  static SqlUserDefinedFunction create() {
    SqlOperandTypeInference varchar = (binding, returnType, operandTypes) -> {
      RelDataTypeFactory f = binding.getTypeFactory();
      for (int i = 0; i < operandTypes.length; i++) {
        operandTypes[i] = varchar(f);
      }
    };
    return new SqlUserDefinedFunction(new SqlIdentifier("embed", SqlParserPos.ZERO),
        SqlKind.OTHER_FUNCTION, binding -> vectorType(binding.getTypeFactory()), varchar,
        OperandTypes.operandMetadata(List.of(SqlTypeFamily.CHARACTER),
            f -> List.of(varchar(f)), i -> "text", i -> false), new Body()) {
      /**
       * Dynamic, like CURRENT_TIMESTAMP: its value depends on the connection (its model), so
       * the planner must not fold {@code embed('...')} into a constant with a context that has
       * no connection. It still counts as deterministic, so the vector search rule takes it.
       */
      @Override public boolean isDynamicFunction() {
        return true;
      }

      @Override public RelDataType deriveType(SqlValidator validator, SqlValidatorScope scope,
          SqlCall call) {
        // Calcite does not infer the type of a ? in an ORDER BY expression; type it here.
        for (SqlNode operand : call.getOperandList()) {
          if (operand instanceof SqlDynamicParam) {
            RelDataType current = validator.getValidatedNodeTypeIfKnown(operand);
            if (current == null || current.getSqlTypeName() == SqlTypeName.UNKNOWN) {
              validator.setValidatedNodeType(operand, varchar(validator.getTypeFactory()));
            }
          }
        }
        return super.deriveType(validator, scope, call);
      }
    };
  }

  private static RelDataType varchar(RelDataTypeFactory f) {
    return f.createTypeWithNullability(f.createSqlType(SqlTypeName.VARCHAR), true);
  }

  private static RelDataType vectorType(RelDataTypeFactory f) {
    return f.createTypeWithNullability(
        f.createArrayType(f.createSqlType(SqlTypeName.REAL), -1), true);
  }

  /** The implementation: a call of {@link TextEmbeddings#embed} with the query's context. */
  private static final class Body implements ScalarFunction, ImplementableFunction {
    @Override public RelDataType getReturnType(RelDataTypeFactory typeFactory) {
      return vectorType(typeFactory);
    }

    @Override public List<FunctionParameter> getParameters() {
      return List.of(new FunctionParameter() {
        @Override public int getOrdinal() {
          return 0;
        }

        @Override public String getName() {
          return "text";
        }

        @Override public RelDataType getType(RelDataTypeFactory f) {
          return varchar(f);
        }

        @Override public boolean isOptional() {
          return false;
        }
      });
    }

    @Override public CallImplementor getImplementor() {
      return RexImpTable.createImplementor(
          (translator, call, operands) -> Expressions.call(TextEmbeddings.class, "embed",
              translator.getRoot(), Expressions.convert_(operands.get(0), String.class)),
          NullPolicy.NONE, false);
    }
  }
}
