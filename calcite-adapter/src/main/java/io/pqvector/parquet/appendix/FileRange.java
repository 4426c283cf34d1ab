package io.pqvector.parquet.appendix;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/** The bytes {@code [start, end)} of an open file. */
record FileRange(FileChannel channel, long start, long end) {

  FileRange {
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("bad range [" + start + ", " + end + ")");
    }
  }

  long length() {
    return end - start;
  }

  /** Reads the whole range; the caller has already checked that its length fits an array. */
  byte[] read() throws IOException {
    byte[] bytes = new byte[Math.toIntExact(length())];
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    long position = start;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, position);
      if (n < 0) {
        throw new EOFException("file ends at " + position + ", before " + end);
      }
      position += n;
    }
    return bytes;
  }

  /** CRC32C of the range, read in 64 KB chunks; a range past the end of the file is an EOFException. */
  int crc32c() throws IOException {
    CRC32C crc = new CRC32C();
    ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    long position = start;
    while (position < end) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
      int n = channel.read(buffer, position);
      if (n < 0) {
        throw new EOFException("file ends at " + position + ", before " + end);
      }
      buffer.flip();
      crc.update(buffer);
      position += n;
    }
    return (int) crc.getValue();
  }
}
