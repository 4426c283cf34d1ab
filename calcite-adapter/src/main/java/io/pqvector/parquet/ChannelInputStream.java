package io.pqvector.parquet;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A buffered, seekable stream over a {@link FileChannel}, confined to one thread.
 *
 * <p>It reads with positional {@code read(buffer, position)} calls, so several streams may share one
 * channel. The 64 KB buffer matters: parquet-mr parses footers and indexes byte by byte, and an
 * unbuffered stream pays a system call per byte.
 */
final class ChannelInputStream extends SeekableInputStream {
  static final int BUFFER_SIZE = 64 * 1024;

  private final Path file;
  private final FileChannel channel;
  private final boolean ownsChannel;
  private final long length;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
  /** File position of {@code buffer}'s first byte; the buffer holds [bufferStart, bufferStart + limit). */
  private long bufferStart;
  private boolean closed;

  ChannelInputStream(Path file, FileChannel channel, boolean ownsChannel) throws IOException {
    this.file = file;
    this.channel = channel;
    this.ownsChannel = ownsChannel;
    this.length = channel.size();
    buffer.limit(0);
  }

  @Override
  public long getPos() {
    return bufferStart + buffer.position();
  }

  @Override
  public void seek(long newPos) throws IOException {
    if (newPos < 0 || newPos > length) {
      throw new EOFException("Cannot seek to " + newPos + " in " + file + " (" + length + " bytes)");
    }
    if (newPos >= bufferStart && newPos <= bufferStart + buffer.limit()) {
      buffer.position((int) (newPos - bufferStart));
    } else {
      bufferStart = newPos;
      buffer.limit(0);
    }
  }

  @Override
  public int read() throws IOException {
    if (!buffer.hasRemaining() && !fill()) {
      return -1;
    }
    return buffer.get() & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    return read(ByteBuffer.wrap(b, off, len));
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!dst.hasRemaining()) {
      return 0;
    }
    if (buffer.hasRemaining()) {
      return drainBufferInto(dst);
    }
    long pos = getPos();
    if (pos >= length) {
      return -1;
    }
    if (dst.remaining() >= BUFFER_SIZE) {
      // Large reads bypass the buffer.
      int n = channel.read(dst, pos);
      if (n > 0) {
        bufferStart = pos + n;
        buffer.limit(0);
      }
      return n;
    }
    if (!fill()) {
      return -1;
    }
    return drainBufferInto(dst);
  }

  @Override
  public void readFully(byte[] bytes) throws IOException {
    readFully(ByteBuffer.wrap(bytes));
  }

  @Override
  public void readFully(byte[] bytes, int start, int len) throws IOException {
    readFully(ByteBuffer.wrap(bytes, start, len));
  }

  @Override
  public void readFully(ByteBuffer dst) throws IOException {
    long start = getPos();
    while (dst.hasRemaining()) {
      if (read(dst) < 0) {
        throw new EOFException(
            "Reached the end of " + file + " (" + length + " bytes) reading from offset " + start
                + "; " + dst.remaining() + " bytes missing");
      }
    }
  }

  @Override
  public long skip(long n) throws IOException {
    long target = Math.min(length, getPos() + Math.max(0, n));
    long skipped = target - getPos();
    seek(target);
    return skipped;
  }

  @Override
  public int available() {
    return buffer.remaining();
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      if (ownsChannel) {
        channel.close();
      }
    }
  }

  private int drainBufferInto(ByteBuffer dst) {
    int n = Math.min(buffer.remaining(), dst.remaining());
    int oldLimit = buffer.limit();
    buffer.limit(buffer.position() + n);
    dst.put(buffer);
    buffer.limit(oldLimit);
    return n;
  }

  /** Refills the buffer from the current position; false at end of file. */
  private boolean fill() throws IOException {
    long pos = getPos();
    bufferStart = pos;
    buffer.clear();
    int n = 0;
    while (n == 0) {
      n = channel.read(buffer, pos);
    }
    buffer.flip();
    return n > 0;
  }
}
