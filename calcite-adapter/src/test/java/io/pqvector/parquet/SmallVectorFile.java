package io.pqvector.parquet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** A small parquet-mr file for tests: {@code id BIGINT} and a FLOAT list {@code v}, two row groups. */
public final class SmallVectorFile {
  private SmallVectorFile() {}

  /** Writes {@code rows} uniform random vectors of {@code dim} floats; returns them by row. */
  public static float[][] write(Path file, int rows, int dim, long seed) throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType("message m { required int64 id;"
        + " optional group v (LIST) { repeated group list { optional float element; } } }");
    Random rnd = new Random(seed);
    float[][] out = new float[rows][dim];
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withCodecFactory(new LocalCodecFactory(file))
        .withType(schema)
        .withRowGroupRowCountLimit(Math.max(1, rows / 2))
        .build()) {
      for (int r = 0; r < rows; r++) {
        Group g = groups.newGroup();
        g.add("id", (long) r);
        Group list = g.addGroup("v");
        for (int d = 0; d < dim; d++) {
          out[r][d] = rnd.nextFloat() * 2 - 1;
          list.addGroup("list").add("element", out[r][d]);
        }
        writer.write(g);
      }
    }
    return out;
  }
}
