package io.pqvector.parquet.appendix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Test-only {@link RegionIo} that writes the first {@code bytesBeforeFailure} bytes of the region
 * and then fails, or fails in the truncate that follows a complete write. The failure is either
 * an IOException (disk full: the writer cleans up) or a {@link SimulatedKill} (the process dies:
 * nothing runs after it, the journal stays, as after kill -9).
 */
final class FaultyRegionIo implements RegionIo {

  /** Stands for the process dying: an Error, so the writer's cleanup for exceptions does not run. */
  static final class SimulatedKill extends Error {
    SimulatedKill() {
      super("simulated kill -9");
    }
  }

  enum Failure { IO_EXCEPTION, KILL }

  private final long bytesBeforeFailure;
  private final boolean failInTruncate;
  private final Failure failure;
  long lastPosition = -1;
  long lastRegionSize = -1;
  long sizeBeforeWrite = -1;

  private FaultyRegionIo(long bytesBeforeFailure, boolean failInTruncate, Failure failure) {
    this.bytesBeforeFailure = bytesBeforeFailure;
    this.failInTruncate = failInTruncate;
    this.failure = failure;
  }

  /** Fails after writing {@code bytes} of the region (which may be all of it). */
  static FaultyRegionIo failingWriteAfter(long bytes, Failure failure) {
    return new FaultyRegionIo(bytes, false, failure);
  }

  /** Writes the whole region, then fails instead of truncating. */
  static FaultyRegionIo failingTruncate(Failure failure) {
    return new FaultyRegionIo(Long.MAX_VALUE, true, failure);
  }

  /** Writes everything, records where, fails nothing. */
  static FaultyRegionIo recording() {
    return new FaultyRegionIo(Long.MAX_VALUE, false, null);
  }

  @Override
  public void write(FileChannel channel, long position, ByteBuffer... region) throws IOException {
    sizeBeforeWrite = channel.size();
    lastPosition = position;
    long total = 0;
    for (ByteBuffer b : region) {
      total += b.remaining();
    }
    lastRegionSize = total;
    if (bytesBeforeFailure >= total) {
      RegionIo.DIRECT.write(channel, position, region);
      if (!failInTruncate && failure != null) {
        fail(); // everything written, then the process dies before fsync and cleanup
      }
      return;
    }
    ByteBuffer prefix = ByteBuffer.allocate((int) bytesBeforeFailure);
    for (ByteBuffer b : region) {
      while (b.hasRemaining() && prefix.hasRemaining()) {
        prefix.put(b.get());
      }
    }
    prefix.flip();
    RegionIo.DIRECT.write(channel, position, prefix);
    fail();
  }

  @Override
  public void truncate(FileChannel channel, long size) throws IOException {
    if (failInTruncate) {
      fail();
    }
    RegionIo.DIRECT.truncate(channel, size);
  }

  private void fail() throws IOException {
    if (failure == Failure.KILL) {
      throw new SimulatedKill();
    }
    throw new IOException("simulated: No space left on device");
  }
}
