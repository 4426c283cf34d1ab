package io.pqvector.parquet;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A local file as a parquet-mr {@link InputFile}, without Hadoop.
 *
 * <p>Each stream is buffered (64 KB) and confined to one thread. Built over a path, every stream opens
 * and closes its own channel; built over a shared channel, streams read it positionally and leave it
 * open for its owner to close.
 */
public final class LocalFileInput implements InputFile {
  private final Path file;
  private final FileChannel sharedChannel;

  public LocalFileInput(Path file) {
    this(file, null);
  }

  /** Streams over {@code sharedChannel}, which the caller keeps and closes. */
  public LocalFileInput(Path file, FileChannel sharedChannel) {
    this.file = file;
    this.sharedChannel = sharedChannel;
  }

  public Path path() {
    return file;
  }

  @Override
  public long getLength() throws IOException {
    if (sharedChannel != null) {
      return sharedChannel.size();
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return channel.size();
    }
  }

  @Override
  public SeekableInputStream newStream() throws IOException {
    if (sharedChannel != null) {
      return new ChannelInputStream(file, sharedChannel, false);
    }
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return new ChannelInputStream(file, channel, true);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  @Override
  public String toString() {
    return file.toString();
  }
}
