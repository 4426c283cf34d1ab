package io.pqvector.parquet.appendix;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** A real Parquet file written and read by parquet-mr: an int column and a float-list column. */
final class SampleParquet {

  static final int ROWS = 3000;

  static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
      "message sample {\n"
          + "  required int32 id;\n"
          + "  required group embedding (LIST) {\n"
          + "    repeated group list { required float element; }\n"
          + "  }\n"
          + "}");

  private SampleParquet() {}

  /** One row as plain values: id, then the floats; compared exactly. */
  record Row(int id, List<Float> embedding) {}

  static void write(Path file, Map<String, String> extraMetaData) throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(SCHEMA)
        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
        .withRowGroupSize(16 * 1024L) // several row groups
        .withPageSize(4 * 1024)
        .withExtraMetaData(extraMetaData)
        .build()) {
      for (int i = 0; i < ROWS; i++) {
        Group row = groups.newGroup().append("id", i);
        Group list = row.addGroup("embedding");
        for (int j = 0; j < 1 + i % 5; j++) {
          list.addGroup("list").append("element", i * 0.25f - j / 3f);
        }
        writer.write(row);
      }
    }
  }

  static List<Row> rows(Path file) throws IOException {
    List<Row> rows = new ArrayList<>();
    try (ParquetReader<Group> reader = new ParquetReader.Builder<Group>(new LocalInputFile(file), new PlainParquetConfiguration()) {
      @Override
      protected ReadSupport<Group> getReadSupport() {
        return new GroupReadSupport();
      }
    }.build()) {
      for (Group g = reader.read(); g != null; g = reader.read()) {
        Group list = g.getGroup("embedding", 0);
        List<Float> values = new ArrayList<>();
        for (int j = 0; j < list.getFieldRepetitionCount("list"); j++) {
          values.add(list.getGroup("list", j).getFloat("element", 0));
        }
        rows.add(new Row(g.getInteger("id", 0), values));
      }
    }
    return rows;
  }

  static FileMetaData footer(Path file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file),
        ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
      return reader.getFileMetaData();
    }
  }

  static int rowGroups(Path file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file),
        ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
      return reader.getRowGroups().size();
    }
  }
}
