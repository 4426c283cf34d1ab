package io.pqvector.parquet.appendix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The sidecar that makes a tail commit recoverable: {@code .<file name>.pqvector-journal} next to
 * the file, written and fsynced before the file is touched, deleted after the commit.
 *
 * <p>It records both ends of the commit, so recovery can tell them apart by content alone: the
 * state before (the file's length and the CRC32C of its live tail {@code [originalTailStart,
 * originalLength)}) and the state after (the new length and the CRC32C of the new region
 * {@code [newRegionStart, newLength)}: payload, footer, length, magic).
 *
 * <p>Format, 60 bytes little-endian: "PQVJ", int32 version 1, int64 originalLength,
 * int64 originalTailStart, int32 originalTailCrc, int64 newLength, int64 newRegionStart,
 * int32 newRegionCrc, 8 reserved zero bytes, int32 CRC32C of the preceding 56 bytes. A journal
 * that fails this check was torn while being written, hence before the file was touched.
 */
record AppendixJournal(
    long originalLength, long originalTailStart, int originalTailCrc,
    long newLength, long newRegionStart, int newRegionCrc) {

  private static final int MAGIC = 0x4a565150; // "PQVJ" read little-endian
  private static final int VERSION = 1;
  private static final int SIZE = 60;

  static Path pathFor(Path realFile) {
    return realFile.resolveSibling("." + realFile.getFileName() + ".pqvector-journal");
  }

  /** Writes the journal durably: the file's bytes, then its directory entry. */
  void writeDurably(Path journal) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putInt(MAGIC).putInt(VERSION)
        .putLong(originalLength).putLong(originalTailStart).putInt(originalTailCrc)
        .putLong(newLength).putLong(newRegionStart).putInt(newRegionCrc)
        .putLong(0);
    CRC32C crc = new CRC32C();
    crc.update(buffer.array(), 0, buffer.position());
    buffer.putInt((int) crc.getValue()).flip();
    try (FileChannel channel = FileChannel.open(journal, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(journal);
      throw e;
    }
    forceDirectory(journal);
  }

  /**
   * Reads a journal; null when there is none, or when it is torn (so never completed its fsync,
   * so the file was not touched).
   */
  static AppendixJournal readOrNull(Path journal) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(journal);
    } catch (NoSuchFileException e) {
      return null;
    }
    if (bytes.length != SIZE) {
      return null;
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, SIZE - 4);
    if (buffer.getInt(SIZE - 4) != (int) crc.getValue()
        || buffer.getInt() != MAGIC || buffer.getInt() != VERSION) {
      return null;
    }
    return new AppendixJournal(buffer.getLong(), buffer.getLong(), buffer.getInt(),
        buffer.getLong(), buffer.getLong(), buffer.getInt());
  }

  static void delete(Path journal) throws IOException {
    if (Files.deleteIfExists(journal)) {
      forceDirectory(journal);
    }
  }

  /** Makes a directory entry change durable. Best effort: not every platform can open a directory. */
  private static void forceDirectory(Path journal) {
    Path dir = journal.toAbsolutePath().getParent();
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      // Windows and some file systems refuse; the file's own fsync still happened.
    }
  }
}
