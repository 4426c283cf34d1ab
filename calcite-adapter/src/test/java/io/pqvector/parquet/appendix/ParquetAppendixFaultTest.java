package io.pqvector.parquet.appendix;

import static io.pqvector.parquet.appendix.ParquetAppendixTest.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.parquet.appendix.FaultyRegionIo.Failure;
import io.pqvector.parquet.appendix.FaultyRegionIo.SimulatedKill;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interrupts the one write of a commit at many byte offsets, and the truncate after it, as a disk
 * full error (the writer cleans up) or as a kill (partial bytes and the journal stay behind).
 * Afterwards the file must read exactly as before and the next write must succeed.
 */
class ParquetAppendixFaultTest {

  private static final String KEY = "pqvector.ivf";

  @TempDir static Path shared;
  @TempDir Path dir;

  private static Path template;
  private static List<SampleParquet.Row> rows;
  private static byte[] originalBytes;
  /** Template plus two writes of the same size: the next same-size write reuses dead space. */
  private static Path twiceWritten;
  private static byte[] twiceWrittenBytes;
  private static final byte[] SECOND = payload(2000, 2);

  @BeforeAll
  static void writeTemplates() throws IOException {
    template = shared.resolve("template.parquet");
    SampleParquet.write(template, Map.of("owner", "alice"));
    rows = SampleParquet.rows(template);
    originalBytes = Files.readAllBytes(template);
    twiceWritten = shared.resolve("twice.parquet");
    Files.copy(template, twiceWritten);
    ParquetAppendix.write(twiceWritten, KEY, payload(2000, 1));
    ParquetAppendix.write(twiceWritten, KEY, SECOND);
    twiceWrittenBytes = Files.readAllBytes(twiceWritten);
  }

  private Path copyOf(Path source) throws IOException {
    Path file = dir.resolve("data.parquet");
    Files.deleteIfExists(file);
    Files.copy(source, file);
    return file;
  }

  private static Path journal(Path file) throws IOException {
    return AppendixJournal.pathFor(file.toRealPath());
  }

  /** Offsets 0..16, every 97th byte, and the last 16 bytes of a region of {@code size} bytes. */
  private static TreeSet<Long> offsets(long size) {
    TreeSet<Long> offsets = new TreeSet<>();
    for (long k = 0; k <= 16; k++) {
      offsets.add(k);
      offsets.add(size - 1 - k);
    }
    for (long k = 0; k < size; k += 97) {
      offsets.add(k);
    }
    offsets.removeIf(k -> k < 0 || k >= size);
    return offsets;
  }

  private static long regionSizeOfAppend(Path source, byte[] payload) throws IOException {
    Path probe = source.resolveSibling("probe-" + source.getFileName());
    Files.copy(source, probe);
    FaultyRegionIo recording = FaultyRegionIo.recording();
    new ParquetAppendix(recording).put(probe, KEY, payload);
    Files.delete(probe);
    return recording.lastRegionSize;
  }

  private static void assertNextWriteSucceeds(Path file) throws IOException {
    byte[] next = payload(1234, 99);
    ParquetAppendix.write(file, KEY, next);
    assertArrayEquals(next, ParquetAppendix.read(file, KEY));
    assertEquals(rows, SampleParquet.rows(file));
    assertFalse(Files.exists(journal(file)));
  }

  @Test
  void diskFullDuringAnAppendRollsBackAtEveryOffset() throws IOException {
    byte[] payload = payload(3000, 7);
    long regionSize = regionSizeOfAppend(template, payload);
    for (long k : offsets(regionSize)) {
      Path file = copyOf(template);
      FaultyRegionIo io = FaultyRegionIo.failingWriteAfter(k, Failure.IO_EXCEPTION);
      assertThrows(IOException.class, () -> new ParquetAppendix(io).put(file, KEY, payload), "offset " + k);
      assertEquals(originalBytes.length, io.lastPosition, "an append");
      assertArrayEquals(originalBytes, Files.readAllBytes(file), "offset " + k);
      assertFalse(Files.exists(journal(file)), "offset " + k);
    }
    assertNextWriteSucceeds(copyOf(template));
  }

  @Test
  void killDuringAnAppendIsRepairedByRecoverAtEveryOffset() throws IOException {
    byte[] payload = payload(3000, 7);
    long regionSize = regionSizeOfAppend(template, payload);
    for (long k : offsets(regionSize)) {
      Path file = copyOf(template);
      FaultyRegionIo io = FaultyRegionIo.failingWriteAfter(k, Failure.KILL);
      assertThrows(SimulatedKill.class, () -> new ParquetAppendix(io).put(file, KEY, payload));
      assertTrue(Files.exists(journal(file)), "the kill leaves the journal, offset " + k);
      assertEquals(originalBytes.length + k, Files.size(file), "the partial bytes stay, offset " + k);
      assertTrue(ParquetAppendix.recover(file), "offset " + k);
      assertArrayEquals(originalBytes, Files.readAllBytes(file), "offset " + k);
      assertFalse(Files.exists(journal(file)));
      assertFalse(ParquetAppendix.recover(file), "nothing left to repair");
    }
    Path file = copyOf(template);
    assertThrows(SimulatedKill.class,
        () -> new ParquetAppendix(FaultyRegionIo.failingWriteAfter(regionSize / 2, Failure.KILL)).put(file, KEY, payload));
    assertNextWriteSucceeds(file); // write runs recover itself
  }

  @Test
  void readNeverRepairsAnInterruptedAppend() throws IOException {
    Path file = copyOf(template);
    assertThrows(SimulatedKill.class,
        () -> new ParquetAppendix(FaultyRegionIo.failingWriteAfter(10, Failure.KILL)).put(file, KEY, payload(100, 1)));
    byte[] afterKill = Files.readAllBytes(file);
    IOException e = assertThrows(IOException.class, () -> ParquetAppendix.read(file, KEY));
    assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
    assertArrayEquals(afterKill, Files.readAllBytes(file), "a read changed the file");
    assertTrue(Files.exists(journal(file)), "a read removed the journal");
    assertTrue(ParquetAppendix.recover(file));
    assertArrayEquals(originalBytes, Files.readAllBytes(file));
    assertEquals(null, ParquetAppendix.read(file, KEY));
  }

  @Test
  void killAfterTheWholeAppendLandedKeepsTheNewPayload() throws IOException {
    Path file = copyOf(template);
    byte[] payload = payload(3000, 7);
    assertThrows(SimulatedKill.class,
        () -> new ParquetAppendix(FaultyRegionIo.failingWriteAfter(Long.MAX_VALUE - 1, Failure.KILL)).put(file, KEY, payload));
    assertTrue(Files.exists(journal(file)));
    assertTrue(ParquetAppendix.recover(file));
    assertFalse(Files.exists(journal(file)));
    assertArrayEquals(payload, ParquetAppendix.read(file, KEY));
    assertEquals(rows, SampleParquet.rows(file));
  }

  @Test
  void theFixtureReallyTakesTheReusePath() throws IOException {
    Path file = copyOf(twiceWritten);
    FaultyRegionIo io = FaultyRegionIo.recording();
    byte[] third = payload(2000, 3);
    new ParquetAppendix(io).put(file, KEY, third);
    assertTrue(io.lastPosition + io.lastRegionSize < io.sizeBeforeWrite, "written before the live footer");
    assertEquals(io.lastPosition + io.lastRegionSize, Files.size(file), "truncated after the new footer");
    assertArrayEquals(third, ParquetAppendix.read(file, KEY));
    assertEquals(rows, SampleParquet.rows(file));
  }

  @Test
  void interruptedReuseLeavesTheFileReadableAsBeforeAtEveryOffset() throws IOException {
    byte[] third = payload(2000, 3);
    FaultyRegionIo probe = FaultyRegionIo.recording();
    new ParquetAppendix(probe).put(copyOf(twiceWritten), KEY, third);
    for (Failure failure : Failure.values()) {
      for (long k : offsets(probe.lastRegionSize)) {
        Path file = copyOf(twiceWritten);
        FaultyRegionIo io = FaultyRegionIo.failingWriteAfter(k, failure);
        assertThrows(Throwable.class, () -> new ParquetAppendix(io).put(file, KEY, third));
        assertReadsAsTwiceWritten(file, failure + " at " + k);
        ParquetAppendix.recover(file);
        assertReadsAsTwiceWritten(file, failure + " at " + k);
        assertFalse(Files.exists(journal(file)));
      }
    }
    assertNextWriteSucceeds(copyOf(twiceWritten));
  }

  @Test
  void crashBetweenReuseWriteAndTruncateLeavesTheFileReadableAsBefore() throws IOException {
    for (Failure failure : Failure.values()) {
      Path file = copyOf(twiceWritten);
      FaultyRegionIo io = FaultyRegionIo.failingTruncate(failure);
      assertThrows(Throwable.class, () -> new ParquetAppendix(io).put(file, KEY, payload(2000, 3)));
      assertEquals(twiceWrittenBytes.length, Files.size(file), "not truncated");
      assertReadsAsTwiceWritten(file, failure.toString());
      assertEquals(failure == Failure.KILL, ParquetAppendix.recover(file));
      assertReadsAsTwiceWritten(file, failure.toString());
      assertNextWriteSucceeds(file);
    }
  }

  /** Rows and footer through parquet-mr, the payload through the appendix, without recovery. */
  private static void assertReadsAsTwiceWritten(Path file, String message) throws IOException {
    assertEquals(rows, SampleParquet.rows(file), message);
    assertEquals(SampleParquet.footer(twiceWritten).getKeyValueMetaData(),
        SampleParquet.footer(file).getKeyValueMetaData(), message);
    byte[] bytes = Files.readAllBytes(file);
    long liveTail = twiceWrittenBytes.length - ParquetAppendixTest.footerStart(twiceWrittenBytes);
    assertArrayEquals(java.util.Arrays.copyOfRange(twiceWrittenBytes, (int) (twiceWrittenBytes.length - liveTail), twiceWrittenBytes.length),
        java.util.Arrays.copyOfRange(bytes, (int) (bytes.length - liveTail), bytes.length), "live tail, " + message);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      AppendixLayout layout = AppendixLayout.of(file, ParquetTail.read(channel, file));
      PayloadLocation at = layout.locate(KEY);
      assertArrayEquals(SECOND, new FileRange(channel, at.offset(), at.end()).read(), message);
    }
  }

  @Test
  void killDuringRemoveIsRepaired() throws IOException {
    Path file = copyOf(twiceWritten);
    assertThrows(SimulatedKill.class,
        () -> new ParquetAppendix(FaultyRegionIo.failingWriteAfter(5, Failure.KILL)).delete(file, KEY));
    ParquetAppendix.recover(file);
    assertReadsAsTwiceWritten(file, "remove");
    ParquetAppendix.remove(file, KEY);
    assertEquals(null, ParquetAppendix.read(file, KEY));
    assertEquals(rows, SampleParquet.rows(file));
  }

  @Test
  void aTornJournalIsDiscardedAndTheFileLeftAlone() throws IOException {
    Path file = copyOf(template);
    Files.write(journal(file), new byte[] {'P', 'Q', 'V'});
    assertTrue(ParquetAppendix.recover(file));
    assertFalse(Files.exists(journal(file)));
    assertArrayEquals(originalBytes, Files.readAllBytes(file));
  }

  @Test
  void aStaleJournalOfAReplacedFileDoesNotTouchTheNewFile() throws IOException {
    Path file = copyOf(template);
    assertThrows(SimulatedKill.class,
        () -> new ParquetAppendix(FaultyRegionIo.failingWriteAfter(10, Failure.KILL)).put(file, KEY, payload(100, 1)));
    // The user replaces the file wholesale (e.g. rewrites it with another tool).
    Files.copy(twiceWritten, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertTrue(ParquetAppendix.recover(file));
    assertArrayEquals(twiceWrittenBytes, Files.readAllBytes(file));
    assertFalse(Files.exists(journal(file)));
  }

  @Test
  void aJournalThatMatchesNothingOnAnUnreadableFileIsKeptAndReported() throws IOException {
    Path file = copyOf(template);
    assertThrows(SimulatedKill.class,
        () -> new ParquetAppendix(FaultyRegionIo.failingWriteAfter(10, Failure.KILL)).put(file, KEY, payload(100, 1)));
    byte[] garbage = "not parquet at all, and not what the journal describes".getBytes();
    Files.write(file, garbage);
    IOException e = assertThrows(IOException.class, () -> ParquetAppendix.recover(file));
    assertTrue(e.getMessage().contains("data.parquet"), e.getMessage());
    assertArrayEquals(garbage, Files.readAllBytes(file));
    assertTrue(Files.exists(journal(file)));
  }
}
