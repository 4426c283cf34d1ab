package io.pqvector.calcite.rows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import io.pqvector.parquet.LocalCodecFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading chosen rows through offset indexes, on columns whose pages end at different rows (as
 * in every file {@code rewrite} writes). parquet-mr 1.18's row-range selection returns, for the
 * last selected row, an earlier row's value of a column whose page ends before that row
 * (apache/parquet-java#3747); the reader must not.
 */
class ParquetRowReaderTest {
  private static final MessageType SCHEMA = Types.buildMessage()
      .required(PrimitiveTypeName.INT64).named("id")
      .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("note")
      .named("rows");

  @TempDir
  Path dir;

  private static String note(long id) {
    return "note of row " + id + " ".repeat(60);
  }

  /** 3,000 rows in row groups of about 1,000: id pages of ~100 rows, note pages of ~10. */
  private Path write() throws IOException {
    Path file = dir.resolve("rows.parquet");
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(SCHEMA)
        .withCodecFactory(new LocalCodecFactory(file))
        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withDictionaryEncoding(false)
        .withPageSize(800)
        .withMinRowCountForPageSizeCheck(1)
        .withMaxRowCountForPageSizeCheck(1)
        .withRowGroupSize(90_000)
        .build()) {
      for (long i = 0; i < 3000; i++) {
        Group g = groups.newGroup();
        g.add("id", i);
        if (i % 17 != 0) {
          g.add("note", note(i));
        }
        writer.write(g);
      }
    }
    return file;
  }

  @Test
  void lastWantedRowOfEachRowGroupIsItself() throws IOException {
    Path file = write();
    long[][] selections = {
        {3, 500}, {3, 4, 5, 990}, {0, 2999}, {7}, {150, 151, 1500, 1501, 2998, 2999},
        {10, 990, 1010, 1990, 2010, 2990}};
    for (long[] wanted : selections) {
      List<Long> ids = new ArrayList<>();
      try (ParquetRowReader reader = new ParquetRowReader(file, new String[] {"id", "note"},
          FilterCompat.NOOP, wanted)) {
        Object[] row;
        while ((row = reader.next()) != null) {
          long id = reader.lastRowIndex();
          assertEquals(id, ((Number) row[0]).longValue(), "id of row " + id);
          if (id % 17 == 0) {
            assertNull(row[1], "note of row " + id);
          } else {
            assertEquals(note(id), row[1], "note of row " + id);
          }
          ids.add(id);
        }
      }
      List<Long> expected = new ArrayList<>();
      for (long w : wanted) {
        expected.add(w);
      }
      assertEquals(expected, ids);
    }
  }
}
