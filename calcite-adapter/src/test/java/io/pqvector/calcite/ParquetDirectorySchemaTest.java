package io.pqvector.calcite;

import io.pqvector.calcite.search.SearchSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files make up a table, including while other files in its directory come and go. */
class ParquetDirectorySchemaTest {
  private static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType("message m { required int32 id; }");

  @TempDir Path root;

  @Test
  void directoryTableIgnoresHiddenEntriesAndFollowsLinksInsideTheRoot() throws IOException {
    Path corpus = Files.createDirectories(root.resolve("corpus"));
    write(corpus.resolve("a.parquet"), 3);
    write(Files.createDirectories(corpus.resolve("sub")).resolve("b.parquet"), 2);
    write(Files.createDirectories(corpus.resolve(".staging")).resolve("c.parquet"), 5);
    write(Files.createDirectories(corpus.resolve("_tmp")).resolve("d.parquet"), 5);
    write(corpus.resolve(".e.parquet"), 5);
    write(root.resolve("elsewhere.parquet"), 4);
    Files.createSymbolicLink(corpus.resolve("linked.parquet"), root.resolve("elsewhere.parquet"));

    ParquetDirectorySchema schema = new ParquetDirectorySchema(root, SearchSettings.defaults());
    assertEquals(Set.of("corpus", "elsewhere"), new TreeSet<>(schema.getTableNames()));
    ParquetTable table = (ParquetTable) schema.getTable("corpus");
    assertEquals(3 + 2 + 4, table.getStatistic().getRowCount().longValue());
  }

  @Test
  void filesVanishingDuringTheListingAreNotAnError() throws Exception {
    Path corpus = Files.createDirectories(root.resolve("corpus"));
    write(corpus.resolve("a.parquet"), 3);
    Files.createDirectories(corpus.resolve("sub"));
    ParquetDirectorySchema schema = new ParquetDirectorySchema(root, SearchSettings.defaults());

    // What `pqvector index` does next to a file while queries list the directory: a journal
    // appears and disappears. Each listing must see exactly the table's one Parquet file.
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> churnFailure = new AtomicReference<>();
    Thread churn = new Thread(() -> {
      try {
        for (int i = 0; !stop.get(); i++) {
          Path journal = corpus.resolve(i % 2 == 0 ? ".a.parquet.pqvector-journal" : "sub/x.tmp");
          Files.write(journal, new byte[8]);
          Files.delete(journal);
        }
      } catch (Throwable t) {
        churnFailure.set(t);
      }
    });
    churn.start();
    try {
      for (int i = 0; i < 3_000; i++) {
        ParquetTable table = (ParquetTable) schema.getTable("corpus");
        assertEquals(3, table.getStatistic().getRowCount().longValue(), "listing " + i);
      }
    } finally {
      stop.set(true);
      churn.join();
    }
    assertNull(churnFailure.get());
  }

  private static void write(Path file, int rows) throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<org.apache.parquet.example.data.Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withConf(new PlainParquetConfiguration()).withType(SCHEMA).build()) {
      for (int i = 0; i < rows; i++) {
        writer.write(groups.newGroup().append("id", i));
      }
    }
  }
}
