package io.pqvector.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.ivf.FileIndex;
import io.pqvector.parquet.ParquetFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.KeyValue;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Compatibility with index format 1.0, on files written once by the 1.0 code and checked in
 * (src/test/resources/golden/v1.0, see its README): every later reader must accept them, read the
 * same header and lists, compute the same fingerprint and use the index. Also the versions a
 * reader accepts: 1.0 up to any 1.x, never 0.x or 2.x.
 */
class GoldenFormatTest {
  @TempDir Path dir;

  private Path golden(String name) throws IOException {
    Path copy = dir.resolve(name);
    try (InputStream in = GoldenFormatTest.class.getResourceAsStream("/golden/v1.0/" + name)) {
      Files.copy(in, copy);
    }
    return copy;
  }

  @ParameterizedTest
  @CsvSource({
      // file, metric, lists, rows, seed, fingerprint recorded when the file was written
      "parquet-mr, l2, 6, 300, 42, 0x01CE368CB1B385DC",
      "duckdb, cosine, 5, 200, 7, 0x6C79A7F45B301A5E",
  })
  void aVersion10IndexIsReadUsedAndFingerprintedAsWritten(String name, String metric, int lists,
      long rows, long seed, String fingerprint) throws Exception {
    Path file = golden(name + ".parquet");
    byte[] payload = Files.readAllBytes(golden(name + ".ivf"));
    ByteBuffer le = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals("PQVECIVF", new String(payload, 0, 8, StandardCharsets.US_ASCII));
    assertEquals(1, le.getShort(8), "major");
    assertEquals(0, le.getShort(10), "minor");

    IvfIndex index = IvfIndexReader.parse(payload);
    IvfIndexHeader header = index.header();
    assertEquals("embedding", header.column());
    assertEquals(metric, header.metric());
    assertEquals(8, header.dimension());
    assertEquals(lists, header.listCount());
    assertEquals(rows, header.rowCount());
    assertEquals(rows, header.indexedCount());
    assertEquals(seed, header.seed());
    long expected = Long.parseUnsignedLong(fingerprint.substring(2), 16);
    assertEquals(expected, header.dataFingerprint(), "fingerprint stored in the payload");
    // Every row is in exactly one list.
    int[] seen = new int[(int) rows];
    for (int l = 0; l < index.listCount(); l++) {
      for (int row : index.listRowIds(l)) {
        seen[row]++;
      }
    }
    assertTrue(Arrays.stream(seen).allMatch(c -> c == 1), "every row in one list");

    // The fingerprint from the current code, and from the spec's Thrift fields, are the same.
    ParquetMetadata footer = ParquetFiles.readFooter(file);
    assertEquals(expected, DataFingerprint.of(footer, "embedding"), "DataFingerprint.of");
    FileMetaData thrift = thriftFooter(file);
    assertEquals(expected, specFingerprint(thrift, List.of("embedding", "list", "element")),
        "section 7 over the Thrift footer");

    // The footer entry is "<offset>:<length>:<crc32c hex>" and locates exactly this payload.
    String value = thrift.getKey_value_metadata().stream()
        .filter(kv -> kv.getKey().equals("pqvector.ivf.embedding")).map(KeyValue::getValue)
        .findFirst().orElseThrow();
    String[] parts = value.split(":");
    assertEquals(3, parts.length, value);
    long offset = Long.parseLong(parts[0]);
    int length = Integer.parseInt(parts[1]);
    byte[] stored = Arrays.copyOfRange(Files.readAllBytes(file), (int) offset,
        (int) offset + length);
    assertArrayEquals(payload, stored);
    CRC32C crc = new CRC32C();
    crc.update(stored);
    assertEquals(Long.toHexString(crc.getValue()), parts[2].toLowerCase(java.util.Locale.ROOT)
        .replaceFirst("^0+(?=.)", ""));

    FileIndex loaded = FileIndex.load(file, footer, "embedding");
    assertEquals(FileIndex.Status.OK, loaded.status(), loaded.problem());
    assertEquals(lists, loaded.index().listCount());
  }

  @ParameterizedTest
  @CsvSource({"1, 0, true", "1, 1, true", "1, 65535, true", "0, 9, false", "2, 0, false"})
  void readersAcceptVersions10To1xOnly(int major, int minor, boolean accepted) throws Exception {
    byte[] payload = Files.readAllBytes(golden("parquet-mr.ivf"));
    ByteBuffer le = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
    le.putShort(8, (short) major);
    le.putShort(10, (short) minor);
    CRC32C crc = new CRC32C();
    crc.update(payload, 0, payload.length - 4);
    le.putInt(payload.length - 4, (int) crc.getValue());
    if (accepted) {
      assertEquals(6, IvfIndexReader.parse(payload).listCount());
    } else {
      IvfIndexFormatException e = assertThrows(IvfIndexFormatException.class,
          () -> IvfIndexReader.parse(payload));
      assertTrue(e.getMessage().contains("version"), e.getMessage());
    }
  }

  private static FileMetaData thriftFooter(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int n = bytes.length;
    int footerLength = ByteBuffer.wrap(bytes, n - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    return Util.readFileMetaData(
        new ByteArrayInputStream(bytes, n - 8 - footerLength, footerLength));
  }

  /** docs/index-format.md section 7, computed from the Thrift footer as another engine would. */
  private static long specFingerprint(FileMetaData footer, List<String> leaf) {
    ByteBuffer s = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    s.putInt(leaf.size());
    for (String part : leaf) {
      byte[] b = part.getBytes(StandardCharsets.UTF_8);
      s.putInt(b.length).put(b);
    }
    s.putLong(footer.getRow_groups().stream().mapToLong(RowGroup::getNum_rows).sum());
    s.putInt(footer.getRow_groupsSize());
    for (RowGroup group : footer.getRow_groups()) {
      ColumnMetaData c = group.getColumns().stream().map(ColumnChunk::getMeta_data)
          .filter(m -> m.getPath_in_schema().equals(leaf)).findFirst().orElseThrow();
      s.putLong(group.getNum_rows());
      s.putInt(c.getCodec().getValue());
      s.putLong(c.getData_page_offset());
      s.putLong(c.isSetDictionary_page_offset() ? c.getDictionary_page_offset() : 0);
      s.putLong(c.getTotal_compressed_size());
      s.putLong(c.getNum_values());
    }
    byte[] bytes = Arrays.copyOf(s.array(), s.position());
    byte[] reversed = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      reversed[i] = bytes[bytes.length - 1 - i];
    }
    CRC32C forward = new CRC32C();
    forward.update(bytes);
    CRC32C backward = new CRC32C();
    backward.update(reversed);
    return forward.getValue() << 32 | backward.getValue();
  }
}
