package io.pqvector.calcite.sql;

import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.prepare.CalciteSqlValidator;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDynamicParam;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOperatorTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.validate.SqlValidatorScope;

/**
 * Calcite's validator, except that a bare {@code ?} passed to a vector function is typed ANY
 * wherever it appears. Calcite infers parameter types before it resolves function names, so an
 * operator's own type inference never sees a {@code ?} in a SELECT list.
 */
final class PqVectorValidator extends CalciteSqlValidator {
  PqVectorValidator(SqlOperatorTable operators, CalciteCatalogReader catalogReader,
      JavaTypeFactory typeFactory, Config config) {
    super(operators, catalogReader, typeFactory, config);
  }

  @Override protected void inferUnknownTypes(RelDataType inferredType, SqlValidatorScope scope,
      SqlNode node) {
    if (node instanceof SqlCall
        && VectorFunction.ofSqlName(((SqlCall) node).getOperator().getName()) != null) {
      RelDataType any = typeFactory.createTypeWithNullability(
          typeFactory.createSqlType(SqlTypeName.ANY), true);
      for (SqlNode operand : ((SqlCall) node).getOperandList()) {
        if (operand instanceof SqlDynamicParam) {
          setValidatedNodeType(operand, any);
        } else if (operand != null) {
          super.inferUnknownTypes(unknownType, scope, operand);
        }
      }
      return;
    }
    super.inferUnknownTypes(inferredType, scope, node);
  }
}
