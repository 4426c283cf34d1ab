package io.pqvector.calcite.rows;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Maps Parquet types to SQL types. Every column and array element is nullable: files of one
 * table may disagree on optionality, and SQL clients show {@code REAL ARRAY} rather than
 * {@code REAL NOT NULL ARRAY NOT NULL}. Groups that are neither lists nor maps (structs) and maps
 * are shown as JSON text, which every client can display.
 */
public final class ParquetSqlTypes {
  private ParquetSqlTypes() {}

  /** The kind of value a Parquet field holds, which decides its SQL type and its converter. */
  public enum Kind {
    BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, UNSIGNED_BIGINT, REAL, DOUBLE, DECIMAL, VARCHAR,
    VARBINARY, DATE, TIME_MILLIS, TIME_MICROS, TIME_NANOS, TIMESTAMP_MILLIS, TIMESTAMP_MICROS,
    TIMESTAMP_NANOS, TIMESTAMP_INT96, UUID, FLOAT16, LIST, JSON_GROUP
  }

  public static RelDataType toSqlType(Type type, RelDataTypeFactory factory) {
    RelDataType sql = toSqlTypeNotNull(type, factory);
    return factory.createTypeWithNullability(sql, true);
  }

  private static RelDataType toSqlTypeNotNull(Type type, RelDataTypeFactory factory) {
    Kind kind = kindOf(type);
    switch (kind) {
      case LIST:
        Type element = listElement(type.asGroupType());
        return factory.createArrayType(toSqlType(element, factory), -1);
      case DECIMAL: {
        DecimalLogicalTypeAnnotation d =
            (DecimalLogicalTypeAnnotation) type.getLogicalTypeAnnotation();
        int maxPrecision = factory.getTypeSystem().getMaxPrecision(SqlTypeName.DECIMAL);
        if (d.getPrecision() > maxPrecision) {
          return factory.createSqlType(SqlTypeName.DOUBLE);
        }
        return factory.createSqlType(SqlTypeName.DECIMAL, d.getPrecision(), d.getScale());
      }
      case UNSIGNED_BIGINT:
        return factory.createSqlType(SqlTypeName.DECIMAL, 20, 0);
      case TIME_MILLIS: case TIME_MICROS: case TIME_NANOS:
        return factory.createSqlType(SqlTypeName.TIME, 3);
      case TIMESTAMP_MILLIS: case TIMESTAMP_MICROS: case TIMESTAMP_NANOS: case TIMESTAMP_INT96:
        // Millisecond precision: what Calcite's runtime keeps (values are epoch milliseconds).
        return factory.createSqlType(SqlTypeName.TIMESTAMP, 3);
      default:
        return factory.createSqlType(sqlTypeName(kind));
    }
  }

  private static SqlTypeName sqlTypeName(Kind kind) {
    switch (kind) {
      case BOOLEAN: return SqlTypeName.BOOLEAN;
      case TINYINT: return SqlTypeName.TINYINT;
      case SMALLINT: return SqlTypeName.SMALLINT;
      case INTEGER: return SqlTypeName.INTEGER;
      case BIGINT: return SqlTypeName.BIGINT;
      case REAL: case FLOAT16: return SqlTypeName.REAL;
      case DOUBLE: return SqlTypeName.DOUBLE;
      case VARCHAR: case UUID: case JSON_GROUP: return SqlTypeName.VARCHAR;
      case VARBINARY: return SqlTypeName.VARBINARY;
      case DATE: return SqlTypeName.DATE;
      case TIME_MILLIS: case TIME_MICROS: case TIME_NANOS: return SqlTypeName.TIME;
      case TIMESTAMP_MILLIS: case TIMESTAMP_MICROS: case TIMESTAMP_NANOS: case TIMESTAMP_INT96:
        return SqlTypeName.TIMESTAMP;
      default:
        throw new AssertionError(kind);
    }
  }

  public static Kind kindOf(Type type) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    if (!type.isPrimitive()) {
      GroupType group = type.asGroupType();
      if (logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation
          && group.getFieldCount() == 1 && group.getType(0).isRepetition(Type.Repetition.REPEATED)) {
        return Kind.LIST;
      }
      return Kind.JSON_GROUP;
    }
    if (type.isRepetition(Type.Repetition.REPEATED)) {
      // An unannotated repeated primitive is a legacy list; callers wrap it.
      return kindOfPrimitive(type.asPrimitiveType(), logical);
    }
    return kindOfPrimitive(type.asPrimitiveType(), logical);
  }

  private static Kind kindOfPrimitive(PrimitiveType p, LogicalTypeAnnotation logical) {
    if (logical instanceof DecimalLogicalTypeAnnotation) {
      return Kind.DECIMAL;
    }
    switch (p.getPrimitiveTypeName()) {
      case BOOLEAN:
        return Kind.BOOLEAN;
      case INT32:
        if (logical instanceof IntLogicalTypeAnnotation) {
          IntLogicalTypeAnnotation i = (IntLogicalTypeAnnotation) logical;
          if (i.getBitWidth() == 8) {
            return i.isSigned() ? Kind.TINYINT : Kind.SMALLINT;
          }
          if (i.getBitWidth() == 16) {
            return i.isSigned() ? Kind.SMALLINT : Kind.INTEGER;
          }
          return i.isSigned() ? Kind.INTEGER : Kind.BIGINT;
        }
        if (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
          return Kind.DATE;
        }
        if (logical instanceof LogicalTypeAnnotation.TimeLogicalTypeAnnotation) {
          return Kind.TIME_MILLIS;
        }
        return Kind.INTEGER;
      case INT64:
        if (logical instanceof IntLogicalTypeAnnotation
            && !((IntLogicalTypeAnnotation) logical).isSigned()) {
          return Kind.UNSIGNED_BIGINT;
        }
        if (logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) {
          switch (((LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) logical).getUnit()) {
            case MILLIS: return Kind.TIMESTAMP_MILLIS;
            case MICROS: return Kind.TIMESTAMP_MICROS;
            default: return Kind.TIMESTAMP_NANOS;
          }
        }
        if (logical instanceof LogicalTypeAnnotation.TimeLogicalTypeAnnotation) {
          switch (((LogicalTypeAnnotation.TimeLogicalTypeAnnotation) logical).getUnit()) {
            case MILLIS: return Kind.TIME_MILLIS;
            case MICROS: return Kind.TIME_MICROS;
            default: return Kind.TIME_NANOS;
          }
        }
        return Kind.BIGINT;
      case INT96:
        return Kind.TIMESTAMP_INT96;
      case FLOAT:
        return Kind.REAL;
      case DOUBLE:
        return Kind.DOUBLE;
      case BINARY:
        if (logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation) {
          return Kind.VARCHAR;
        }
        return Kind.VARBINARY;
      case FIXED_LEN_BYTE_ARRAY:
        if (logical instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
          return Kind.UUID;
        }
        if (logical instanceof LogicalTypeAnnotation.Float16LogicalTypeAnnotation) {
          return Kind.FLOAT16;
        }
        return Kind.VARBINARY;
      default:
        throw new IllegalArgumentException("unsupported Parquet type " + p);
    }
  }

  /**
   * The element type of a LIST group: the standard 3-level form {@code repeated group list
   * { element }}, or a legacy 2-level form where the repeated field is itself the element.
   */
  public static Type listElement(GroupType list) {
    Type repeated = list.getType(0);
    if (repeated.isPrimitive()) {
      return repeated;
    }
    GroupType rg = repeated.asGroupType();
    boolean legacyElementGroup = rg.getFieldCount() != 1
        || rg.getName().equals("array")
        || rg.getName().equals(list.getName() + "_tuple");
    return legacyElementGroup ? rg : rg.getType(0);
  }

  /** Whether the repeated level of a LIST group is itself the element (legacy 2-level list). */
  public static boolean isTwoLevelList(GroupType list) {
    return listElement(list) == list.getType(0);
  }
}
