package io.pqvector.parquet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * Opens local Parquet files with parquet-mr and no Hadoop installation.
 *
 * <p>Before handing a file to parquet-mr it checks the magic bytes and the footer length, so that a
 * file that is not Parquet, is truncated, or has an encrypted footer gives an IOException that names
 * the file and says which of these it is (parquet-mr's own messages are terse or are runtime
 * exceptions).
 */
public final class ParquetFiles {
  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ENCRYPTED_MAGIC = "PARE".getBytes(StandardCharsets.US_ASCII);
  /** Head magic + footer length + tail magic. */
  private static final int MIN_LENGTH = 4 + 4 + 4;

  private ParquetFiles() {}

  /**
   * The file is not a readable Parquet file (wrong magic, truncated, encrypted footer, corrupt
   * footer): a fault of its content, unlike an I/O error, which stays a plain IOException.
   */
  public static final class NotParquetException extends IOException {
    NotParquetException(String message) {
      super(message);
    }

    NotParquetException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public static ParquetFileReader open(Path file) throws IOException {
    return open(file, FilterCompat.NOOP);
  }

  /**
   * Opens {@code file}; {@code filter} lets parquet-mr drop row groups by statistics and dictionaries
   * ({@link ParquetFileReader#getRowGroups()} then lists only the row groups that may match).
   */
  public static ParquetFileReader open(Path file, FilterCompat.Filter filter) throws IOException {
    for (int attempt = 1; ; attempt++) {
      FileVersion before = FileVersion.of(file);
      try {
        return open(new LocalFileInput(file), filter);
      } catch (IOException | RuntimeException e) {
        // An index being written into the file moves its footer (a new tail, then a truncate):
        // a footer read that overlapped that is read again. Data pages never move.
        if (attempt >= MAX_OPEN_ATTEMPTS || !changedSince(before, file)) {
          throw e;
        }
        pause(attempt);
      }
    }
  }

  private static final int MAX_OPEN_ATTEMPTS = 4;

  private static boolean changedSince(FileVersion before, Path file) {
    try {
      return !FileVersion.of(file).equals(before);
    } catch (IOException e) {
      return false; // gone: report the original error
    }
  }

  private static void pause(int attempt) throws IOException {
    try {
      Thread.sleep(10L * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while re-reading a changing file");
    }
  }

  /** Reads and returns the footer (schema, row groups, key-value metadata) of {@code file}. */
  public static ParquetMetadata readFooter(Path file) throws IOException {
    try (ParquetFileReader reader = open(file)) {
      return reader.getFooter();
    }
  }

  public static ParquetFileReader open(LocalFileInput input, FilterCompat.Filter filter) throws IOException {
    Path file = input.path();
    checkFraming(input);
    ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
        .withCodecFactory(new LocalCodecFactory(file))
        .withRecordFilter(filter)
        .build();
    try {
      return ParquetFileReader.open(input, options);
    } catch (IOException e) {
      throw new IOException("Cannot read the Parquet footer of " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      // parquet-mr reports a corrupt Thrift footer with unchecked exceptions.
      throw new NotParquetException("Corrupt Parquet footer in " + file + ": " + e, e);
    }
  }

  /** Checks head and tail magic and the footer length: what parquet-mr would trip over obscurely. */
  private static void checkFraming(LocalFileInput input) throws IOException {
    Path file = input.path();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long length = channel.size();
      if (length < MIN_LENGTH) {
        throw new NotParquetException(
            file + " is not a Parquet file: it is " + length + " bytes long, too short to hold a footer");
      }
      byte[] head = readAt(channel, 0, 4);
      ByteBuffer tail = ByteBuffer.wrap(readAt(channel, length - 8, 8)).order(ByteOrder.LITTLE_ENDIAN);
      byte[] tailMagic = new byte[4];
      tail.position(4);
      tail.get(tailMagic);
      if (!java.util.Arrays.equals(head, MAGIC) && !java.util.Arrays.equals(head, ENCRYPTED_MAGIC)) {
        throw new NotParquetException(file + " is not a Parquet file: it does not start with the magic bytes PAR1");
      }
      if (java.util.Arrays.equals(tailMagic, ENCRYPTED_MAGIC)) {
        throw new NotParquetException(
            file + " has an encrypted footer (magic PARE); encrypted Parquet files are not supported");
      }
      if (!java.util.Arrays.equals(tailMagic, MAGIC)) {
        throw new NotParquetException(
            file + " is truncated or corrupt: it does not end with the magic bytes PAR1");
      }
      int footerLength = tail.getInt(0);
      if (footerLength <= 0 || footerLength > length - MIN_LENGTH) {
        throw new NotParquetException(
            file + " is truncated or corrupt: footer length " + footerLength + " does not fit in a file of "
                + length + " bytes");
      }
    }
  }

  private static byte[] readAt(FileChannel channel, long position, int n) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(n);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new java.io.EOFException();
      }
    }
    return buffer.array();
  }
}
