package io.pqvector.rewrite;

import io.pqvector.parquet.LocalCodecFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * The input's schema, split into the vector field and the others, its key-value metadata (without
 * {@code pqvector.*}), the codec each other column keeps (BROTLI, which can only be read, becomes
 * SNAPPY), and an estimate of a buffered row's heap bytes for the memory budget.
 */
final class InputSchema {
  final MessageType schema;
  final int vectorField;
  /** The other top-level fields, in schema order; null when there are none. */
  final MessageType others;
  /** The vector field's path: node names, index in the parent, cumulative definition level. */
  final String[] names;
  final int[] indexes;
  final int[] definedAt;
  final int repeated;
  final int maxDefinition;
  final ColumnDescriptor descriptor;
  final String createdBy;
  final Map<String, String> keyValues;
  final Map<String, CompressionCodecName> codecs;
  /** Estimated heap bytes of one buffered row, without its vector. */
  final long rowBytes;

  private InputSchema(ParquetMetadata footer, String column) {
    schema = footer.getFileMetaData().getSchema();
    vectorField = schema.getFieldIndex(column);
    List<Type> rest = new ArrayList<>();
    for (int i = 0; i < schema.getFieldCount(); i++) {
      if (i != vectorField) {
        rest.add(schema.getType(i));
      }
    }
    others = rest.isEmpty() ? null : new MessageType(schema.getName(), rest);
    List<Type> path = new ArrayList<>();
    Type node = schema.getType(vectorField);
    path.add(node);
    while (!node.isPrimitive()) {
      node = node.asGroupType().getType(0);
      path.add(node);
    }
    names = new String[path.size()];
    indexes = new int[path.size()];
    definedAt = new int[path.size()];
    int rep = -1;
    int level = 0;
    for (int i = 0; i < path.size(); i++) {
      Type t = path.get(i);
      names[i] = t.getName();
      indexes[i] = i == 0 ? vectorField : 0;
      if (t.getRepetition() != Type.Repetition.REQUIRED) {
        level++;
      }
      if (t.getRepetition() == Type.Repetition.REPEATED) {
        rep = i;
      }
      definedAt[i] = level;
    }
    repeated = rep;
    descriptor = schema.getColumnDescription(names);
    maxDefinition = descriptor.getMaxDefinitionLevel();
    createdBy = footer.getFileMetaData().getCreatedBy();
    keyValues = new LinkedHashMap<>();
    footer.getFileMetaData().getKeyValueMetaData().forEach((k, v) -> {
      if (!k.startsWith("pqvector.")) {
        keyValues.put(k, v);
      }
    });
    codecs = new LinkedHashMap<>();
    Map<String, long[]> sizes = new HashMap<>();
    String vectorPath = String.join(".", names);
    for (BlockMetaData block : footer.getBlocks()) {
      for (ColumnChunkMetaData chunk : block.getColumns()) {
        String leaf = chunk.getPath().toDotString();
        if (leaf.equals(vectorPath)) {
          continue;
        }
        CompressionCodecName codec = chunk.getCodec();
        if (!LocalCodecFactory.canCompress(codec)) {
          codec = CompressionCodecName.SNAPPY; // BROTLI is read but cannot be written
        }
        CompressionCodecName seen = codecs.putIfAbsent(leaf, codec);
        if (seen != null && seen != codec) {
          codecs.put(leaf, CompressionCodecName.SNAPPY);
        }
        long[] s = sizes.computeIfAbsent(leaf, k -> new long[2]);
        s[0] += chunk.getTotalUncompressedSize();
        s[1] += chunk.getValueCount();
      }
    }
    long perRow = 96;
    for (long[] s : sizes.values()) {
      perRow += 64 + (s[1] == 0 ? 0 : (s[0] + s[1] - 1) / s[1]);
    }
    rowBytes = perRow;
  }

  static InputSchema of(ParquetMetadata footer, String column) {
    return new InputSchema(footer, column);
  }

  String vectorLeaf() {
    return String.join(".", names);
  }
}
