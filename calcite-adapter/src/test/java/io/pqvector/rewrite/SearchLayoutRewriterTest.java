package io.pqvector.rewrite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.ivf.FileIndex;
import io.pqvector.ivf.IndexBuildException;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.ivf.IvfProbe;
import io.pqvector.ivf.KMeans;
import io.pqvector.parquet.LocalCodecFactory;
import io.pqvector.parquet.LocalFileInput;
import io.pqvector.parquet.decode.PageTable;
import io.pqvector.parquet.ParquetFiles;
import io.pqvector.parquet.decode.VectorBatch;
import io.pqvector.parquet.decode.VectorColumn;
import io.pqvector.vector.Metric;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchLayoutRewriterTest {
  static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
      "message doc {\n"
          + "  required int32 id;\n"
          + "  optional binary name (STRING);\n"
          + "  optional group embedding (LIST) { repeated group list { optional float element; } }\n"
          + "  optional int64 ts (TIMESTAMP(MILLIS,true));\n"
          + "  optional group tags (LIST) { repeated group list { optional binary element (STRING); } }\n"
          + "}");
  static final int DIM = 16;
  static final int ROWS = 3000;
  static final int LISTS = 10;

  @TempDir Path dir;

  /**
   * Clustered vectors; every 17th vector NULL, one empty list, one list with a NULL element;
   * every 5th name NULL; several SNAPPY row groups.
   */
  static void writeInput(Path file, int rows, long seed) throws IOException {
    Random r = new Random(seed);
    float[][] centres = new float[LISTS][DIM];
    for (float[] c : centres) {
      for (int d = 0; d < DIM; d++) {
        c[d] = (float) (r.nextGaussian() * 10);
      }
    }
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withCodecFactory(new LocalCodecFactory(file))
        .withType(SCHEMA)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withRowGroupRowCountLimit(700)
        .withExtraMetaData(Map.of("source", "test", "pqvector.ivf.stale", "1:2"))
        .build()) {
      for (int i = 0; i < rows; i++) {
        Group g = groups.newGroup();
        g.add("id", i);
        if (i % 5 != 0) {
          g.add("name", "row " + i);
        }
        if (i % 3 == 0) {
          g.add("ts", 1_700_000_000_000L + i);
        }
        Group tags = g.addGroup("tags");
        for (int t = 0; t < i % 3; t++) {
          tags.addGroup("list").add("element", "t" + (i * 7 + t) % 11);
        }
        if (i % 17 == 3) {
          writer.write(g); // NULL vector
          continue;
        }
        Group list = g.addGroup("embedding");
        if (i == 100) {
          writer.write(g); // empty list
          continue;
        }
        float[] c = centres[r.nextInt(LISTS)];
        for (int d = 0; d < DIM; d++) {
          Group element = list.addGroup("list");
          if (i == 200 && d == 4) {
            continue; // a NULL element
          }
          element.add("element", c[d] + (float) r.nextGaussian());
        }
        writer.write(g);
      }
    }
  }

  static List<String> rows(Path file) throws IOException {
    List<String> out = new ArrayList<>();
    ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
        .withCodecFactory(new LocalCodecFactory(file)).build();
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalFileInput(file), options)) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      MessageColumnIO io = new ColumnIOFactory().getColumnIO(schema);
      PageReadStore pages;
      while ((pages = reader.readNextRowGroup()) != null) {
        RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(schema));
        for (long i = 0; i < pages.getRowCount(); i++) {
          out.add(records.read().toString());
        }
      }
    }
    return out;
  }

  private SearchLayoutRewriter rewriter(Path in, Path out) {
    return SearchLayoutRewriter.from(in).to(out).column("embedding").lists(LISTS).seed(7);
  }

  @Test
  void rewritesRowsExactlyGroupedByListWithOnePagePerVectorAndAValidIndex() throws Exception {
    Path in = dir.resolve("in.parquet");
    Path out = dir.resolve("out.parquet");
    writeInput(in, ROWS, 1);
    byte[] inputBytes = Files.readAllBytes(in);
    RewriteReport report = rewriter(in, out).rewrite();

    assertArrayEquals(inputBytes, Files.readAllBytes(in), "input untouched");
    assertEquals(ROWS, report.rows());
    assertEquals(ROWS - 177 - 2, report.indexed()); // 177 NULL, one empty, one with a NULL element
    assertEquals(1, report.passes());
    checkOutput(in, out, Metric.L2);
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of("in.parquet", "out.parquet"),
          files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
    }
  }

  @Test
  void manyPassesUnderATinyBudgetGiveTheSameFile() throws Exception {
    Path in = dir.resolve("in.parquet");
    writeInput(in, ROWS, 2);
    Path one = dir.resolve("one.parquet");
    Path many = dir.resolve("many.parquet");
    assertEquals(1, rewriter(in, one).rewrite().passes());
    RewriteReport report = rewriter(in, many).memoryBudget(60_000).rewrite();
    assertTrue(report.passes() > 5, "passes: " + report.passes());
    checkOutput(in, many, Metric.L2);
    List<String> a = rows(one);
    List<String> b = rows(many);
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i), b.get(i), "row " + i + " of the same rows in the same order");
    }
  }

  @Test
  void cosineAndSmallRowGroups() throws Exception {
    Path in = dir.resolve("in.parquet");
    Path out = dir.resolve("out.parquet");
    writeInput(in, ROWS, 3);
    RewriteReport report = rewriter(in, out).metric(Metric.COSINE).rowGroupBytes(64 << 10)
        .rewrite();
    assertTrue(report.rowGroups() > 1, "row groups: " + report.rowGroups());
    checkOutput(in, out, Metric.COSINE);
  }

  private static void checkOutput(Path in, Path out, Metric metric) throws Exception {
    // (1) the same multiset of rows, every column
    List<String> expected = rows(in);
    List<String> actual = rows(out);
    Collections.sort(expected);
    Collections.sort(actual);
    assertEquals(expected, actual);

    // schema, metadata and codecs
    ParquetMetadata inFooter = ParquetFiles.readFooter(in);
    ParquetMetadata footer = ParquetFiles.readFooter(out);
    assertEquals(inFooter.getFileMetaData().getSchema(), footer.getFileMetaData().getSchema());
    Map<String, String> kv = footer.getFileMetaData().getKeyValueMetaData();
    assertEquals("test", kv.get("source"));
    assertNull(kv.get("pqvector.ivf.stale"));
    assertNotNull(kv.get("pqvector.ivf.embedding"));
    for (BlockMetaData block : footer.getBlocks()) {
      for (ColumnChunkMetaData chunk : block.getColumns()) {
        if (chunk.getPath().toDotString().equals("embedding.list.element")) {
          assertEquals(CompressionCodecName.UNCOMPRESSED, chunk.getCodec());
          assertFalse(chunk.hasDictionaryPage(), "no dictionary for the vector column");
          assertNotNull(chunk.getOffsetIndexReference(), "offset index");
          assertNull(chunk.getColumnIndexReference(), "no column index");
          assertTrue(chunk.getStatistics() == null || !chunk.getStatistics().hasNonNullValue(),
              "no min/max statistics");
        } else {
          assertEquals(CompressionCodecName.SNAPPY, chunk.getCodec(), chunk.getPath().toString());
        }
      }
    }

    FileIndex index = FileIndex.load(out, footer, "embedding");
    assertEquals(FileIndex.Status.OK, index.status(), index.problem());
    assertEquals(metric, index.metric());
    int lists = index.index().listCount();
    long indexed = index.index().header().indexedCount();
    try (VectorColumn vectors = VectorColumn.open(out, "embedding")) {
      // (2) one vector per page and an offset index
      float[][] byRow = new float[(int) vectors.rowCount()][];
      for (int rg = 0; rg < vectors.rowGroupCount(); rg++) {
        assertTrue(vectors.hasOffsetIndex(rg));
        PageTable pages = vectors.pages(rg);
        long first = vectors.rowGroupFirstRow(rg);
        for (int p = 0; p < pages.pageCount(); p++) {
          VectorBatch batch = vectors.readPage(rg, p);
          boolean hasVector = false;
          for (int r = 0; r < batch.rowCount(); r++) {
            if (!batch.isNull(r) && batch.length(r) > 0) {
              hasVector = true;
              byRow[(int) (first + pages.firstRow(p) + r)] = java.util.Arrays.copyOfRange(
                  batch.values(), batch.offset(r), batch.offset(r) + batch.length(r));
            }
          }
          if (hasVector) {
            assertEquals(1, batch.rowCount(), "rows in page " + p + " of row group " + rg);
          }
        }
      }
      // (3) each list a contiguous row range, lists in order, rows without a vector last
      int next = 0;
      for (int l = 0; l < lists; l++) {
        for (int row : index.index().listRowIds(l)) {
          assertEquals(next++, row, "list " + l);
          float[] v = byRow[row].clone();
          if (metric == Metric.COSINE) {
            io.pqvector.vector.VectorKernels.normalize(v, 0, v.length);
          }
          assertEquals(l, KMeans.nearest(index.centroids(), lists, v, 0, v.length, metric),
              "row " + row + " lies in the range of the list of its nearest centroid");
        }
      }
      assertEquals(indexed, next);
      for (int row = next; row < byRow.length; row++) {
        assertNull(byRow[row], "row " + row + " after the lists has no vector");
      }
      for (int row = 0; row < next; row++) {
        assertNotNull(byRow[row]);
      }

      // (4) IVF search at nprobe = all lists finds the exact nearest neighbour
      Random random = new Random(5);
      for (int q = 0; q < 8; q++) {
        float[] query = byRow[random.nextInt(next)].clone();
        for (int d = 0; d < query.length; d++) {
          query[d] += (float) random.nextGaussian() * 0.5f;
        }
        int[] order = IvfProbe.order(index, query);
        IvfProbe.Candidates candidates = IvfProbe.candidates(index, order, lists, 1, null);
        assertTrue(candidates.exhaustive);
        double best = Double.MAX_VALUE;
        for (int row : candidates.rows) {
          int rg = vectors.rowGroupOf(row);
          long inGroup = row - vectors.rowGroupFirstRow(rg);
          PageTable pages = vectors.pages(rg);
          int page = pages.pageOf(inGroup);
          VectorBatch batch = vectors.readPage(rg, page);
          int r = (int) (inGroup - pages.firstRow(page));
          float[] v = java.util.Arrays.copyOfRange(batch.values(), batch.offset(r),
              batch.offset(r) + batch.length(r));
          best = Math.min(best, metric.distance(query, v));
        }
        double exact = Double.MAX_VALUE;
        try (VectorColumn original = VectorColumn.open(in, "embedding")) {
          for (int rg = 0; rg < original.rowGroupCount(); rg++) {
            VectorBatch batch = original.readRowGroup(rg);
            for (int r = 0; r < batch.rowCount(); r++) {
              if (!batch.isNull(r) && batch.length(r) > 0) {
                float[] v = java.util.Arrays.copyOfRange(batch.values(), batch.offset(r),
                    batch.offset(r) + batch.length(r));
                exact = Math.min(exact, metric.distance(query, v));
              }
            }
          }
        }
        assertEquals(exact, best, 0.0, "query " + q);
      }
    }
  }

  @Test
  void theIndexMatchesWhatTheIndexCommandWouldTrainOnTheInput() throws Exception {
    Path in = dir.resolve("in.parquet");
    Path out = dir.resolve("out.parquet");
    writeInput(in, ROWS, 8);
    rewriter(in, out).rewrite();
    Path copy = dir.resolve("copy.parquet");
    Files.copy(in, copy);
    IvfIndexBuilder.forFile(copy).column("embedding").lists(LISTS).seed(7).build();
    FileIndex built = FileIndex.load(copy, ParquetFiles.readFooter(copy), "embedding");
    FileIndex rewritten = FileIndex.load(out, ParquetFiles.readFooter(out), "embedding");
    assertEquals(FileIndex.Status.OK, built.status(), built.problem());
    assertArrayEquals(built.centroids(), rewritten.centroids(), 0f, "same training, same centroids");
    for (int l = 0; l < LISTS; l++) {
      assertEquals(built.index().listSize(l), rewritten.index().listSize(l), "size of list " + l);
    }
  }

  /** Other list layouts, short vectors (one row per page for every column), NULL and empty lists. */
  @Test
  void legacyListLayoutsAndShortVectorsRoundTrip() throws Exception {
    String[] fields = {
        "repeated float v;",
        "optional group v (LIST) { repeated float array; }",
        "required group v (LIST) { repeated group list { required float element; } }",
        "optional group v (LIST) { repeated group bag { optional float array_element; } }"};
    for (int f = 0; f < fields.length; f++) {
      MessageType schema = MessageTypeParser.parseMessageType(
          "message m { required int64 id; " + fields[f] + " }");
      Path in = dir.resolve("legacy" + f + ".parquet");
      Path out = dir.resolve("legacy" + f + ".out.parquet");
      Random r = new Random(f);
      try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(in))
          .withConf(new PlainParquetConfiguration())
          .withCodecFactory(new LocalCodecFactory(in))
          .withType(schema).withCompressionCodec(CompressionCodecName.ZSTD).build()) {
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        for (int i = 0; i < 500; i++) {
          Group g = groups.newGroup();
          g.add("id", (long) i);
          boolean empty = i % 23 == 5;
          boolean nullList = i % 29 == 7 && !schema.getType("v").isRepetition(
              org.apache.parquet.schema.Type.Repetition.REQUIRED);
          if (f == 0) {
            for (int d = 0; d < 4 && !empty; d++) {
              g.add("v", r.nextFloat() + i % 3);
            }
          } else if (!nullList) {
            Group v = g.addGroup("v");
            for (int d = 0; d < 4 && !empty; d++) {
              if (f == 1) {
                v.add("array", r.nextFloat() + i % 3);
              } else if (f == 2) {
                v.addGroup("list").add("element", r.nextFloat() + i % 3);
              } else {
                Group e = v.addGroup("bag");
                if (i % 31 != 9 || d != 2) {
                  e.add("array_element", r.nextFloat() + i % 3);
                }
              }
            }
          }
          writer.write(g);
        }
      }
      SearchLayoutRewriter.from(in).to(out).column("v").lists(3).rewrite();
      List<String> expected = rows(in);
      List<String> actual = rows(out);
      Collections.sort(expected);
      Collections.sort(actual);
      assertEquals(expected, actual, fields[f]);
      ParquetMetadata footer = ParquetFiles.readFooter(out);
      assertEquals(schema, footer.getFileMetaData().getSchema());
      FileIndex index = FileIndex.load(out, footer, "v");
      assertEquals(FileIndex.Status.OK, index.status(), index.problem());
      try (VectorColumn vectors = VectorColumn.open(out, "v")) {
        for (int rg = 0; rg < vectors.rowGroupCount(); rg++) {
          PageTable pages = vectors.pages(rg);
          assertEquals(vectors.rowGroupRowCount(rg), pages.pageCount(), fields[f]);
        }
      }
    }
  }

  @Test
  void refusesToOverwriteItsInput() throws Exception {
    Path in = dir.resolve("in.parquet");
    writeInput(in, 400, 4);
    byte[] before = Files.readAllBytes(in);
    IndexBuildException e = assertThrows(IndexBuildException.class,
        () -> rewriter(in, in).force(true).rewrite());
    assertTrue(e.getMessage().contains("is the input file"), e.getMessage());
    IndexBuildException viaOtherPath = assertThrows(IndexBuildException.class,
        () -> rewriter(in, dir.resolve("sub/../in.parquet")).force(true).rewrite());
    assertTrue(viaOtherPath.getMessage().contains("is the input file"));
    assertArrayEquals(before, Files.readAllBytes(in));
  }

  @Test
  void existingOutputNeedsForce() throws Exception {
    Path in = dir.resolve("in.parquet");
    Path out = dir.resolve("out.parquet");
    writeInput(in, 400, 5);
    Files.writeString(out, "keep me");
    IndexBuildException e = assertThrows(IndexBuildException.class,
        () -> rewriter(in, out).rewrite());
    assertTrue(e.getMessage().contains("already exists") && e.getMessage().contains("--force"),
        e.getMessage());
    assertEquals("keep me", Files.readString(out));
    rewriter(in, out).force(true).rewrite();
    assertEquals(FileIndex.Status.OK,
        FileIndex.load(out, ParquetFiles.readFooter(out), "embedding").status());
  }

  @Test
  void wrongOrMissingColumnIsNamed() throws Exception {
    Path in = dir.resolve("in.parquet");
    Path out = dir.resolve("out.parquet");
    writeInput(in, 400, 6);
    IndexBuildException wrongType = assertThrows(IndexBuildException.class,
        () -> SearchLayoutRewriter.from(in).to(out).column("name").rewrite());
    assertTrue(wrongType.getMessage().contains("'name'")
        && wrongType.getMessage().contains("not a list of FLOAT")
        && wrongType.getMessage().contains(in.toString()), wrongType.getMessage());
    IndexBuildException stringList = assertThrows(IndexBuildException.class,
        () -> SearchLayoutRewriter.from(in).to(out).column("tags").rewrite());
    assertTrue(stringList.getMessage().contains("'tags'"), stringList.getMessage());
    IndexBuildException missing = assertThrows(IndexBuildException.class,
        () -> SearchLayoutRewriter.from(in).to(out).column("vec").rewrite());
    assertTrue(missing.getMessage().contains("'vec' not found"), missing.getMessage());
    IndexBuildException noDir = assertThrows(IndexBuildException.class,
        () -> rewriter(in, dir.resolve("nope/out.parquet")).rewrite());
    assertTrue(noDir.getMessage().contains("does not exist"), noDir.getMessage());
    assertFalse(Files.exists(out));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(1, files.count(), "nothing but the input");
    }
  }
}
