package io.pqvector.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/** One version of an object as a read-only {@link FileChannel}: every read is a ranged read of that version. */
final class ObjectChannel extends FileChannel {
  private final ObjectFileSystem fs;
  private final StoredObject version;
  /** The query that opened the channel: reads on other threads (pool workers) count for it. */
  private final ObjectRequests opener = ObjectRequests.current();
  private long position;

  ObjectChannel(ObjectFileSystem fs, StoredObject version) {
    this.fs = fs;
    this.version = version;
  }

  private ObjectRequests scope() {
    ObjectRequests current = ObjectRequests.current();
    return current != null ? current : opener != null && opener.isOpen() ? opener : null;
  }

  @Override public int read(ByteBuffer dst, long at) throws IOException {
    if (at < 0) {
      throw new IllegalArgumentException("negative position");
    }
    if (at >= version.length()) {
      return -1;
    }
    int n = (int) Math.min(dst.remaining(), version.length() - at);
    if (n == 0) {
      return 0;
    }
    ByteBuffer slice = dst.slice();
    slice.limit(n);
    fs.read(version, at, slice, scope());
    dst.position(dst.position() + n);
    return n;
  }

  @Override public int read(ByteBuffer dst) throws IOException {
    int n = read(dst, position);
    if (n > 0) {
      position += n;
    }
    return n;
  }

  @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      int n = read(dsts[i]);
      if (n < 0) {
        return total == 0 ? -1 : total;
      }
      total += n;
    }
    return total;
  }

  @Override public long position() {
    return position;
  }

  @Override public FileChannel position(long newPosition) {
    position = newPosition;
    return this;
  }

  @Override public long size() {
    return version.length();
  }

  @Override public long transferTo(long at, long count, WritableByteChannel target) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(count, 1 << 20));
    int n = read(buffer, at);
    if (n <= 0) {
      return 0;
    }
    buffer.flip();
    while (buffer.hasRemaining()) {
      target.write(buffer);
    }
    return n;
  }

  @Override public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override public long write(ByteBuffer[] srcs, int offset, int length) {
    throw new NonWritableChannelException();
  }

  @Override public int write(ByteBuffer src, long at) {
    throw new NonWritableChannelException();
  }

  @Override public FileChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override public void force(boolean metaData) {
  }

  @Override public long transferFrom(ReadableByteChannel src, long at, long count) {
    throw new NonWritableChannelException();
  }

  @Override public MappedByteBuffer map(MapMode mode, long at, long size) {
    throw new UnsupportedOperationException("objects in a store cannot be memory-mapped");
  }

  @Override public FileLock lock(long at, long size, boolean shared) {
    throw new UnsupportedOperationException("objects in a store cannot be locked");
  }

  @Override public FileLock tryLock(long at, long size, boolean shared) {
    throw new UnsupportedOperationException("objects in a store cannot be locked");
  }

  @Override protected void implCloseChannel() {
  }
}
