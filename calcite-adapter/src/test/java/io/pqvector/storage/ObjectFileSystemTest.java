package io.pqvector.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.parquet.FileVersion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A folder of a store (here the local one) seen as a read-only file system. */
class ObjectFileSystemTest {
  @TempDir Path dir;

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static List<String> names(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static byte[] read(Path file, long offset, int n) throws IOException {
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(n);
      while (b.hasRemaining()) {
        if (c.read(b, offset + b.position()) < 0) {
          throw new java.io.EOFException();
        }
      }
      return b.array();
    }
  }

  @Test
  void listsObjectsAndFoldersAndReadsRanges() throws IOException {
    Path tables = Files.createDirectories(dir.resolve("tables"));
    byte[] a = bytes(700_000, 1);
    Files.write(tables.resolve("a.parquet"), a);
    Files.createDirectories(tables.resolve("parts"));
    Files.write(tables.resolve("parts/p1.parquet"), bytes(10, 2));
    Files.write(dir.resolve("elsewhere.parquet"), bytes(10, 3));

    ObjectFileSystem fs = new ObjectFileSystem(new LocalObjectStore(dir), "tables/", 3_600_000);
    Path root = fs.root();
    assertEquals(List.of("a.parquet", "parts"), names(root));
    assertTrue(Files.isRegularFile(root.resolve("a.parquet")));
    assertTrue(Files.isDirectory(root.resolve("parts")));
    assertEquals(List.of("p1.parquet"), names(root.resolve("parts")));
    assertEquals(700_000, Files.size(root.resolve("a.parquet")));
    assertThrows(NoSuchFileException.class, () -> Files.size(root.resolve("b.parquet")));
    assertTrue(root.resolve("a.parquet").toString().endsWith("tables/a.parquet"));

    Path file = root.resolve("a.parquet");
    for (long[] r : new long[][] {{0, 4}, {699_992, 8}, {100, 70_000}, {300_000, 5}, {262_000, 1_000}}) {
      assertArrayEquals(Arrays.copyOfRange(a, (int) r[0], (int) (r[0] + r[1])), read(file, r[0], (int) r[1]),
          "range " + r[0] + "+" + r[1]);
    }
    long before = fs.requestCount();
    read(file, 0, 4);
    read(file, 699_992, 8);
    read(file, 100, 70_000);
    assertEquals(before, fs.requestCount(), "ranges read before are kept");
  }

  @Test
  void theListingIsTakenAgainOnlyAfterTheRefreshInterval() throws Exception {
    Files.write(dir.resolve("a.parquet"), bytes(100, 1));
    ObjectFileSystem hourly = new ObjectFileSystem(new LocalObjectStore(dir), "", 3_600_000);
    ObjectFileSystem always = new ObjectFileSystem(new LocalObjectStore(dir), "", 0);
    Files.write(dir.resolve("b.parquet"), bytes(100, 2));
    assertEquals(List.of("a.parquet"), names(hourly.root()));
    assertEquals(List.of("a.parquet", "b.parquet"), names(always.root()));
    long requests = hourly.requestCount();
    FileVersion.of(hourly.root().resolve("a.parquet"));
    assertEquals(requests, hourly.requestCount(), "versions come from the listing");
  }

  @Test
  void aReplacedObjectIsNeverReadAsTheOldVersion() throws Exception {
    Path local = dir.resolve("a.parquet");
    Files.write(local, bytes(500_000, 1));
    ObjectFileSystem fs = new ObjectFileSystem(new LocalObjectStore(dir), "", 3_600_000);
    Path file = fs.root().resolve("a.parquet");
    FileVersion before = FileVersion.of(file);
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
      byte[] replacement = bytes(500_000, 2);
      Files.write(local, replacement);
      Files.setLastModifiedTime(local, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
      ByteBuffer b = ByteBuffer.allocate(100_000);
      assertThrows(ObjectChangedException.class, () -> c.read(b, 0));
      // The failed read looked again: the next version check sees the new object.
      FileVersion after = FileVersion.of(file);
      assertNotEquals(before, after);
      assertArrayEquals(Arrays.copyOfRange(replacement, 0, 100_000), read(file, 0, 100_000));
    }
  }

  @Test
  void isReadOnly() throws IOException {
    Files.write(dir.resolve("a.parquet"), bytes(10, 1));
    ObjectFileSystem fs = new ObjectFileSystem(new LocalObjectStore(dir), "", 0);
    assertThrows(java.nio.file.ReadOnlyFileSystemException.class,
        () -> FileChannel.open(fs.root().resolve("a.parquet"), StandardOpenOption.WRITE));
    assertThrows(java.nio.file.ReadOnlyFileSystemException.class,
        () -> Files.delete(fs.root().resolve("a.parquet")));
  }
}
