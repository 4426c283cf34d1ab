package io.pqvector.calcite.function;

import java.lang.reflect.Method;
import java.util.List;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.impl.ScalarFunctionImpl;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlCallBinding;
import org.apache.calcite.sql.SqlDynamicParam;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql.validate.SqlValidatorScope;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlOperatorTable;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.SqlOperandCountRange;
import org.apache.calcite.sql.type.SqlOperandCountRanges;
import org.apache.calcite.sql.type.SqlOperandMetadata;
import org.apache.calcite.sql.type.ReturnTypes;
import org.apache.calcite.sql.type.SqlOperandTypeInference;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.type.SqlTypeUtil;
import org.apache.calcite.sql.util.SqlOperatorTables;
import org.apache.calcite.sql.validate.SqlUserDefinedFunction;

/**
 * The vector functions as SQL operators. They are real operators rather than schema functions so
 * that a bare {@code ?} gets a type: an untyped operand takes the other operand's array type
 * (or {@code REAL ARRAY}), which lets {@code array_distance(embedding, ?)} validate.
 */
public final class VectorOperators {
  public static final SqlUserDefinedFunction ARRAY_DISTANCE =
      function("array_distance", "arrayDistance");
  public static final SqlUserDefinedFunction ARRAY_COSINE_DISTANCE =
      function("array_cosine_distance", "arrayCosineDistance");
  public static final SqlUserDefinedFunction ARRAY_COSINE_SIMILARITY =
      function("array_cosine_similarity", "arrayCosineSimilarity");
  public static final SqlUserDefinedFunction ARRAY_INNER_PRODUCT =
      function("array_inner_product", "arrayInnerProduct");
  public static final SqlUserDefinedFunction ARRAY_NEGATIVE_INNER_PRODUCT =
      function("array_negative_inner_product", "arrayNegativeInnerProduct");

  // DuckDB's list_* aliases, which DuckDB users write on list columns.
  public static final SqlUserDefinedFunction LIST_DISTANCE =
      function("list_distance", "listDistance");
  public static final SqlUserDefinedFunction LIST_COSINE_DISTANCE =
      function("list_cosine_distance", "listCosineDistance");
  public static final SqlUserDefinedFunction LIST_COSINE_SIMILARITY =
      function("list_cosine_similarity", "listCosineSimilarity");
  public static final SqlUserDefinedFunction LIST_INNER_PRODUCT =
      function("list_inner_product", "listInnerProduct");
  public static final SqlUserDefinedFunction LIST_NEGATIVE_INNER_PRODUCT =
      function("list_negative_inner_product", "listNegativeInnerProduct");

  /** {@code embed(text)}: the text's embedding by the connection's model (see {@link TextEmbeddings}). */
  public static final SqlUserDefinedFunction EMBED = EmbedOperator.create();

  private static final List<SqlOperator> ALL = List.of(ARRAY_DISTANCE, ARRAY_COSINE_DISTANCE,
      ARRAY_COSINE_SIMILARITY, ARRAY_INNER_PRODUCT, ARRAY_NEGATIVE_INNER_PRODUCT, LIST_DISTANCE,
      LIST_COSINE_DISTANCE, LIST_COSINE_SIMILARITY, LIST_INNER_PRODUCT,
      LIST_NEGATIVE_INNER_PRODUCT, EMBED);

  private static final SqlOperatorTable TABLE = SqlOperatorTables.of(ALL);

  private VectorOperators() {}

  public static SqlOperatorTable table() {
    return TABLE;
  }

  /** Whether {@code op} is one of these functions. */
  public static boolean isVectorFunction(SqlOperator op) {
    return ALL.contains(op);
  }

  private static SqlUserDefinedFunction function(String name, String method) {
    Method m;
    try {
      m = VectorFunction.class.getMethod(method, Object.class, Object.class);
    } catch (NoSuchMethodException e) {
      throw new AssertionError(e);
    }
    return new SqlUserDefinedFunction(
        new SqlIdentifier(name, SqlParserPos.ZERO),
        SqlKind.OTHER_FUNCTION,
        ReturnTypes.explicit(SqlTypeName.REAL).andThen(
            (binding, type) -> binding.getTypeFactory().createTypeWithNullability(type, true)),
        INFER_BARE_PARAMETERS,
        new TwoVectorOperands(name),
        ScalarFunctionImpl.create(m)) {
      @Override public RelDataType deriveType(SqlValidator validator, SqlValidatorScope scope,
          SqlCall call) {
        typeBareParameters(validator, scope, call);
        return super.deriveType(validator, scope, call);
      }
    };
  }

  /**
   * Gives a bare {@code ?} operand a type. Calcite infers parameter types for SELECT and WHERE
   * expressions but not for an ORDER BY expression outside the SELECT list, which is exactly where
   * a query vector sits. The type is ANY so that whatever JDBC hands over (float[], double[],
   * java.sql.Array, List) reaches {@link QueryVectors} unconverted instead of failing a cast.
   */
  private static void typeBareParameters(SqlValidator validator, SqlValidatorScope scope,
      SqlCall call) {
    RelDataTypeFactory f = validator.getTypeFactory();
    RelDataType type = f.createTypeWithNullability(f.createSqlType(SqlTypeName.ANY), true);
    for (SqlNode operand : call.getOperandList()) {
      if (operand instanceof SqlDynamicParam) {
        RelDataType current = validator.getValidatedNodeTypeIfKnown(operand);
        if (current == null || current.getSqlTypeName() == SqlTypeName.UNKNOWN) {
          validator.setValidatedNodeType(operand, type);
        }
      }
    }
  }

  /**
   * Two arrays of numbers. Declared as not fixed-parameter so Calcite's routine lookup does not
   * reject a still-untyped {@code ?} before {@link #INFER_BARE_PARAMETERS} has typed it.
   */
  private static final class TwoVectorOperands implements SqlOperandMetadata {
    private final String name;

    TwoVectorOperands(String name) {
      this.name = name;
    }

    @Override public List<RelDataType> paramTypes(RelDataTypeFactory f) {
      return List.of(realArray(f), realArray(f));
    }

    @Override public List<String> paramNames() {
      return List.of("left", "right");
    }

    @Override public boolean checkOperandTypes(SqlCallBinding binding, boolean throwOnFailure) {
      for (int i = 0; i < binding.getOperandCount(); i++) {
        RelDataType t = binding.getOperandType(i);
        if (t.getSqlTypeName() == SqlTypeName.NULL || t.getSqlTypeName() == SqlTypeName.UNKNOWN
            || t.getSqlTypeName() == SqlTypeName.ANY) {
          continue;
        }
        RelDataType element = t.getComponentType();
        if (element == null || !(SqlTypeUtil.isNumeric(element)
            || element.getSqlTypeName() == SqlTypeName.NULL)) {
          if (throwOnFailure) {
            throw binding.newValidationSignatureError();
          }
          return false;
        }
      }
      return true;
    }

    @Override public SqlOperandCountRange getOperandCountRange() {
      return SqlOperandCountRanges.of(2);
    }

    @Override public String getAllowedSignatures(SqlOperator op, String opName) {
      return name + "(<NUMERIC ARRAY>, <NUMERIC ARRAY>)";
    }

    @Override public boolean isOptional(int i) {
      return false;
    }

    @Override public boolean isFixedParameters() {
      return false;
    }
  }

  private static RelDataType realArray(RelDataTypeFactory f) {
    return f.createTypeWithNullability(f.createArrayType(
        f.createTypeWithNullability(f.createSqlType(SqlTypeName.REAL), true), -1), true);
  }

  /**
   * A bare {@code ?} operand is typed ANY, as in {@link #typeBareParameters}: whatever JDBC binds
   * (float[], double[], java.sql.Array, List) then reaches {@link QueryVectors} unconverted.
   */
  private static final SqlOperandTypeInference INFER_BARE_PARAMETERS =
      (binding, returnType, operandTypes) -> {
        RelDataTypeFactory f = binding.getTypeFactory();
        RelDataType any = f.createTypeWithNullability(f.createSqlType(SqlTypeName.ANY), true);
        for (int i = 0; i < operandTypes.length; i++) {
          operandTypes[i] = binding.operand(i) instanceof SqlDynamicParam
              ? any : binding.getOperandType(i);
        }
      };

}
