package io.pqvector.calcite;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.impl.AbstractTable;

/**
 * A table whose files cannot be read or do not fit together (not Parquet, truncated, columns of
 * clashing types). It stays listed so a query on it fails with the reason, while the other tables
 * of the directory keep working.
 */
final class UnreadableTable extends AbstractTable {
  private final String reason;

  UnreadableTable(String reason) {
    this.reason = reason;
  }

  @Override public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    throw new IllegalStateException(reason);
  }
}
