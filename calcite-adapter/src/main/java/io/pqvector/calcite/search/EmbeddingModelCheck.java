package io.pqvector.calcite.search;

import io.pqvector.calcite.function.EmbeddedVector;
import io.pqvector.calcite.function.TextEmbeddings;
import java.nio.file.Path;

/**
 * Refuses to rank a column's vectors against an {@code embed()} vector from another model than
 * the one the {@code embed} command recorded for that column. Several models share a dimension
 * (384 is common), so the length check alone would let such a query return plausible nonsense.
 */
final class EmbeddingModelCheck {
  private EmbeddingModelCheck() {}

  static void require(Object queryValue, SearchedTable table, String column) {
    if (!(queryValue instanceof EmbeddedVector)) {
      return;
    }
    String model = ((EmbeddedVector) queryValue).model();
    String key = TextEmbeddings.footerKey(column);
    for (Path file : table.files()) {
      String recorded = table.footer(file).getFileMetaData().getKeyValueMetaData().get(key);
      if (recorded != null && !recorded.equals(model)) {
        throw new IllegalArgumentException("embed(): column " + column + " of table "
            + table.name() + " was embedded with model '" + recorded + "' (file "
            + file.getFileName() + ") but this connection's embed() uses model '" + model
            + "'; connect with the embedModel property set to that model's directory"
            + " (or leave it unset for the default model), or re-run the embed command");
      }
    }
  }
}
