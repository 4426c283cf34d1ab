package io.pqvector.rewrite;

import io.pqvector.parquet.GroupFields;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Writes buffered rows with the input's schema: other fields from their Group, the vector from
 * its entries.
 */
final class BufferedRowWriteSupport extends WriteSupport<BufferedRow> {
  private final InputSchema layout;
  private RecordConsumer consumer;

  BufferedRowWriteSupport(InputSchema layout) {
    this.layout = layout;
  }

  @Override public WriteContext init(Configuration configuration) {
    return new WriteContext(layout.schema, layout.keyValues);
  }

  @Override public WriteContext init(ParquetConfiguration configuration) {
    return new WriteContext(layout.schema, layout.keyValues);
  }

  @Override public void prepareForWrite(RecordConsumer recordConsumer) {
    this.consumer = recordConsumer;
  }

  @Override public void write(BufferedRow row) {
    consumer.startMessage();
    int other = 0;
    for (int f = 0; f < layout.schema.getFieldCount(); f++) {
      if (f == layout.vectorField) {
        writeVector(row);
      } else {
        GroupFields.write(consumer, row.others, other++, layout.schema.getType(f), f);
      }
    }
    consumer.endMessage();
  }

  /** Rebuilds the vector field from its entries' definition levels (see {@link BufferedRow}). */
  private void writeVector(BufferedRow row) {
    String[] names = layout.names;
    int[] indexes = layout.indexes;
    int[] definedAt = layout.definedAt;
    int rep = layout.repeated;
    int leaf = names.length - 1;
    int maxDef = layout.maxDefinition;
    int entries = row.defs == null ? row.values.length : row.defs.length;
    int first = row.defs == null ? maxDef : row.defs[0];
    int opened = 0;
    while (opened < rep && definedAt[opened] <= first) {
      consumer.startField(names[opened], indexes[opened]);
      consumer.startGroup();
      opened++;
    }
    if (opened == rep && definedAt[rep] <= first) {
      consumer.startField(names[rep], indexes[rep]);
      int v = 0;
      for (int e = 0; e < entries; e++) {
        int d = row.defs == null ? maxDef : row.defs[e];
        if (rep == leaf) {
          consumer.addFloat(row.values[v++]);
          continue;
        }
        consumer.startGroup();
        int inner = rep + 1;
        while (inner <= leaf && definedAt[inner] <= d) {
          consumer.startField(names[inner], indexes[inner]);
          if (inner == leaf) {
            consumer.addFloat(row.values[v++]);
          } else {
            consumer.startGroup();
          }
          inner++;
        }
        for (int i = inner - 1; i > rep; i--) {
          if (i != leaf) {
            consumer.endGroup();
          }
          consumer.endField(names[i], indexes[i]);
        }
        consumer.endGroup();
      }
      consumer.endField(names[rep], indexes[rep]);
    }
    for (int i = opened - 1; i >= 0; i--) {
      consumer.endGroup();
      consumer.endField(names[i], indexes[i]);
    }
  }
}
