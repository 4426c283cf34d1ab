package io.pqvector.parquet.decode;

import io.pqvector.parquet.LocalFileInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.parquet.decode.TestVectorFile.Row;
import io.pqvector.parquet.decode.TestVectorFile.Spec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.SeekableInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrencyAndCorruptionTest {
  @TempDir Path dir;

  @Test
  void manyThreadsReadOneColumn() throws Exception {
    Path file = dir.resolve("c.parquet");
    Row[] rows = TestVectorFile.write(file, new Spec().rows(600).pageSize(1024).rowGroupRows(150)
        .codec(CompressionCodecName.SNAPPY).nulls().emptyLists());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (VectorColumn column = VectorColumn.open(file, "v")) {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int seed = t;
        futures.add(pool.submit(() -> {
          for (int round = 0; round < 5; round++) {
            int rg = (seed + round) % column.rowGroupCount();
            long first = column.rowGroupFirstRow(rg);
            VectorColumnTest.assertBatch(rows, first, column.readRowGroup(rg), "thread " + seed);
            PageTable pages = column.pages(rg);
            for (int p = seed % 2; p < pages.pageCount(); p += 2) {
              VectorColumnTest.assertBatch(rows, first + pages.firstRow(p), column.readPage(rg, p), "page " + p);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void persistedPageTableReadsTheSamePage() throws IOException {
    Path file = dir.resolve("p.parquet");
    Row[] rows = TestVectorFile.write(file, new Spec().rows(100).onePerPage().dictionary(8));
    try (VectorColumn column = VectorColumn.open(file, "v")) {
      PageTable built = column.pages(0);
      assertTrue(built.hasDictionary());
      PageTable restored = new PageTable(built.headerOffsets(), built.compressedSizes(), built.firstRows(),
          built.rowGroupRows(), built.dictionaryOffset(), built.dictionarySize());
      VectorColumnTest.assertBatch(rows, 42, column.readPage(0, restored, 42), "restored table");
    }
  }

  @Test
  void corruptPageHeaderIsAnIOExceptionNamingTheFile() throws IOException {
    Path file = dir.resolve("x.parquet");
    TestVectorFile.write(file, new Spec().rows(200).pageSize(1024));
    long pageOffset;
    try (VectorColumn column = VectorColumn.open(file, "v")) {
      pageOffset = column.pages(0).headerOffset(0);
    }
    byte[] original = Files.readAllBytes(file);
    // Overwrite the page header with bytes that claim absurd sizes, at several positions.
    for (int shift = 0; shift < 12; shift++) {
      byte[] bytes = original.clone();
      for (int k = 0; k < 6; k++) {
        bytes[(int) pageOffset + shift + k] = (byte) (0x95 + 17 * k + shift);
      }
      Files.write(file, bytes);
      try (VectorColumn column = VectorColumn.open(file, "v")) {
        IOException e = assertThrows(IOException.class, () -> {
          column.readRowGroup(0);
          column.readPage(0, 0);
          throw new AssertionError("corrupt header went unnoticed");
        });
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
      }
    }
  }

  @Test
  void bufferedInputSeeksAndReads() throws IOException {
    Path file = dir.resolve("bytes.bin");
    byte[] bytes = new byte[300_000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31 + 7);
    }
    Files.write(file, bytes);
    LocalFileInput input = new LocalFileInput(file);
    assertEquals(bytes.length, input.getLength());
    try (SeekableInputStream in = input.newStream()) {
      assertEquals(bytes[0] & 0xFF, in.read());
      in.seek(70_000);
      assertEquals(70_000, in.getPos());
      byte[] chunk = new byte[100_000]; // larger than the buffer
      in.readFully(chunk);
      assertEquals(170_000, in.getPos());
      assertEquals(ByteBuffer.wrap(bytes, 70_000, 100_000), ByteBuffer.wrap(chunk));
      in.seek(169_990); // backwards, inside what was read
      ByteBuffer small = ByteBuffer.allocate(20);
      in.readFully(small);
      assertEquals(ByteBuffer.wrap(bytes, 169_990, 20), small.flip());
      in.seek(bytes.length - 3);
      assertEquals(bytes[bytes.length - 1] & 0xFF, (in.read() & 0) + (in.read() & 0) + in.read());
      assertEquals(-1, in.read());
      in.seek(bytes.length - 2);
      assertThrows(java.io.EOFException.class, () -> in.readFully(new byte[5]));
      ByteBuffer direct = ByteBuffer.allocateDirect(10);
      in.seek(5);
      in.readFully(direct);
      assertEquals(ByteBuffer.wrap(bytes, 5, 10), direct.flip());
    }
  }
}
