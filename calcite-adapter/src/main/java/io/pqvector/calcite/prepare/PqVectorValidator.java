package io.pqvector.calcite.prepare;

import io.pqvector.calcite.function.VectorFunction;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.prepare.CalciteSqlValidator;
import org.apache.calcite.rel.type.RelDataType;
import java.math.BigDecimal;
import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDynamicParam;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNumericLiteral;
import org.apache.calcite.sql.SqlOperatorTable;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.util.SqlBasicVisitor;
import org.apache.calcite.sql.validate.SqlValidatorException;
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

  /** Refuses a LIMIT or OFFSET that Calcite's row counts (ints) cannot hold, naming it. */
  @Override public SqlNode validate(SqlNode topNode) {
    topNode.accept(new SqlBasicVisitor<Void>() {
      @Override public Void visit(SqlCall call) {
        if (call instanceof SqlSelect) {
          requireRowCount("LIMIT", ((SqlSelect) call).getFetch());
          requireRowCount("OFFSET", ((SqlSelect) call).getOffset());
        } else if (call instanceof SqlOrderBy) {
          requireRowCount("LIMIT", ((SqlOrderBy) call).fetch);
          requireRowCount("OFFSET", ((SqlOrderBy) call).offset);
        }
        return super.visit(call);
      }
    });
    return super.validate(topNode);
  }

  private static void requireRowCount(String clause, SqlNode value) {
    if (value instanceof SqlNumericLiteral) {
      BigDecimal n = ((SqlNumericLiteral) value).getValueAs(BigDecimal.class);
      if (n.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
        SqlParserPos pos = value.getParserPosition();
        String message = clause + " " + n.toPlainString() + " is larger than "
            + Integer.MAX_VALUE + ", the largest row count pqvector supports";
        // Calcite's own form: the position here, the message in the cause (getMessage joins them).
        throw new CalciteContextException("From line " + pos.getLineNum() + ", column "
            + pos.getColumnNum() + " to line " + pos.getEndLineNum() + ", column "
            + pos.getEndColumnNum(), new SqlValidatorException(message, null),
            pos.getLineNum(), pos.getColumnNum(), pos.getEndLineNum(), pos.getEndColumnNum());
      }
    }
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
