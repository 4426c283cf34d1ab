package io.pqvector.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.PrimitiveType;
import org.junit.jupiter.api.Test;

class DataFingerprintTest {
  private static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
      "message m { required int64 id; optional group embedding (LIST) {"
          + " repeated group list { optional float element; } } }");
  private static final ColumnPath LEAF = ColumnPath.get("embedding", "list", "element");

  /** Row groups described by {rows, codec ordinal, firstDataPage, dictPage, totalSize, values}. */
  private static ParquetMetadata footer(Map<String, String> kv, long[]... groups) {
    List<BlockMetaData> blocks = new ArrayList<>();
    PrimitiveType leafType = SCHEMA.getColumnDescription(LEAF.toArray()).getPrimitiveType();
    PrimitiveType idType = SCHEMA.getColumnDescription(new String[] {"id"}).getPrimitiveType();
    for (long[] g : groups) {
      BlockMetaData block = new BlockMetaData();
      block.setRowCount(g[0]);
      block.addColumn(ColumnChunkMetaData.get(ColumnPath.get("id"), idType,
          CompressionCodecName.SNAPPY, null, Set.of(Encoding.PLAIN), null, g[2] - 100, 0, g[0],
          50, 60));
      block.addColumn(ColumnChunkMetaData.get(LEAF, leafType,
          CompressionCodecName.values()[(int) g[1]], null, Set.of(Encoding.PLAIN), null, g[2],
          g[3], g[5], g[4], g[4] * 2));
      blocks.add(block);
    }
    return new ParquetMetadata(new FileMetaData(SCHEMA, kv, "test"), blocks);
  }

  private static final long[] G1 = {1000, 1, 4, 0, 400_000, 100_000};
  private static final long[] G2 = {500, 1, 400_100, 0, 200_000, 50_000};

  @Test void sameDataSameFingerprintWhateverTheFooterKeyValues() {
    long a = DataFingerprint.of(footer(Map.of(), G1, G2), "embedding");
    long b = DataFingerprint.of(footer(Map.of("pqvector.ivf.embedding", "9:9"), G1, G2),
        "embedding");
    assertEquals(a, b);
    assertEquals(a, DataFingerprint.of(footer(Map.of(), G1, G2), "embedding.list.element"));
  }

  @Test void anyDescribedChangeChangesTheFingerprint() {
    long base = DataFingerprint.of(footer(Map.of(), G1, G2), "embedding");
    for (int field = 0; field < G1.length; field++) {
      long[] changed = G2.clone();
      changed[field] += 1;
      assertNotEquals(base, DataFingerprint.of(footer(Map.of(), G1, changed), "embedding"),
          "field " + field);
    }
    assertNotEquals(base, DataFingerprint.of(footer(Map.of(), G1), "embedding"));
    assertNotEquals(base, DataFingerprint.of(footer(Map.of(), G2, G1), "embedding"));
  }

  @Test void columnMustNameOneLeaf() {
    ParquetMetadata f = footer(Map.of(), G1);
    assertThrows(IllegalArgumentException.class, () -> DataFingerprint.of(f, "nope"));
    assertThrows(IllegalArgumentException.class, () -> DataFingerprint.of(f, "embedding.list"));
  }

  /** The test vector given in docs/index-format.md. */
  @Test void hashOfKnownBytes() {
    // CRC32C("123456789") = 0xE3069283 is the standard check value.
    // The low half is CRC32C("987654321"), checked with an independent bitwise implementation.
    long h = DataFingerprint.of("123456789".getBytes(StandardCharsets.US_ASCII));
    assertEquals(0xE3069283_E46BD790L, h);
  }
}
