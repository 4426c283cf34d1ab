package io.pqvector.parquet.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.parquet.decode.TestVectorFile.Layout;
import io.pqvector.parquet.decode.TestVectorFile.Row;
import io.pqvector.parquet.decode.TestVectorFile.Spec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Writes files with parquet-mr in many variants and checks every decoded value, by row group and by page. */
class VectorColumnTest {
  @TempDir Path dir;

  static Stream<Arguments> variants() {
    return Stream.of(
        variant("plain, several row groups", new Spec().rows(500).rowGroupRows(128)),
        variant("one vector per page", new Spec().onePerPage().rows(300).rowGroupRows(100)),
        variant("many vectors per page", new Spec().rows(1000).pageSize(1024).rowGroupRows(400)),
        variant("one page per chunk (DuckDB-like)", new Spec().rows(700).pageSize(64 << 20).dimension(16)),
        variant("snappy", new Spec().codec(CompressionCodecName.SNAPPY).rows(600).pageSize(2048).rowGroupRows(250)),
        variant("zstd", new Spec().codec(CompressionCodecName.ZSTD).rows(600).pageSize(2048).rowGroupRows(250)),
        variant("gzip", new Spec().codec(CompressionCodecName.GZIP).rows(600).pageSize(2048).rowGroupRows(250)),
        variant("lz4_raw", new Spec().codec(CompressionCodecName.LZ4_RAW).rows(600).pageSize(2048).rowGroupRows(250)),
        variant("lz4 (Hadoop framing) one per page v2", new Spec().codec(CompressionCodecName.LZ4).v2().onePerPage()
            .rows(150)),
        variant("snappy one per page", new Spec().codec(CompressionCodecName.SNAPPY).onePerPage().rows(120)),
        variant("dictionary v1", new Spec().dictionary(16).rows(800).pageSize(1024).rowGroupRows(300)),
        variant("dictionary v2", new Spec().dictionary(16).v2().rows(800).pageSize(1024).rowGroupRows(300)),
        variant("dictionary falls back to plain", new Spec().dictionary(0).dictionaryPageSize(512).rows(400)
            .pageSize(512)),
        variant("dictionary snappy one per page", new Spec().dictionary(8).codec(CompressionCodecName.SNAPPY)
            .onePerPage().rows(150)),
        variant("double elements", new Spec().doubles().rows(400).pageSize(2048).rowGroupRows(150)),
        variant("double dictionary", new Spec().doubles().dictionary(10).rows(400).pageSize(2048)),
        variant("double zstd v2", new Spec().doubles().v2().codec(CompressionCodecName.ZSTD).rows(300)
            .pageSize(2048)),
        variant("nulls and empty lists", new Spec().nulls().emptyLists().rows(500).pageSize(1024)
            .rowGroupRows(200)),
        variant("nulls and empty lists one per page", new Spec().nulls().emptyLists().onePerPage().rows(200)),
        variant("nulls v2 snappy", new Spec().nulls().emptyLists().v2().codec(CompressionCodecName.SNAPPY)
            .rows(500).pageSize(1024)),
        variant("nulls dictionary", new Spec().nulls().emptyLists().dictionary(12).rows(500).pageSize(1024)),
        variant("ragged lengths", new Spec().ragged().emptyLists().rows(600).pageSize(1500).rowGroupRows(250)),
        variant("data page v2", new Spec().v2().rows(500).pageSize(1024).rowGroupRows(200)),
        variant("data page v2 one per page gzip", new Spec().v2().onePerPage().codec(CompressionCodecName.GZIP)
            .rows(150)),
        variant("byte stream split", new Spec().byteStreamSplit().rows(400).pageSize(1024)),
        variant("byte stream split double v2", new Spec().byteStreamSplit().doubles().v2().rows(400)
            .pageSize(2048)),
        variant("required list and element", new Spec().layout(Layout.STANDARD_REQUIRED).emptyLists().rows(300)
            .pageSize(1024)),
        variant("legacy two-level list", new Spec().layout(Layout.TWO_LEVEL).nulls().emptyLists().rows(300)
            .pageSize(1024)),
        variant("legacy bare repeated", new Spec().layout(Layout.BARE_REPEATED).emptyLists().rows(300)
            .pageSize(1024).rowGroupRows(120)),
        variant("legacy array group", new Spec().layout(Layout.LEGACY_ARRAY).nulls().emptyLists().rows(300)
            .pageSize(1024)),
        variant("wide vectors", new Spec().dimension(384).rows(100).onePerPage().rowGroupRows(40)));
  }

  private static Arguments variant(String name, Spec spec) {
    return Arguments.of(name, spec);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void decodesEveryValue(String name, Spec spec) throws IOException {
    Path file = dir.resolve("v.parquet");
    Row[] rows = TestVectorFile.write(file, spec);
    try (VectorColumn column = VectorColumn.open(file, "v")) {
      assertEquals(rows.length, column.rowCount());
      assertEquals(spec.isDouble, column.isDouble());
      long first = 0;
      for (int rg = 0; rg < column.rowGroupCount(); rg++) {
        assertEquals(first, column.rowGroupFirstRow(rg));
        assertEquals(rg, column.rowGroupOf(first));
        assertEquals(rg, column.rowGroupOf(first + column.rowGroupRowCount(rg) - 1));
        VectorBatch batch = column.readRowGroup(rg);
        assertBatch(rows, first, batch, name + " row group " + rg);
        assertBatch(rows, first, column.readRowGroupWithParquetMr(rg), name + " parquet-mr row group " + rg);

        PageTable pages = column.pages(rg);
        assertPageTable(pages, column.rowGroupRowCount(rg));
        assertEquals(pages, column.pagesByScanningHeaders(rg), "offset index and header scan disagree");
        for (int p = 0; p < pages.pageCount(); p++) {
          VectorBatch page = column.readPage(rg, p);
          assertEquals(pages.rowCount(p), page.rowCount());
          assertBatch(rows, first + pages.firstRow(p), page, name + " rg " + rg + " page " + p);
        }
        first += column.rowGroupRowCount(rg);
      }
      assertEquals(rows.length, first);
      if (spec.rowGroupRows < spec.rows) {
        assertTrue(column.rowGroupCount() > 1, "expected several row groups");
      }
      if (spec.onePerPage && !spec.nulls && !spec.emptyLists) { // NULL and empty rows are too small to fill a page

        assertEquals(column.rowGroupRowCount(0), column.pages(0).pageCount(), "one vector per page");
      }
    }
  }

  static void assertPageTable(PageTable pages, long rowGroupRows) {
    long sum = 0;
    for (int p = 0; p < pages.pageCount(); p++) {
      assertEquals(sum, pages.firstRow(p));
      assertTrue(pages.rowCount(p) > 0);
      assertEquals(p, pages.pageOf(pages.firstRow(p)));
      sum += pages.rowCount(p);
    }
    assertEquals(rowGroupRows, sum);
    PageTable copy = new PageTable(pages.headerOffsets(), pages.compressedSizes(), pages.firstRows(),
        pages.rowGroupRows(), pages.dictionaryOffset(), pages.dictionarySize());
    assertEquals(pages, copy);
  }

  static void assertBatch(Row[] rows, long firstRow, VectorBatch batch, String what) {
    float[] values = batch.values();
    for (int i = 0; i < batch.rowCount(); i++) {
      Row expected = rows[(int) (firstRow + i)];
      String at = what + ", row " + (firstRow + i);
      assertEquals(expected.isNull(), batch.isNull(i), at + " null");
      float[] actual = Arrays.copyOfRange(values, batch.offset(i), batch.offset(i) + batch.length(i));
      assertArrayEquals(expected.isNull() ? new float[0] : expected.values, actual, at);
    }
  }

  static List<Row> rowsOf(Row[] rows) {
    return Arrays.asList(rows);
  }
}
