package io.pqvector.parquet.appendix;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finishes what an interrupted {@link TailCommit} left: decides from the file's content alone
 * whether the commit completed (keep it) or not (truncate back to the old length), then removes
 * the journal. Runs with the file locked.
 */
final class JournalRecovery {

  private JournalRecovery() {}

  /** Returns whether a leftover journal was found and resolved. */
  static boolean recover(ExclusiveFile file) throws IOException {
    Path journalPath = AppendixJournal.pathFor(file.path());
    AppendixJournal journal = AppendixJournal.readOrNull(journalPath);
    if (journal == null) {
      // No journal, or a torn one: the commit died before touching the file.
      boolean found = Files.exists(journalPath);
      AppendixJournal.delete(journalPath);
      return found;
    }
    FileChannel channel = file.channel();
    long length = channel.size();
    if (length == journal.newLength()
        && new FileRange(channel, journal.newRegionStart(), journal.newLength()).crc32c() == journal.newRegionCrc()) {
      AppendixJournal.delete(journalPath); // completed: only the cleanup was missing
      return true;
    }
    // Before the commit, or cut short: the old live tail intact, and at most the journaled new
    // bytes after it. A file longer than that was extended by someone else: not ours to cut.
    boolean lengthFits = length == journal.originalLength()
        || (length > journal.originalLength() && length <= journal.newLength());
    if (lengthFits
        && new FileRange(channel, journal.originalTailStart(), journal.originalLength()).crc32c()
            == journal.originalTailCrc()) {
      if (length > journal.originalLength()) {
        channel.truncate(journal.originalLength()); // an append was cut short
        channel.force(true);
      }
      AppendixJournal.delete(journalPath);
      return true;
    }
    if (ParquetTail.isValid(channel, file.path())) {
      // Neither state, but a readable file: it was replaced since; the journal is stale.
      AppendixJournal.delete(journalPath);
      return true;
    }
    throw new IOException(file.path() + ": ends neither as before nor as after the write journaled in "
        + journalPath + ", and is not a readable Parquet file; left both untouched");
  }
}
