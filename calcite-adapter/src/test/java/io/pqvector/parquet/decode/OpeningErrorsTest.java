package io.pqvector.parquet.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.parquet.LocalCodecFactory;
import io.pqvector.parquet.PageCompression;
import io.pqvector.parquet.ParquetFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Error messages must name the file, and the column and its actual type where one is involved. */
class OpeningErrorsTest {
  @TempDir Path dir;

  @Test
  void notParquet() throws IOException {
    Path file = dir.resolve("notes.txt");
    Files.writeString(file, "just some text, long enough to have a tail");
    IOException e = assertThrows(IOException.class, () -> ParquetFiles.readFooter(file));
    assertMessage(e, file.toString(), "not a Parquet file");
    e = assertThrows(IOException.class, () -> VectorColumn.open(file, "v"));
    assertMessage(e, file.toString(), "not a Parquet file");
  }

  @Test
  void tooShort() throws IOException {
    Path file = dir.resolve("short.parquet");
    Files.write(file, "PAR1".getBytes(StandardCharsets.US_ASCII));
    assertMessage(assertThrows(IOException.class, () -> ParquetFiles.open(file)), file.toString(), "too short");
  }

  @Test
  void truncated() throws IOException {
    Path file = writeVectors(dir.resolve("t.parquet"));
    byte[] bytes = Files.readAllBytes(file);
    Path cut = dir.resolve("cut.parquet");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 10));
    assertMessage(assertThrows(IOException.class, () -> ParquetFiles.readFooter(cut)), cut.toString(), "truncated");
  }

  @Test
  void encryptedFooter() throws IOException {
    Path file = writeVectors(dir.resolve("e.parquet"));
    byte[] bytes = Files.readAllBytes(file);
    System.arraycopy("PARE".getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, 4);
    System.arraycopy("PARE".getBytes(StandardCharsets.US_ASCII), 0, bytes, bytes.length - 4, 4);
    Files.write(file, bytes);
    assertMessage(assertThrows(IOException.class, () -> ParquetFiles.readFooter(file)), file.toString(),
        "encrypted footer");
  }

  @Test
  void corruptFooterLength() throws IOException {
    Path file = writeVectors(dir.resolve("l.parquet"));
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 5] = 0x7F; // footer length's high byte
    Files.write(file, bytes);
    assertMessage(assertThrows(IOException.class, () -> ParquetFiles.readFooter(file)), file.toString(),
        "footer length");
  }

  @Test
  void readsFooterAndFiltersNothing() throws IOException {
    Path file = writeVectors(dir.resolve("ok.parquet"));
    ParquetMetadata footer = ParquetFiles.readFooter(file);
    assertEquals(50, footer.getBlocks().get(0).getRowCount());
    try (ParquetFileReader reader = ParquetFiles.open(file)) {
      assertEquals(1, reader.getRowGroups().size());
    }
  }

  @Test
  void filterPrunesRowGroupsByStatistics() throws IOException {
    Path file = dir.resolve("f.parquet");
    TestVectorFile.write(file, new TestVectorFile.Spec().rows(500).rowGroupRows(128));
    org.apache.parquet.filter2.compat.FilterCompat.Filter idAbove400 = org.apache.parquet.filter2.compat.FilterCompat
        .get(org.apache.parquet.filter2.predicate.FilterApi.gt(
            org.apache.parquet.filter2.predicate.FilterApi.longColumn("id"), 400L));
    try (ParquetFileReader all = ParquetFiles.open(file);
        ParquetFileReader pruned = ParquetFiles.open(file, idAbove400)) {
      assertEquals(4, all.getRowGroups().size());
      assertEquals(1, pruned.getRowGroups().size());
      assertEquals(500 - 384, pruned.getRowGroups().get(0).getRowCount());
    }
  }

  @Test
  void unsupportedCodecNamesFileAndCodec() {
    IOException e = assertThrows(IOException.class,
        () -> PageCompression.of(CompressionCodecName.LZO, Path.of("/data/x.parquet")));
    assertMessage(e, "/data/x.parquet", "LZO");
  }

  @Test
  void missingColumn() throws IOException {
    Path file = writeVectors(dir.resolve("m.parquet"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> VectorColumn.open(file, "nope"));
    assertMessage(e, file.toString(), "'nope'", "not found", "[id, v, label]");
  }

  @Test
  void wrongColumnTypes() throws IOException {
    String[][] cases = {
      {"required int64 x;", "int64 x"},
      {"optional binary x (STRING);", "binary x"},
      {"optional group x (LIST) { repeated group list { optional int32 element; } }", "int32 element"},
      {"optional group x (LIST) { repeated group list { optional binary element (STRING); } }", "binary element"},
      {"optional group x (LIST) { repeated group list { optional group element (LIST) {"
          + " repeated group list { optional float element; } } } }", "group element"},
      {"optional group x { required float a; required float b; }", "float b"},
      {"required float x;", "float x"},
    };
    for (String[] c : cases) {
      Path file = dir.resolve("w" + Math.abs(c[0].hashCode()) + ".parquet");
      MessageType schema = MessageTypeParser.parseMessageType("message m { " + c[0] + " }");
      try (ParquetWriter<org.apache.parquet.example.data.Group> writer =
          ExampleParquetWriter.builder(new LocalOutputFile(file))
              .withConf(new PlainParquetConfiguration())
              .withType(schema)
              .withCodecFactory(new LocalCodecFactory(file))
              .build()) {
        // an empty file is enough: only the schema matters
      }
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> VectorColumn.open(file, "x"), c[0]);
      assertMessage(e, file.toString(), "'x'", "not a list of FLOAT or DOUBLE", c[1]);
    }
  }

  private static Path writeVectors(Path file) throws IOException {
    TestVectorFile.write(file, new TestVectorFile.Spec().rows(50));
    return file;
  }

  static void assertMessage(Exception e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage() != null && e.getMessage().contains(part),
          "message should contain \"" + part + "\": " + e.getMessage());
    }
  }
}
