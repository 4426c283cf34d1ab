package io.pqvector.calcite.rows;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a few wanted rows through the offset indexes must return those rows' values in every
 * column, also when the columns' page boundaries differ. parquet-mr 1.18.1 returns a value of
 * another row when the last wanted row lies on a later page than the one before it
 * (apache/parquet-java#3747); this is how {@code rewrite} copies returned rows with another row's
 * distance. Every set of up to three rows is read, in files of one and of several row groups.
 */
class ParquetRowReaderWantedRowsTest {
  private static final int ROWS = 60;
  @TempDir static Path dir;
  private static Path oneGroup;
  private static Path threeGroups;

  @BeforeAll
  static void write() throws IOException {
    oneGroup = write("one.parquet", Integer.MAX_VALUE);
    threeGroups = write("three.parquet", 23);
  }

  /**
   * Column {@code a} (int64) and {@code b} (a string of varying length) get pages of a few rows
   * each whose boundaries differ, as in files parquet-mr writes with small pages.
   */
  private static Path write(String name, int rowsPerGroup) throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType(
        "message t { required int64 a; optional binary b (STRING); }");
    Path file = dir.resolve(name);
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(schema)
        .withCodecFactory(new io.pqvector.parquet.LocalCodecFactory(file))
        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
        .withDictionaryEncoding(false)
        .withPageSize(64)
        .withMinRowCountForPageSizeCheck(1)
        .withMaxRowCountForPageSizeCheck(1)
        .withRowGroupSize(rowsPerGroup == Integer.MAX_VALUE ? 1L << 30 : rowsPerGroup * 30L)
        .withRowGroupRowCountLimit(rowsPerGroup)
        .build()) {
      for (int r = 0; r < ROWS; r++) {
        Group g = groups.newGroup().append("a", 1000L + r);
        if (r % 7 != 3) {
          g.append("b", "row-" + r + "-".repeat(r % 5 * 3));
        }
        writer.write(g);
      }
    }
    return file;
  }

  @Test
  void everySetOfUpToThreeRowsOfOneRowGroup() throws IOException {
    checkAllSets(oneGroup);
  }

  @Test
  void everySetOfUpToThreeRowsAcrossRowGroups() throws IOException {
    checkAllSets(threeGroups);
  }

  @Test
  void theFilesHaveOffsetIndexesAndSeveralPagesPerColumn() throws IOException {
    try (var reader = io.pqvector.parquet.ParquetFiles.open(threeGroups)) {
      assertEquals(3, reader.getRowGroups().size());
      var chunk = reader.getRowGroups().get(0).getColumns().get(0);
      assertNotNull(chunk.getOffsetIndexReference(), "offset index of column a");
      var offsets = reader.readOffsetIndex(chunk);
      assertEquals(true, offsets.getPageCount() >= 3, "pages of column a: " + offsets.getPageCount());
    }
  }

  private static void checkAllSets(Path file) throws IOException {
    List<long[]> sets = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      sets.add(new long[] {i});
      for (int j = i + 1; j < ROWS; j++) {
        sets.add(new long[] {i, j});
        for (int k = j + 1; i % 4 == 0 && k < ROWS; k += 13) {
          sets.add(new long[] {i, j, k});
        }
      }
    }
    sets.add(new long[] {0, ROWS - 1});
    sets.add(new long[] {21, 22, 23, 45, 46, ROWS - 1});
    for (long[] wanted : sets) {
      List<Long> rows = new ArrayList<>();
      try (ParquetRowReader reader = new ParquetRowReader(file, new String[] {"a", "b"},
          FilterCompat.NOOP, wanted)) {
        Object[] row;
        while ((row = reader.next()) != null) {
          long r = reader.lastRowIndex();
          rows.add(r);
          String at = file.getFileName() + " rows " + java.util.Arrays.toString(wanted) + ", row " + r;
          assertEquals(1000L + r, ((Number) row[0]).longValue(), at + ": column a");
          assertEquals(r % 7 == 3 ? null : "row-" + r + "-".repeat((int) r % 5 * 3), row[1],
              at + ": column b");
        }
      }
      assertArrayEquals(wanted, rows.stream().mapToLong(Long::longValue).toArray());
    }
  }
}
