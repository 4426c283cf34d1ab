package io.pqvector.parquet.appendix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Puts a new tail (payload, footer, length, "PAR1") into a locked file so that an interruption at
 * any point leaves a file that reads as before, or is repaired to that by {@link JournalRecovery}.
 *
 * <p>Two paths, chosen by {@link AppendixLayout#place}:
 * <ul>
 *   <li><b>Reuse</b> (new tail fits in dead space before the live footer): write it there, fsync,
 *       then truncate the file to end right after it. Until the truncate the old footer is still
 *       last and references nothing that was written over; the truncate is one atomic metadata
 *       operation. No moment exists at which the file is unreadable.
 *   <li><b>Append</b>: write the new region after the live tail with one gathering write, fsync.
 *       This is the one window that cannot be closed: until the write's last bytes land, the file
 *       ends in non-footer bytes and readers fail. The journal lets the next run truncate back.
 * </ul>
 */
final class TailCommit {

  private final RegionIo io;

  TailCommit(RegionIo io) {
    this.io = io;
  }

  void commit(ExclusiveFile file, AppendixLayout layout, TailPlanner.Plan plan) throws IOException {
    ParquetTail old = layout.tail();
    long position = plan.position();
    FileChannel channel = file.channel();
    Path journalPath = AppendixJournal.pathFor(file.path());
    long newLength = position + plan.size();
    if (position < layout.base()) {
      throw new IllegalStateException("new tail at " + position + " would lie below the appendix base " + layout.base());
    }
    if (position < old.footerStart() && newLength > old.footerStart()) {
      throw new IllegalStateException("new tail [" + position + ", " + newLength
          + ") would overwrite the live footer at " + old.footerStart());
    }
    CRC32C regionCrc = new CRC32C();
    ByteBuffer[] region = new ByteBuffer[plan.pieces().size()];
    for (int i = 0; i < region.length; i++) {
      regionCrc.update(plan.pieces().get(i));
      region[i] = ByteBuffer.wrap(plan.pieces().get(i));
    }
    AppendixJournal journal = new AppendixJournal(old.fileLength(), old.footerStart(), old.crc32c(),
        newLength, position, (int) regionCrc.getValue());
    journal.writeDurably(journalPath);
    try {
      io.write(channel, position, region);
      channel.force(true);
      if (newLength < old.fileLength()) {
        io.truncate(channel, newLength);
        channel.force(true);
      }
    } catch (IOException | RuntimeException e) {
      rollBack(channel, old, journalPath, e);
      throw e;
    }
    // The file is committed and durable; a journal left behind (delete failed) is recognised as
    // describing a completed commit by the next recovery.
    try {
      AppendixJournal.delete(journalPath);
    } catch (IOException ignored) {
      // see above
    }
  }

  /**
   * Undoes a failed append by truncating back to the old length. A failed reuse needs nothing:
   * either the truncate did not happen (old footer still last) or it did (new state, complete).
   * If the rollback itself fails, the journal stays for the next recovery.
   */
  private void rollBack(FileChannel channel, ParquetTail old, Path journalPath, Exception failure) {
    try {
      if (channel.size() > old.fileLength()) {
        channel.truncate(old.fileLength());
        channel.force(true);
      }
      AppendixJournal.delete(journalPath);
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }
}
