package io.pqvector.format;

import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.parquet.LocalCodecFactory;
import io.pqvector.vector.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Random;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Writes the golden files of an index format version (not a test; the files are checked in and
 * never regenerated for a released version: {@code GoldenFormatTest} reads them as any future
 * reader must). Run once per new format version:
 * {@code java -cp <test classpath> io.pqvector.format.GoldenFiles calcite-adapter/src/test/resources/golden/v1.0}
 *
 * <p>{@code parquet-mr.parquet}: 300 rows of (id int64, embedding list of 8 floats), 2 row groups,
 * SNAPPY, indexed in place (l2, 6 lists, seed 42). {@code duckdb.parquet} is indexed in place
 * (cosine, 5 lists, seed 7) if it is present: write it first with DuckDB (see README.md there).
 * Each indexed file's payload is also stored raw, as {@code <name>.ivf}.
 */
public final class GoldenFiles {
  public static void main(String[] args) throws Exception {
    Path dir = Paths.get(args[0]);
    Files.createDirectories(dir);
    Path mr = dir.resolve("parquet-mr.parquet");
    writeParquetMr(mr);
    IvfIndexBuilder.forFile(mr).column("embedding").metric(Metric.L2).lists(6).seed(42).threads(1)
        .build();
    dumpPayload(mr, "embedding");
    Path duck = dir.resolve("duckdb.parquet");
    if (Files.exists(duck)) {
      IvfIndexBuilder.forFile(duck).column("embedding").metric(Metric.COSINE).lists(5).seed(7)
          .threads(1).build();
      dumpPayload(duck, "embedding");
    }
  }

  private static void dumpPayload(Path file, String column) throws Exception {
    byte[] payload = io.pqvector.parquet.appendix.ParquetAppendix.read(file, IvfIndexFormat.footerKey(column));
    Files.write(file.resolveSibling(file.getFileName().toString().replace(".parquet", ".ivf")),
        payload);
  }

  private static void writeParquetMr(Path file) throws Exception {
    Files.deleteIfExists(file);
    MessageType schema = MessageTypeParser.parseMessageType("message golden { required int64 id;"
        + " optional group embedding (LIST) { repeated group list { optional float element; } } }");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    Random random = new Random(2026);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(schema)
        .withCodecFactory(new LocalCodecFactory(file))
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withRowGroupRowCountLimit(180)
        .build()) {
      for (int r = 0; r < 300; r++) {
        Group g = groups.newGroup().append("id", (long) r);
        Group list = g.addGroup("embedding");
        int centre = r % 6;
        for (int d = 0; d < 8; d++) {
          list.addGroup("list").append("element",
              (float) ((d == centre ? 4 : 0) + random.nextGaussian() * 0.5));
        }
        writer.write(g);
      }
    }
  }
}
