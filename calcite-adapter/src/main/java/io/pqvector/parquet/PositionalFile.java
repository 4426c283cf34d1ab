package io.pqvector.parquet;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A file open for positional reads from any number of threads at once; no shared mutable buffers. */
public final class PositionalFile implements Closeable {
  /**
   * Reads go through the JDK's per-thread temporary direct buffer, which it caches at the largest size
   * ever used: reading in slices keeps that cache small.
   */
  private static final int SLICE = 1 << 20;

  private final Path path;
  private final FileChannel channel;
  private final long length;

  public PositionalFile(Path path) throws IOException {
    this.path = path;
    this.channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      this.length = channel.size();
    } catch (IOException e) {
      channel.close();
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  public FileChannel channel() {
    return channel;
  }

  public long length() {
    return length;
  }

  /** Reads {@code [offset, offset + length)}, after checking that it lies inside the file. */
  public byte[] read(long offset, long length, String what) throws IOException {
    if (offset < 0 || length < 0 || length > Integer.MAX_VALUE - 16 || offset + length > this.length) {
      throw new IOException(
          path + ": " + what + " at offset " + offset + " of " + length + " bytes lies outside the file ("
              + this.length + " bytes)");
    }
    byte[] bytes = new byte[(int) length];
    int done = 0;
    while (done < length) {
      ByteBuffer slice = ByteBuffer.wrap(bytes, done, (int) Math.min(SLICE, length - done));
      int n = channel.read(slice, offset + done);
      if (n < 0) {
        throw new EOFException(path + ": file ended while reading " + what + " at offset " + (offset + done));
      }
      done += n;
    }
    return bytes;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
