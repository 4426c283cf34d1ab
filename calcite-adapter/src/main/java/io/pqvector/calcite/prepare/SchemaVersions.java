package io.pqvector.calcite.prepare;

import io.pqvector.calcite.VersionedSchema;
import org.apache.calcite.jdbc.CalciteSchema;

/** Finds the file-backed schema of a connection, which owns its plan cache and version. */
final class SchemaVersions {
  private SchemaVersions() {}

  /** The connection's file-backed schema, or null when it has none (nothing to cache). */
  static VersionedSchema find(CalciteSchema root) {
    for (CalciteSchema sub : root.getSubSchemaMap().values()) {
      if (sub.schema instanceof VersionedSchema) {
        return (VersionedSchema) sub.schema;
      }
    }
    return null;
  }
}
