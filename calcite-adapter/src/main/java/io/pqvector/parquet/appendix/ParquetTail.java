package io.pqvector.parquet.appendix;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.KeyValue;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;

/**
 * The live end of a Parquet file: {@code [footer][int32 LE footer length]["PAR1"]}, parsed and
 * checked. Readers find the footer through the last 8 bytes only, so whatever these bytes say
 * is what every Parquet reader sees.
 */
final class ParquetTail {

  static final int TRAILER_LENGTH = 8;
  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ENCRYPTED_MAGIC = "PARE".getBytes(StandardCharsets.US_ASCII);

  private final long fileLength;
  private final long footerStart;
  private final byte[] tailBytes;
  private final FileMetaData metadata;

  private ParquetTail(long fileLength, long footerStart, byte[] tailBytes, FileMetaData metadata) {
    this.fileLength = fileLength;
    this.footerStart = footerStart;
    this.tailBytes = tailBytes;
    this.metadata = metadata;
  }

  /** Reads and validates the tail; any problem is an IOException naming {@code file}. */
  static ParquetTail read(FileChannel channel, Path file) throws IOException {
    long fileLength = channel.size();
    if (fileLength < MAGIC.length + TRAILER_LENGTH) {
      throw new IOException(file + ": not a Parquet file (only " + fileLength + " bytes)");
    }
    byte[] head = new FileRange(channel, 0, MAGIC.length).read();
    byte[] trailer = new FileRange(channel, fileLength - TRAILER_LENGTH, fileLength).read();
    byte[] tailMagic = Arrays.copyOfRange(trailer, 4, 8);
    if (Arrays.equals(tailMagic, ENCRYPTED_MAGIC)) {
      throw new IOException(file + ": Parquet file with an encrypted footer (PARE); its footer cannot be rewritten");
    }
    if (!Arrays.equals(tailMagic, MAGIC) || !Arrays.equals(head, MAGIC)) {
      throw new IOException(file + ": not a Parquet file (no PAR1 magic at both ends)");
    }
    long footerLength = Integer.toUnsignedLong(ByteBuffer.wrap(trailer, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
    long footerStart = fileLength - TRAILER_LENGTH - footerLength;
    if (footerLength == 0 || footerStart < MAGIC.length) {
      throw new IOException(file + ": corrupt Parquet tail (footer length " + footerLength
          + " does not fit a file of " + fileLength + " bytes)");
    }
    byte[] tailBytes = new FileRange(channel, footerStart, fileLength).read();
    FileMetaData metadata;
    try {
      metadata = Util.readFileMetaData(new ByteArrayInputStream(tailBytes, 0, (int) footerLength));
    } catch (IOException | RuntimeException e) {
      throw new IOException(file + ": corrupt Parquet footer: " + e.getMessage(), e);
    }
    if (metadata.isSetEncryption_algorithm()) {
      throw new IOException(file + ": encrypted Parquet file (plaintext footer mode); "
          + "rewriting its footer would break the footer signature");
    }
    return new ParquetTail(fileLength, footerStart, tailBytes, metadata);
  }

  /** Whether the file currently ends in a readable Parquet tail. */
  static boolean isValid(FileChannel channel, Path file) {
    try {
      read(channel, file);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Serializes {@code metadata} as a complete tail: footer, its length, "PAR1". */
  static byte[] encode(FileMetaData metadata) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Util.writeFileMetaData(metadata, out);
    int footerLength = out.size();
    out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footerLength).array());
    out.write(MAGIC);
    return out.toByteArray();
  }

  long fileLength() {
    return fileLength;
  }

  /** Where the live footer starts; everything from here to the end is the live tail. */
  long footerStart() {
    return footerStart;
  }

  /** A copy of the footer, free to edit. */
  FileMetaData metadataCopy() {
    return metadata.deepCopy();
  }

  /** CRC32C of the live tail (footer, length and magic), as recorded in the journal. */
  int crc32c() {
    CRC32C crc = new CRC32C();
    crc.update(tailBytes);
    return (int) crc.getValue();
  }

  /** The footer's key-value entries, in order (read-only). */
  List<KeyValue> keyValues() {
    return metadata.isSetKey_value_metadata()
        ? Collections.unmodifiableList(metadata.getKey_value_metadata()) : List.of();
  }

  /** The value of a footer key-value entry, or null. */
  String keyValue(String key) {
    if (metadata.isSetKey_value_metadata()) {
      for (KeyValue kv : metadata.getKey_value_metadata()) {
        if (key.equals(kv.getKey())) {
          return kv.getValue();
        }
      }
    }
    return null;
  }

  /**
   * The first byte after everything the footer points at in this file: column chunks, column and
   * offset indexes, bloom filters. Appendix bytes must never lie below it.
   */
  long dataEnd() {
    long end = MAGIC.length;
    if (!metadata.isSetRow_groups()) {
      return end;
    }
    for (RowGroup rowGroup : metadata.getRow_groups()) {
      for (ColumnChunk chunk : rowGroup.getColumns()) {
        if (chunk.isSetFile_path()) {
          continue; // data in another file
        }
        if (chunk.isSetMeta_data()) {
          ColumnMetaData meta = chunk.getMeta_data();
          long start = meta.getData_page_offset();
          if (meta.isSetDictionary_page_offset() && meta.getDictionary_page_offset() > 0) {
            start = Math.min(start, meta.getDictionary_page_offset());
          }
          end = Math.max(end, start + meta.getTotal_compressed_size());
          if (meta.isSetBloom_filter_offset()) {
            long length = meta.isSetBloom_filter_length() ? meta.getBloom_filter_length() : 0;
            end = Math.max(end, meta.getBloom_filter_offset() + length);
          }
        }
        if (chunk.isSetColumn_index_offset()) {
          end = Math.max(end, chunk.getColumn_index_offset() + chunk.getColumn_index_length());
        }
        if (chunk.isSetOffset_index_offset()) {
          end = Math.max(end, chunk.getOffset_index_offset() + chunk.getOffset_index_length());
        }
      }
    }
    return end;
  }
}
