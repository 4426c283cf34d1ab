package io.pqvector.parquet.appendix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetAppendixTest {

  private static final String KEY = "pqvector.ivf";

  @TempDir static Path shared;
  @TempDir Path dir;

  private static Path template;
  private static List<SampleParquet.Row> rows;
  private static byte[] originalBytes;

  @BeforeAll
  static void writeTemplate() throws IOException {
    template = shared.resolve("template.parquet");
    SampleParquet.write(template, Map.of("owner", "alice", "note", "kept"));
    rows = SampleParquet.rows(template);
    originalBytes = Files.readAllBytes(template);
    assertEquals(SampleParquet.ROWS, rows.size());
    assertTrue(SampleParquet.rowGroups(template) > 2, "fixture should have several row groups");
  }

  private Path copy() throws IOException {
    Path file = dir.resolve("data.parquet");
    Files.copy(template, file);
    return file;
  }

  static byte[] payload(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static long footerStart(byte[] file) {
    int footerLength = ByteBuffer.wrap(file, file.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    return file.length - 8L - footerLength;
  }

  /**
   * {@link ParquetAppendix#plan} (what an object store's writer assembles) gives exactly the bytes
   * {@link ParquetAppendix#write} leaves in a file: a first write (appended after the original
   * footer), a larger one (appended again), a smaller one (into dead space, the file truncated),
   * a second key; the planned file is only read.
   */
  @Test
  void planGivesTheBytesWriteLeaves() throws IOException {
    Path written = copy();
    Path planned = dir.resolve("planned.parquet");
    Files.copy(template, planned);
    String[] keys = {KEY, KEY, KEY, "pqvector.other"};
    int[] sizes = {20_000, 30_000, 8_000, 5_000};
    boolean truncated = false;
    for (int i = 0; i < keys.length; i++) {
      byte[] payload = payload(sizes[i], i);
      byte[] before = Files.readAllBytes(planned);
      ParquetAppendix.NewTail next = ParquetAppendix.plan(planned, keys[i], payload);
      assertArrayEquals(before, Files.readAllBytes(planned), "planning only reads");
      ParquetAppendix.write(written, keys[i], payload);
      java.io.ByteArrayOutputStream assembled = new java.io.ByteArrayOutputStream();
      assembled.write(before, 0, Math.toIntExact(next.keep()));
      for (byte[] piece : next.pieces()) {
        assembled.write(piece);
      }
      assertEquals(next.length(), assembled.size());
      assertArrayEquals(Files.readAllBytes(written), assembled.toByteArray(), "write " + i);
      truncated |= next.keep() < before.length;
      Files.write(planned, assembled.toByteArray());
    }
    assertTrue(truncated, "one write went into dead space below the old tail");
    assertEquals(rows, SampleParquet.rows(planned));
    assertArrayEquals(payload(8_000, 2), ParquetAppendix.read(planned, KEY));
  }

  @Test
  void writeKeepsEveryRowAndTheFooterAndReadsThePayloadBack() throws IOException {
    Path file = copy();
    byte[] payload = payload(10_000, 1);
    ParquetAppendix.write(file, KEY, payload);

    assertEquals(rows, SampleParquet.rows(file));
    assertArrayEquals(payload, ParquetAppendix.read(file, KEY));
    FileMetaData before = SampleParquet.footer(template);
    FileMetaData after = SampleParquet.footer(file);
    assertEquals(before.getSchema(), after.getSchema());
    assertEquals(before.getCreatedBy(), after.getCreatedBy());
    for (Map.Entry<String, String> e : before.getKeyValueMetaData().entrySet()) {
      assertEquals(e.getValue(), after.getKeyValueMetaData().get(e.getKey()), e.getKey());
    }
    assertEquals(SampleParquet.rowGroups(template), SampleParquet.rowGroups(file));
    // Nothing below the original footer changed.
    byte[] bytes = Files.readAllBytes(file);
    int originalFooterStart = (int) footerStart(originalBytes);
    assertArrayEquals(Arrays.copyOf(originalBytes, originalFooterStart), Arrays.copyOf(bytes, originalFooterStart));
    assertEquals(Long.toString(originalFooterStart), after.getKeyValueMetaData().get(AppendixLayout.BASE_KEY));
    assertFalse(Files.exists(AppendixJournal.pathFor(file.toRealPath())), "journal left behind");
  }

  @Test
  void secondWriteReplacesAndRemoveRestoresTheOriginalLength() throws IOException {
    Path file = copy();
    ParquetAppendix.write(file, KEY, payload(3000, 1));
    byte[] second = payload(4000, 2);
    ParquetAppendix.write(file, KEY, second);
    assertArrayEquals(second, ParquetAppendix.read(file, KEY));
    assertEquals(rows, SampleParquet.rows(file));

    ParquetAppendix.remove(file, KEY);
    assertNull(ParquetAppendix.read(file, KEY));
    assertFalse(SampleParquet.footer(file).getKeyValueMetaData().containsKey(KEY));
    assertFalse(SampleParquet.footer(file).getKeyValueMetaData().containsKey(AppendixLayout.BASE_KEY));
    assertEquals("kept", SampleParquet.footer(file).getKeyValueMetaData().get("note"));
    assertEquals(rows, SampleParquet.rows(file));
    assertEquals(originalBytes.length, Files.size(file));

    ParquetAppendix.remove(file, KEY); // absent key: no-op
    assertEquals(originalBytes.length, Files.size(file));
    byte[] third = payload(100, 3);
    ParquetAppendix.write(file, KEY, third);
    assertArrayEquals(third, ParquetAppendix.read(file, KEY));
  }

  @Test
  void readOfAnAbsentKeyIsNullAndLeavesTheFileAlone() throws IOException {
    Path file = copy();
    assertNull(ParquetAppendix.read(file, KEY));
    assertFalse(ParquetAppendix.recover(file));
    assertArrayEquals(originalBytes, Files.readAllBytes(file));
  }

  @Test
  void emptyPayloadRoundTrips() throws IOException {
    Path file = copy();
    ParquetAppendix.write(file, KEY, new byte[0]);
    assertArrayEquals(new byte[0], ParquetAppendix.read(file, KEY));
  }

  @Test
  void sizeStaysBoundedOverRewritesOfAlternatingSizes() throws IOException {
    Path file = copy();
    int small = 5_000;
    int large = 12_000;
    long footerSlack = 3L * (originalBytes.length - footerStart(originalBytes) + 200);
    long bound = originalBytes.length + 2L * large + footerSlack;
    for (int i = 0; i < 20; i++) {
      byte[] payload = payload(i % 2 == 0 ? small : large, i);
      ParquetAppendix.write(file, KEY, payload);
      assertArrayEquals(payload, ParquetAppendix.read(file, KEY));
      assertTrue(Files.size(file) <= bound, "after write " + i + ": " + Files.size(file) + " > " + bound);
    }
    assertEquals(rows, SampleParquet.rows(file));
  }

  @Test
  void sizeStaysBoundedOverSameSizeRewrites() throws IOException {
    Path file = copy();
    int size = 20_000;
    long bound = originalBytes.length + 2L * size + 3L * (originalBytes.length - footerStart(originalBytes) + 200);
    for (int i = 0; i < 20; i++) {
      byte[] payload = payload(size, i);
      ParquetAppendix.write(file, KEY, payload);
      assertArrayEquals(payload, ParquetAppendix.read(file, KEY));
      assertTrue(Files.size(file) <= bound, "after write " + i + ": " + Files.size(file) + " > " + bound);
    }
  }

  @Test
  void severalKeysLiveSideBySide() throws IOException {
    Path file = copy();
    byte[] a = payload(2000, 1);
    byte[] b = payload(3000, 2);
    ParquetAppendix.write(file, "a", a);
    ParquetAppendix.write(file, "b", b);
    for (int i = 0; i < 10; i++) {
      a = payload(2000 + i, 10 + i);
      ParquetAppendix.write(file, "a", a);
      assertArrayEquals(b, ParquetAppendix.read(file, "b"));
      b = payload(3000 - i, 20 + i);
      ParquetAppendix.write(file, "b", b);
      assertArrayEquals(a, ParquetAppendix.read(file, "a"));
    }
    assertArrayEquals(a, ParquetAppendix.read(file, "a"));
    assertArrayEquals(b, ParquetAppendix.read(file, "b"));
    assertTrue(Files.size(file) <= originalBytes.length + 4L * 3000 + 4L * 1000, "size " + Files.size(file));
    ParquetAppendix.remove(file, "a");
    assertNull(ParquetAppendix.read(file, "a"));
    assertArrayEquals(b, ParquetAppendix.read(file, "b"));
    assertEquals(rows, SampleParquet.rows(file));
  }

  @Test
  void concurrentWritersInOneProcessDoNotLoseUpdates() throws Exception {
    Path file = copy();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<byte[]> a = pool.submit(() -> writeRepeatedly(file, "a", 1));
      Future<byte[]> b = pool.submit(() -> writeRepeatedly(file, "b", 2));
      assertArrayEquals(a.get(), ParquetAppendix.read(file, "a"));
      assertArrayEquals(b.get(), ParquetAppendix.read(file, "b"));
    } finally {
      pool.shutdownNow();
    }
    assertEquals(rows, SampleParquet.rows(file));
  }

  @Test
  void concurrentWritersInTwoProcessesDoNotLoseUpdates() throws Exception {
    Path file = copy();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process other = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        AppendixWriterProcess.class.getName(), file.toString(), "b", "2", "40")
        .redirectErrorStream(true).start();
    byte[] a = null;
    for (int i = 0; i < 40; i++) {
      a = payload(1000 + 300 * (i % 3), 100 + i);
      ParquetAppendix.write(file, "a", a);
    }
    String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, other.waitFor(), output);
    assertTrue(output.contains("done"), output);
    assertArrayEquals(a, ParquetAppendix.read(file, "a"));
    assertArrayEquals(payload(1000 + 300 * (39 % 3), 2 * 100 + 39), ParquetAppendix.read(file, "b"));
    assertEquals(rows, SampleParquet.rows(file));
  }

  private static byte[] writeRepeatedly(Path file, String key, long seed) throws IOException {
    byte[] last = null;
    for (int i = 0; i < 15; i++) {
      last = payload(1000 + 300 * (i % 3), seed * 100 + i);
      ParquetAppendix.write(file, key, last);
    }
    return last;
  }

  // ---- errors: IOException naming the file, file byte-for-byte untouched ----

  @Test
  void missingFile() {
    Path file = dir.resolve("missing.parquet");
    IOException e = assertThrows(IOException.class, () -> ParquetAppendix.write(file, KEY, new byte[1]));
    assertTrue(e.getMessage().contains("missing.parquet"), e.getMessage());
    assertThrows(IOException.class, () -> ParquetAppendix.read(file, KEY));
    assertFalse(Files.exists(file));
  }

  @Test
  void notAParquetFile() throws IOException {
    Path file = dir.resolve("notes.parquet");
    byte[] text = "just some text, long enough to have a tail".getBytes(StandardCharsets.UTF_8);
    Files.write(file, text);
    IOException e = assertThrows(IOException.class, () -> ParquetAppendix.write(file, KEY, new byte[1]));
    assertTrue(e.getMessage().contains("notes.parquet") && e.getMessage().contains("not a Parquet file"), e.getMessage());
    assertArrayEquals(text, Files.readAllBytes(file));
    assertThrows(IOException.class, () -> ParquetAppendix.read(file, KEY));
    assertFalse(Files.exists(AppendixJournal.pathFor(file.toRealPath())));
  }

  @Test
  void encryptedFooter() throws IOException {
    Path file = copy();
    byte[] bytes = originalBytes.clone();
    System.arraycopy("PARE".getBytes(StandardCharsets.US_ASCII), 0, bytes, bytes.length - 4, 4);
    Files.write(file, bytes);
    IOException e = assertThrows(IOException.class, () -> ParquetAppendix.write(file, KEY, new byte[1]));
    assertTrue(e.getMessage().contains("data.parquet") && e.getMessage().contains("encrypted"), e.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(file));
  }

  @Test
  void corruptFooterLength() throws IOException {
    Path file = copy();
    byte[] bytes = originalBytes.clone();
    ByteBuffer.wrap(bytes, bytes.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(Integer.MAX_VALUE);
    Files.write(file, bytes);
    IOException e = assertThrows(IOException.class, () -> ParquetAppendix.write(file, KEY, new byte[1]));
    assertTrue(e.getMessage().contains("data.parquet"), e.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(file));
  }

  @Test
  void readOnlyFile() throws IOException {
    Path file = copy();
    ParquetAppendix.write(file, KEY, payload(500, 1));
    byte[] before = Files.readAllBytes(file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
    try {
      IOException e = assertThrows(IOException.class, () -> ParquetAppendix.write(file, KEY, new byte[1]));
      assertTrue(e.getMessage().contains("data.parquet") && e.getMessage().contains("read-only"), e.getMessage());
      assertThrows(IOException.class, () -> ParquetAppendix.remove(file, KEY));
      assertArrayEquals(before, Files.readAllBytes(file));
      assertArrayEquals(payload(500, 1), ParquetAppendix.read(file, KEY), "reading needs no write access");
      assertFalse(Files.exists(AppendixJournal.pathFor(file.toRealPath())));
    } finally {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  @Test
  void corruptLocationsAreIoExceptionsNamingTheKey() throws IOException {
    String[] corrupt = {
        "999999999999:5", "999999999999:5:00000000", "4:-5:00000000", "-4:5:00000000",
        "0:999999999999999999:00000000", "garbage", "", "4:5:0000000g"
    };
    for (String value : corrupt) {
      Path file = dir.resolve("corrupt.parquet");
      Files.deleteIfExists(file);
      SampleParquet.write(file, Map.of(KEY, value));
      byte[] before = Files.readAllBytes(file);
      IOException e = assertThrows(IOException.class, () -> ParquetAppendix.read(file, KEY), value);
      assertTrue(e.getMessage().contains(KEY) && e.getMessage().contains("corrupt.parquet"), e.getMessage());
      assertArrayEquals(before, Files.readAllBytes(file));
      // A write replaces the bad entry.
      ParquetAppendix.write(file, KEY, payload(10, 1));
      assertArrayEquals(payload(10, 1), ParquetAppendix.read(file, KEY));
    }
  }

  @Test
  void aLocationInsideTheDataRegionIsRejected() throws IOException {
    Path file = copy();
    ParquetAppendix.write(file, KEY, payload(100, 1));
    // Forge a footer entry pointing at the data pages, as a corrupt or hostile file might.
    FooterForgery.setValue(file, KEY, "4:100:00000000");
    IOException e = assertThrows(IOException.class, () -> ParquetAppendix.read(file, KEY));
    assertTrue(e.getMessage().contains(KEY) && e.getMessage().contains("outside"), e.getMessage());
  }

  @Test
  void aDamagedPayloadFailsItsChecksum() throws IOException {
    Path file = copy();
    byte[] payload = payload(1000, 1);
    ParquetAppendix.write(file, KEY, payload);
    byte[] bytes = Files.readAllBytes(file);
    int at = indexOf(bytes, payload);
    bytes[at + 500] ^= 1;
    Files.write(file, bytes);
    IOException e = assertThrows(IOException.class, () -> ParquetAppendix.read(file, KEY));
    assertTrue(e.getMessage().contains("CRC32C"), e.getMessage());
  }

  @Test
  void corruptBaseIsRejectedBeforeWriting() throws IOException {
    Path file = copy();
    ParquetAppendix.write(file, KEY, payload(100, 1));
    FooterForgery.setValue(file, AppendixLayout.BASE_KEY, "4");
    byte[] before = Files.readAllBytes(file);
    IOException e = assertThrows(IOException.class, () -> ParquetAppendix.write(file, KEY, payload(100, 2)));
    assertTrue(e.getMessage().contains(AppendixLayout.BASE_KEY), e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(file));
  }

  @Test
  void reservedAndEmptyKeysAreRefused() throws IOException {
    Path file = copy();
    assertThrows(IllegalArgumentException.class, () -> ParquetAppendix.write(file, AppendixLayout.BASE_KEY, new byte[1]));
    assertThrows(IllegalArgumentException.class, () -> ParquetAppendix.write(file, "", new byte[1]));
    assertArrayEquals(originalBytes, Files.readAllBytes(file));
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
