package io.pqvector.calcite.function;

import org.apache.calcite.rel.type.RelDataTypeSystemImpl;
import org.apache.calcite.sql.type.SqlTypeName;

/**
 * Calcite's type system with DECIMAL up to 38 digits, as Parquet, DuckDB and Spark have it
 * (Calcite's default stops at 19, which cannot hold a UBIGINT or a DECIMAL(38, 10) column).
 */
public final class PqVectorTypeSystem extends RelDataTypeSystemImpl {
  public static final int MAX_DECIMAL_PRECISION = 38;
  public static final PqVectorTypeSystem INSTANCE = new PqVectorTypeSystem();

  private PqVectorTypeSystem() {}

  @Override public int getMaxPrecision(SqlTypeName typeName) {
    return typeName == SqlTypeName.DECIMAL ? MAX_DECIMAL_PRECISION : super.getMaxPrecision(typeName);
  }

  @Override public int getMaxScale(SqlTypeName typeName) {
    return typeName == SqlTypeName.DECIMAL ? MAX_DECIMAL_PRECISION : super.getMaxScale(typeName);
  }
}
