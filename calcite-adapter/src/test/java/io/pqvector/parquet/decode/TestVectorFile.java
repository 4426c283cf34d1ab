package io.pqvector.parquet.decode;

import io.pqvector.parquet.LocalCodecFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** Writes Parquet files of vectors with parquet-mr, in many variants, and remembers what it wrote. */
final class TestVectorFile {
  /** How the vector column is laid out in the schema. */
  enum Layout {
    /** parquet-mr / DuckDB: {@code optional group v (LIST) { repeated group list { optional float element } }}. */
    STANDARD_OPTIONAL("optional group v (LIST) { repeated group list { optional %s element; } }", true, true),
    STANDARD_REQUIRED("required group v (LIST) { repeated group list { required %s element; } }", false, false),
    /** Legacy 2-level: {@code optional group v (LIST) { repeated float array }}. */
    TWO_LEVEL("optional group v (LIST) { repeated %s array; }", true, false),
    /** Legacy bare repeated field. */
    BARE_REPEATED("repeated %s v;", false, false),
    /** Legacy: {@code optional group v (LIST) { repeated group array { required float element } }}. */
    LEGACY_ARRAY("optional group v (LIST) { repeated group array { required %s element; } }", true, false);

    final String field;
    final boolean nullableList;
    final boolean nullableElement;

    Layout(String field, boolean nullableList, boolean nullableElement) {
      this.field = field;
      this.nullableList = nullableList;
      this.nullableElement = nullableElement;
    }
  }

  /** One row as written: its non-null elements and whether the list or an element was NULL. */
  static final class Row {
    final float[] values;
    final boolean nullList;
    final boolean nullElement;

    Row(float[] values, boolean nullList, boolean nullElement) {
      this.values = values;
      this.nullList = nullList;
      this.nullElement = nullElement;
    }

    boolean isNull() {
      return nullList || nullElement;
    }
  }

  /** A file to write; builder-style setters. */
  static final class Spec {
    Layout layout = Layout.STANDARD_OPTIONAL;
    boolean isDouble;
    CompressionCodecName codec = CompressionCodecName.UNCOMPRESSED;
    boolean dictionary;
    /** Values drawn from this many distinct floats (small: dictionary stays on); 0 = random. */
    int distinctValues;
    int dictionaryPageSize = 1 << 20;
    WriterVersion writerVersion = WriterVersion.PARQUET_1_0;
    boolean byteStreamSplit;
    boolean onePerPage;
    int pageSize = 1 << 20;
    int rows = 200;
    int dimension = 8;
    boolean raggedLengths;
    boolean nulls;
    boolean emptyLists;
    int rowGroupRows = Integer.MAX_VALUE;
    boolean checksums;
    boolean statistics = true;
    long seed = 42;

    Spec layout(Layout l) { layout = l; return this; }
    Spec doubles() { isDouble = true; return this; }
    Spec codec(CompressionCodecName c) { codec = c; return this; }
    Spec dictionary(int distinct) { dictionary = true; distinctValues = distinct; return this; }
    Spec dictionaryPageSize(int bytes) { dictionaryPageSize = bytes; return this; }
    Spec v2() { writerVersion = WriterVersion.PARQUET_2_0; return this; }
    Spec byteStreamSplit() { byteStreamSplit = true; return this; }
    /** One vector per page; at least 16 floats, as parquet-mr's buffers reject page sizes under 64 bytes. */
    Spec onePerPage() { onePerPage = true; dimension = Math.max(dimension, 16); return this; }
    Spec pageSize(int bytes) { pageSize = bytes; return this; }
    Spec rows(int n) { rows = n; return this; }
    Spec dimension(int d) { dimension = onePerPage ? Math.max(d, 16) : d; return this; }
    Spec ragged() { raggedLengths = true; return this; }
    Spec nulls() { nulls = true; return this; }
    Spec emptyLists() { emptyLists = true; return this; }
    Spec rowGroupRows(int n) { rowGroupRows = n; return this; }
    /** Page CRC checksums in the page headers. */
    Spec checksums() { checksums = true; return this; }
    Spec noStatistics() { statistics = false; return this; }
    Spec seed(long s) { seed = s; return this; }
  }

  static MessageType schema(Layout layout, boolean isDouble) {
    String type = isDouble ? "double" : "float";
    return MessageTypeParser.parseMessageType(
        "message vectors { required int64 id; " + String.format(layout.field, type) + " optional binary label (STRING); }");
  }

  /** Writes {@code spec} to {@code file} and returns the rows written. */
  static Row[] write(Path file, Spec spec) throws IOException {
    MessageType schema = schema(spec.layout, spec.isDouble);
    Random random = new Random(spec.seed);
    Row[] rows = new Row[spec.rows];
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    ExampleParquetWriter.Builder builder = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(schema)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCodecFactory(new LocalCodecFactory(file))
        .withCompressionCodec(spec.codec)
        .withDictionaryEncoding(spec.dictionary)
        .withDictionaryPageSize(spec.dictionaryPageSize)
        .withWriterVersion(spec.writerVersion)
        .withByteStreamSplitEncoding(spec.byteStreamSplit)
        .withRowGroupRowCountLimit(spec.rowGroupRows)
        .withPageRowCountLimit(1_000_000)
        .withPageWriteChecksumEnabled(spec.checksums)
        .withStatisticsEnabled(spec.statistics);
    if (spec.onePerPage) {
      builder = builder.withPageSize(spec.dimension * (spec.isDouble ? 8 : 4))
          .withMinRowCountForPageSizeCheck(1)
          .withMaxRowCountForPageSizeCheck(1);
    } else {
      builder = builder.withPageSize(spec.pageSize)
          .withMinRowCountForPageSizeCheck(1)
          .withMaxRowCountForPageSizeCheck(Math.max(1, Math.min(100, spec.pageSize / (spec.dimension * 4 + 1))));
    }
    try (ParquetWriter<Group> writer = builder.build()) {
      for (int i = 0; i < spec.rows; i++) {
        rows[i] = nextRow(spec, random, i);
        writer.write(toGroup(groups, spec, rows[i], i, random));
      }
    }
    return rows;
  }

  private static Row nextRow(Spec spec, Random random, int i) {
    if (spec.nulls && spec.layout.nullableList && i % 7 == 3) {
      return new Row(new float[0], true, false);
    }
    if (spec.emptyLists && i % 11 == 5) {
      return new Row(new float[0], false, false);
    }
    int length = spec.raggedLengths ? random.nextInt(2 * spec.dimension + 1) : spec.dimension;
    float[] values = new float[length];
    for (int k = 0; k < length; k++) {
      if (spec.distinctValues > 0) {
        values[k] = random.nextInt(spec.distinctValues) * 0.25f - 1f;
      } else if (spec.isDouble) {
        values[k] = (float) random.nextGaussian(); // exactly representable after narrowing back
      } else {
        values[k] = random.nextFloat() * 2 - 1;
      }
    }
    boolean nullElement = spec.nulls && spec.layout.nullableElement && length > 1 && i % 13 == 6;
    return new Row(values, false, nullElement);
  }

  private static Group toGroup(SimpleGroupFactory groups, Spec spec, Row row, int i, Random random) {
    Group g = groups.newGroup().append("id", (long) i);
    if (i % 5 == 0) {
      g.append("label", "row " + i);
    }
    if (row.nullList) {
      return g;
    }
    Layout layout = spec.layout;
    Group list = layout == Layout.BARE_REPEATED ? g : g.addGroup("v");
    for (int k = 0; k < row.values.length; k++) {
      if (row.nullElement && k == 1) {
        list.addGroup("list"); // the NULL element, before the element at index 1
      }
      float value = row.values[k];
      switch (layout) {
        case STANDARD_OPTIONAL:
        case STANDARD_REQUIRED:
          append(list.addGroup("list"), "element", value, spec.isDouble);
          break;
        case LEGACY_ARRAY:
          append(list.addGroup("array"), "element", value, spec.isDouble);
          break;
        case TWO_LEVEL:
          append(list, "array", value, spec.isDouble);
          break;
        case BARE_REPEATED:
          append(list, "v", value, spec.isDouble);
          break;
        default:
          throw new AssertionError(layout);
      }
    }
    return g;
  }

  private static void append(Group group, String field, float value, boolean isDouble) {
    if (isDouble) {
      group.append(field, (double) value);
    } else {
      group.append(field, value);
    }
  }

  private TestVectorFile() {}
}
