package io.pqvector.calcite;

import io.pqvector.calcite.search.SearchSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
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

  /**
   * A version check for some tables looks at their files, and at the list of tables only when the
   * root directory changed; a change to another table's files is not looked at (so a query's
   * check costs what its tables hold, not what the root holds).
   */
  @Test
  void aVersionForSomeTablesLooksAtTheirFilesOnly() throws IOException {
    Path corpus = Files.createDirectories(root.resolve("corpus"));
    write(corpus.resolve("a.parquet"), 3);
    write(root.resolve("single.parquet"), 4);
    Path other = Files.createDirectories(root.resolve("other"));
    write(other.resolve("o.parquet"), 5);
    settle(root);
    ParquetDirectorySchema schema = new ParquetDirectorySchema(root, SearchSettings.defaults());
    assertEquals(Set.of("corpus", "other", "single"), new TreeSet<>(schema.getTableNames()));
    long v0 = schema.knownVersion();
    assertEquals(v0, schema.currentVersion(Set.of("corpus", "single")), "nothing changed");

    // A file added inside another table's directory: not looked at for these tables.
    write(other.resolve("p.parquet"), 6);
    assertEquals(v0, schema.currentVersion(Set.of("corpus", "single")));
    assertEquals(v0, schema.knownVersion());
    long v1 = schema.currentVersion(Set.of("other"));
    assertTrue(v1 > v0, "the table's own check sees its new file");
    assertEquals(5 + 6, rows(schema, "other"));

    // A file added to a table's directory (in a sub-directory), and a single-file table written
    // again in place: each seen by a check of that table alone.
    write(Files.createDirectories(corpus.resolve("sub")).resolve("b.parquet"), 2);
    long v2 = schema.currentVersion(Set.of("corpus"));
    assertTrue(v2 > v1);
    assertEquals(3 + 2, rows(schema, "corpus"));
    write(root.resolve("single.parquet"), 7); // same name, same directory entry
    settle(root);
    long v3 = schema.currentVersion(Set.of("single"));
    assertTrue(v3 > v2);
    assertEquals(7, rows(schema, "single"));

    // A new table in the root changes the root: the list of tables is read again.
    write(root.resolve("fresh.parquet"), 1);
    long v4 = schema.currentVersion(Set.of("corpus"));
    assertTrue(v4 > v3, "the root changed, so the tables were listed again");
    assertEquals(Set.of("corpus", "fresh", "other", "single"),
        new TreeSet<>(schema.getTableNames()));
    // A table's directory emptied of Parquet files: the table is gone.
    settle(root);
    Files.delete(other.resolve("o.parquet"));
    Files.delete(other.resolve("p.parquet"));
    assertTrue(schema.currentVersion(Set.of("other")) > v4);
    assertEquals(Set.of("corpus", "fresh", "single"), new TreeSet<>(schema.getTableNames()));
    // A name that is no table: nothing to look at while the root is unchanged.
    settle(root);
    schema.getTableNames();
    long v5 = schema.knownVersion();
    assertEquals(v5, schema.currentVersion(Set.of("missing")));
  }

  /**
   * While the root is unchanged a lookup looks at the one table's files (Calcite looks every
   * table up to resolve one name): it still sees them change, and a table that became unreadable
   * is reported as such, not as missing.
   */
  @Test
  void aLookupWhileTheRootIsUnchangedSeesTheTablesOwnFiles() throws IOException {
    Path corpus = Files.createDirectories(root.resolve("corpus"));
    write(corpus.resolve("a.parquet"), 3);
    write(root.resolve("single.parquet"), 4);
    settle(root);
    ParquetDirectorySchema schema = new ParquetDirectorySchema(root, SearchSettings.defaults());
    assertEquals(Set.of("corpus", "single"), new TreeSet<>(schema.getTableNames()));
    assertEquals(3, rows(schema, "corpus"));
    write(corpus.resolve("b.parquet"), 2);
    assertEquals(3 + 2, rows(schema, "corpus"));
    assertNull(schema.tables().get("missing"));
    Files.write(root.resolve("single.parquet"), new byte[] {1, 2, 3}); // in place: same entry
    settle(root);
    assertTrue(schema.tables().get("single") instanceof UnreadableTable,
        String.valueOf(schema.tables().get("single")));
    write(root.resolve("single.parquet"), 6);
    settle(root);
    assertEquals(6, rows(schema, "single"));
  }

  /**
   * Sets a directory's modification time an hour back, as if nothing had changed in it lately;
   * a directory changed within moments of its listing is always listed again (a coarse file-system
   * clock may not move for a change right after it).
   */
  private static void settle(Path dir) throws IOException {
    Files.setLastModifiedTime(dir, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
  }

  private static long rows(ParquetDirectorySchema schema, String table) {
    return ((ParquetTable) schema.tables().get(table)).getStatistic().getRowCount()
        .longValue();
  }

  private static void write(Path file, int rows) throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<org.apache.parquet.example.data.Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withWriteMode(org.apache.parquet.hadoop.ParquetFileWriter.Mode.OVERWRITE)
            .withConf(new PlainParquetConfiguration()).withType(SCHEMA).build()) {
      for (int i = 0; i < rows; i++) {
        writer.write(groups.newGroup().append("id", i));
      }
    }
  }
}
