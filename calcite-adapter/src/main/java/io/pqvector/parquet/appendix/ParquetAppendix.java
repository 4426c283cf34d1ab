package io.pqvector.parquet.appendix;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Lock;
import java.util.zip.CRC32C;

/**
 * Named byte payloads stored inside a Parquet file, after its data, found through the footer's
 * key-value metadata. Every Parquet reader still reads the file exactly as before: data pages are
 * never rewritten, bytes below the original footer are never modified, and only a new footer
 * (whose absolute offsets stay valid) is added.
 *
 * <p>On disk: a payload lies between the original footer's start ({@code base}, recorded under
 * {@code pqvector.appendix.base}) and the live footer, which is always the last thing in the file.
 * The footer entry {@code key -> "<offset>:<length>:<crc32c hex>"} locates it. A rewrite reuses
 * dead space (old footers, old payloads) when the new payload and footer fit before the live
 * footer, then truncates; otherwise the new tail is appended, carrying copies of the other keys'
 * payloads so that everything below it is dead and reusable next time. Repeated writes of one key
 * at a steady size keep the file within about two payloads and two or three footers of the
 * original; removing the last payload restores the original length. Crash safety and what is
 * atomic: see {@link TailCommit}, {@link AppendixJournal}, {@link JournalRecovery}. Concurrency:
 * writers exclude each other ({@link ExclusiveFile}); readers take no OS lock and instead check
 * each payload's CRC32C.
 *
 * <p>Footer preservation: the footer is parsed into parquet-format's Thrift classes (those bundled
 * with this parquet-mr), edited and written back. Fields those classes know survive unchanged:
 * version, schema, num_rows, row groups (column chunks, statistics, page indexes' locations,
 * bloom filter locations, size statistics), key-value entries (order kept), created_by,
 * column_orders. Fields unknown to them (added to the Parquet format after this version, or
 * private extensions) are silently dropped on rewrite, as Thrift skips unknown fields. Encrypted
 * files (PARE footer, or a plaintext footer with encryption_algorithm) are refused.
 */
public final class ParquetAppendix {

  private static final ParquetAppendix DEFAULT = new ParquetAppendix(RegionIo.DIRECT);

  private final TailCommit commit;

  /** For tests: {@code io} may inject faults into the commit. */
  ParquetAppendix(RegionIo io) {
    this.commit = new TailCommit(io);
  }

  /** Stores {@code payload} under {@code key}, replacing any earlier payload under that key. */
  public static void write(Path file, String key, byte[] payload) throws IOException {
    DEFAULT.put(file, key, payload);
  }

  /**
   * The payload stored under {@code key}, or null when the footer has no such key. Only reads:
   * a write that was interrupted (its journal is still there) is not repaired here, since readers
   * such as the JDBC driver must never change the user's file. If the interrupted write left a
   * tail that does not verify, this fails with an IOException that says so; the next write
   * ({@code pqvector index}) or {@link #recover} repairs the file.
   */
  public static byte[] read(Path file, String key) throws IOException {
    checkKey(key);
    Path real = ExclusiveFile.realPath(file);
    try {
      return readPayload(file, real, key);
    } catch (IOException e) {
      Path journal = AppendixJournal.pathFor(real);
      if (!Files.exists(journal)) {
        throw e;
      }
      throw new IOException(file + ": an index write to this file was interrupted or is under way ("
          + journal.getFileName() + " exists), so its index is not used; the next `pqvector index`"
          + " of the file repairs it (" + e.getMessage() + ")", e);
    }
  }

  private static byte[] readPayload(Path file, Path real, String key) throws IOException {
    Lock lock = ExclusiveFile.jvmLock(real).readLock();
    lock.lock();
    try (FileChannel channel = FileChannel.open(real, StandardOpenOption.READ)) {
      AppendixLayout layout = AppendixLayout.of(file, ParquetTail.read(channel, file));
      PayloadLocation location = layout.locate(key);
      if (location == null) {
        return null;
      }
      byte[] payload = new FileRange(channel, location.offset(), location.end()).read();
      CRC32C crc = new CRC32C();
      crc.update(payload);
      if ((int) crc.getValue() != location.crc32c()) {
        throw new IOException(file + ": payload of footer key '" + key
            + "' fails its CRC32C check (file damaged or changed by another process)");
      }
      return payload;
    } finally {
      lock.unlock();
    }
  }

  /**
   * What {@link #write} would make of {@code file}, computed by reading it only: the file's first
   * {@link NewTail#keep} bytes followed by {@link NewTail#pieces}. For files that cannot be
   * changed in place (objects in a store), whose writer puts the new version together itself;
   * {@link #write} applies exactly this plan to a local file (write at {@code keep}, then
   * truncate), so both give the same bytes.
   */
  public static NewTail plan(Path file, String key, byte[] payload) throws IOException {
    checkKey(key);
    Objects.requireNonNull(payload, "payload");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      AppendixLayout layout = AppendixLayout.of(file, ParquetTail.read(channel, file));
      TailPlanner.Plan plan = new TailPlanner(channel, layout).plan(key, payload);
      return new NewTail(plan.position(), List.copyOf(plan.pieces()));
    }
  }

  /**
   * A file's next version: its bytes {@code [0, keep)} unchanged (data pages, earlier footers and
   * payloads still referenced), then {@code pieces} back to back (payloads, the new footer, its
   * length and "PAR1").
   */
  public record NewTail(long keep, List<byte[]> pieces) {
    /** Length of the new version. */
    public long length() {
      long n = keep;
      for (byte[] p : pieces) {
        n += p.length;
      }
      return n;
    }
  }

  /** Removes the payload stored under {@code key}; a missing key leaves the file untouched. */
  public static void remove(Path file, String key) throws IOException {
    DEFAULT.delete(file, key);
  }

  /**
   * Repairs the result of an interrupted write, if a journal shows one: truncates the file back
   * to its length before that write unless the write completed, then deletes the journal.
   * Returns whether a leftover journal was found and resolved. Called by every write; never by
   * {@link #read}.
   */
  public static boolean recover(Path file) throws IOException {
    Path real = ExclusiveFile.realPath(file);
    if (!Files.exists(AppendixJournal.pathFor(real))) {
      return false;
    }
    try (ExclusiveFile locked = ExclusiveFile.open(file)) {
      return JournalRecovery.recover(locked);
    }
  }

  void put(Path file, String key, byte[] payload) throws IOException {
    checkKey(key);
    Objects.requireNonNull(payload, "payload");
    try (ExclusiveFile locked = ExclusiveFile.open(file)) {
      JournalRecovery.recover(locked);
      AppendixLayout layout = AppendixLayout.of(file, ParquetTail.read(locked.channel(), file));
      commit.commit(locked, layout, new TailPlanner(locked.channel(), layout).plan(key, payload));
    }
  }

  void delete(Path file, String key) throws IOException {
    checkKey(key);
    try (ExclusiveFile locked = ExclusiveFile.open(file)) {
      JournalRecovery.recover(locked);
      AppendixLayout layout = AppendixLayout.of(file, ParquetTail.read(locked.channel(), file));
      if (layout.tail().keyValue(key) == null) {
        return;
      }
      TailPlanner.Plan bare = new TailPlanner(locked.channel(), layout).planBareFooterAtBase(key);
      if (bare != null) {
        commit.commit(locked, layout, bare);
        return;
      }
      commit.commit(locked, layout, new TailPlanner(locked.channel(), layout).plan(key, null));
      // The removed payload is dead now, which may have made room for the bare footer at the base.
      AppendixLayout after = AppendixLayout.of(file, ParquetTail.read(locked.channel(), file));
      bare = new TailPlanner(locked.channel(), after).planBareFooterAtBase(key);
      if (bare != null) {
        commit.commit(locked, after, bare);
      }
    }
  }

  private static void checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty() || key.equals(AppendixLayout.BASE_KEY)) {
      throw new IllegalArgumentException("key must be non-empty and not " + AppendixLayout.BASE_KEY);
    }
  }
}
