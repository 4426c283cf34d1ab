package io.pqvector.parquet.appendix;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A Parquet file opened for writing by this writer alone: an in-process lock (threads) and an OS
 * lock on the file itself (processes), both held until {@link #close()}. A second writer waits.
 *
 * <p>Caveat of POSIX record locks, which the JDK uses on Linux: closing ANY other channel this
 * process has open on the same file releases the OS lock. The in-process lock still excludes
 * this JVM's writers; only other processes could then slip in.
 */
final class ExclusiveFile implements AutoCloseable {

  /** Striped so the lock table stays bounded however many files a process touches. */
  private static final ReentrantReadWriteLock[] STRIPES = new ReentrantReadWriteLock[64];

  static {
    for (int i = 0; i < STRIPES.length; i++) {
      STRIPES[i] = new ReentrantReadWriteLock();
    }
  }

  private final Path path;
  private final FileChannel channel;
  private final FileLock osLock;
  private final Lock jvmLock;

  private ExclusiveFile(Path path, FileChannel channel, FileLock osLock, Lock jvmLock) {
    this.path = path;
    this.channel = channel;
    this.osLock = osLock;
    this.jvmLock = jvmLock;
  }

  /** The in-process lock guarding {@code realPath}; readers take its read half. */
  static ReadWriteLock jvmLock(Path realPath) {
    return STRIPES[Math.floorMod(realPath.hashCode(), STRIPES.length)];
  }

  /** Resolves symbolic links, so every route to a file shares one lock and one journal. */
  static Path realPath(Path file) throws IOException {
    try {
      return file.toRealPath();
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file.toString(), null, "no such file");
    }
  }

  /**
   * Opens and locks {@code file} for writing. Fails, before anything is written, when the file is
   * missing, not a regular file or read-only.
   */
  static ExclusiveFile open(Path file) throws IOException {
    Path real = realPath(file);
    if (!Files.isRegularFile(real)) {
      throw new IOException(file + ": not a regular file");
    }
    if (isReadOnly(real)) {
      throw new AccessDeniedException(file.toString(), null, "file is read-only");
    }
    Lock jvmLock = jvmLock(real).writeLock();
    jvmLock.lock();
    FileChannel channel = null;
    try {
      channel = FileChannel.open(real, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock osLock = channel.lock();
      return new ExclusiveFile(real, channel, osLock, jvmLock);
    } catch (OverlappingFileLockException e) {
      closeQuietly(channel);
      jvmLock.unlock();
      throw new IOException(file + ": locked by another channel of this process", e);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(channel);
      jvmLock.unlock();
      throw e;
    }
  }

  /**
   * Read-only means either the OS denies writing or, for POSIX files, no write permission bit is
   * set: root may write anyway, but a mode of 0444 states the owner's intent.
   */
  private static boolean isReadOnly(Path real) throws IOException {
    if (!Files.isWritable(real)) {
      return true;
    }
    PosixFileAttributeView posix = Files.getFileAttributeView(real, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (posix == null) {
      return false;
    }
    Set<PosixFilePermission> permissions = posix.readAttributes().permissions();
    return !permissions.contains(PosixFilePermission.OWNER_WRITE)
        && !permissions.contains(PosixFilePermission.GROUP_WRITE)
        && !permissions.contains(PosixFilePermission.OTHERS_WRITE);
  }

  Path path() {
    return path;
  }

  FileChannel channel() {
    return channel;
  }

  @Override
  public void close() throws IOException {
    try {
      if (osLock.isValid()) {
        osLock.release();
      }
      channel.close();
    } finally {
      jvmLock.unlock();
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // already failing; the original exception matters
      }
    }
  }
}
