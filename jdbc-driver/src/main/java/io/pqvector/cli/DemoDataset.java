package io.pqvector.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * A realistic sample: documents with an id, a title, a language, a year, a price and an embedding
 * drawn around a few hundred topic centres (real embeddings cluster by topic, which is what makes
 * IVF work; uniform noise would not). Deterministic for a seed.
 */
public final class DemoDataset {
  static final String[] LANGS = {"en", "en", "en", "de", "fr", "es", "ja"};
  static final String[] WORDS = {"vector", "search", "parquet", "index", "query", "cluster",
      "embedding", "nearest", "neighbour", "table", "column", "engine", "file", "page", "footer"};

  public static final MessageType SCHEMA = Types.buildMessage()
      .required(PrimitiveTypeName.INT64).named("id")
      .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("title")
      .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("lang")
      .optional(PrimitiveTypeName.INT32).named("year")
      .optional(PrimitiveTypeName.DOUBLE).named("price")
      .optionalList().optionalElement(PrimitiveTypeName.FLOAT).named("embedding")
      .named("docs");

  private DemoDataset() {}

  /** The embedding of row {@code i}: its topic centre plus noise. */
  static float[][] centres(int topics, int dim, long seed) {
    Random r = new Random(seed);
    float[][] c = new float[topics][dim];
    for (float[] v : c) {
      for (int d = 0; d < dim; d++) {
        v[d] = (float) r.nextGaussian();
      }
    }
    return c;
  }

  public static void write(Path file, int rows, int dim, long seed) throws IOException {
    Files.deleteIfExists(file);
    int topics = Math.max(8, (int) Math.sqrt(rows) / 2);
    float[][] centres = centres(topics, dim, seed);
    Random r = new Random(seed + 1);
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(SCHEMA)
        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withRowGroupSize(32L << 20)
        .build()) {
      for (int i = 0; i < rows; i++) {
        int topic = r.nextInt(topics);
        Group g = groups.newGroup();
        g.add("id", (long) i);
        g.add("title", WORDS[topic % WORDS.length] + " " + WORDS[r.nextInt(WORDS.length)] + " #" + i);
        g.add("lang", LANGS[r.nextInt(LANGS.length)]);
        g.add("year", 2000 + r.nextInt(26));
        g.add("price", Math.round(r.nextDouble() * 10000) / 100.0);
        Group list = g.addGroup("embedding").addGroup("list");
        Group first = list;
        float[] c = centres[topic];
        for (int d = 0; d < dim; d++) {
          Group element = d == 0 ? first : g.getGroup("embedding", 0).addGroup("list");
          element.add("element", c[d] + (float) r.nextGaussian() * 0.35f);
        }
        writer.write(g);
      }
    }
  }
}
