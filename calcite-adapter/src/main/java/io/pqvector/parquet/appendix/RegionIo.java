package io.pqvector.parquet.appendix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The two file mutations of a commit. Exists so tests can inject faults (a write that stops
 * midway, a crash between write and truncate); production code always uses {@link #DIRECT}.
 */
interface RegionIo {

  /** Writes all of {@code region}, in order, starting at {@code position}. */
  void write(FileChannel channel, long position, ByteBuffer... region) throws IOException;

  void truncate(FileChannel channel, long size) throws IOException;

  RegionIo DIRECT = new RegionIo() {
    @Override
    public void write(FileChannel channel, long position, ByteBuffer... region) throws IOException {
      // One gathering write of the whole region; the loop only continues if the OS wrote part of it.
      channel.position(position);
      while (hasRemaining(region)) {
        channel.write(region);
      }
    }

    @Override
    public void truncate(FileChannel channel, long size) throws IOException {
      channel.truncate(size);
    }

    private boolean hasRemaining(ByteBuffer[] buffers) {
      for (ByteBuffer b : buffers) {
        if (b.hasRemaining()) {
          return true;
        }
      }
      return false;
    }
  };
}
