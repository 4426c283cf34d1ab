package io.pqvector.parquet.decode;

import io.pqvector.parquet.LocalFileInput;
import io.pqvector.parquet.ParquetFiles;
import io.pqvector.parquet.PositionalFile;
import java.io.IOException;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Decodes a vector column chunk with parquet-mr's {@link ColumnReader}: correct for every encoding
 * parquet-mr knows, and much slower than {@link PageDecoder}; used only for pages the latter refuses.
 */
final class ParquetMrFallback {
  private ParquetMrFallback() {}

  static VectorBatch readRowGroup(PositionalFile file, VectorLayout layout, String column, int rowGroup)
      throws IOException {
    try (ParquetFileReader reader =
        ParquetFiles.open(new LocalFileInput(file.path(), file.channel()), FilterCompat.NOOP)) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      MessageType projection = new MessageType(schema.getName(), schema.getType(column));
      reader.setRequestedSchema(projection);
      PageReadStore pages = reader.readRowGroup(rowGroup);
      long rows = pages.getRowCount();
      ColumnReader values = new ColumnReadStoreImpl(pages, discarding(projection), projection,
          reader.getFooter().getFileMetaData().getCreatedBy()).getColumnReader(layout.descriptor);
      long total = values.getTotalValueCount();
      if (rows > Integer.MAX_VALUE - 16 || total > Integer.MAX_VALUE - 16) {
        throw new IOException(file.path() + ": row group " + rowGroup + " of column '" + column
            + "' is too large to decode into one batch (" + rows + " rows, " + total + " values)");
      }
      int n = (int) total;
      byte[] rep = new byte[n];
      byte[] def = new byte[n];
      BatchBuilder out = new BatchBuilder(layout, (int) rows, 0);
      float[] dst = out.reserveValues(n);
      int maxDef = layout.maxDefinition;
      int present = 0;
      int rowStarts = 0;
      for (int i = 0; i < n; i++) {
        int r = values.getCurrentRepetitionLevel();
        int d = values.getCurrentDefinitionLevel();
        rep[i] = (byte) r;
        def[i] = (byte) d;
        rowStarts += r == 0 ? 1 : 0;
        if (d == maxDef) {
          dst[present++] = layout.isDouble ? (float) values.getDouble() : values.getFloat();
        }
        values.consume();
      }
      out.acceptPage(rep, def, n, present, rowStarts);
      return out.finish();
    } catch (RuntimeException e) {
      throw new IOException(file.path() + ": cannot decode column '" + column + "' of row group " + rowGroup
          + ": " + e, e);
    }
  }

  /** A converter tree matching {@code type} that ignores everything; the reader is only asked for levels and values. */
  private static GroupConverter discarding(GroupType type) {
    return new GroupConverter() {
      @Override
      public org.apache.parquet.io.api.Converter getConverter(int fieldIndex) {
        Type field = type.getType(fieldIndex);
        return field.isPrimitive() ? new PrimitiveConverter() {} : discarding(field.asGroupType());
      }

      @Override
      public void start() {}

      @Override
      public void end() {}
    };
  }
}
