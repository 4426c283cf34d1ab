package io.pqvector.parquet.decode;

import io.pqvector.parquet.PageCompression;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.DictionaryPageHeader;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.PageHeader;

/**
 * Decodes the pages of one vector column chunk into a {@link BatchBuilder}: decompression, levels
 * (RLE / bit-packed hybrid), and values (PLAIN, dictionary, BYTE_STREAM_SPLIT; DOUBLE narrowed to
 * float). One instance serves one read on one thread: it keeps scratch arrays between pages.
 *
 * <p>Every count taken from a page header is checked against the limits the footer declares for the
 * chunk before anything is allocated from it.
 */
final class PageDecoder {
  private static final VarHandle DOUBLE_LE =
      MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private final VectorLayout layout;
  private final PageCompression codec;
  private final Object file;
  private final long maxEntries;
  private final long maxUncompressed;
  private final int defWidth;

  private float[] dictionary;
  private byte[] decompressed = new byte[0];
  private byte[] rep = new byte[0];
  private byte[] def = new byte[0];
  private int[] indices = new int[0];

  /**
   * @param maxEntries the chunk's level-entry count from the footer; no page may hold more
   * @param maxUncompressed the chunk's uncompressed size from the footer; no page may be larger
   */
  PageDecoder(VectorLayout layout, PageCompression codec, Object file, long maxEntries, long maxUncompressed) {
    this.layout = layout;
    this.codec = codec;
    this.file = file;
    this.maxEntries = maxEntries;
    this.maxUncompressed = Math.min(maxUncompressed, Integer.MAX_VALUE - 16);
    this.defWidth = 32 - Integer.numberOfLeadingZeros(layout.maxDefinition);
  }

  boolean hasDictionary() {
    return dictionary != null;
  }

  /** Reads a dictionary page whose body is {@code bytes[bodyOff .. bodyOff + compressed size)}. */
  void readDictionaryPage(PageHeader header, byte[] bytes, int bodyOff, long fileOffset) throws IOException {
    DictionaryPageHeader dph = header.getDictionary_page_header();
    if (dph == null) {
      throw corrupt(fileOffset, "dictionary page without a dictionary page header");
    }
    if (dph.getEncoding() != Encoding.PLAIN && dph.getEncoding() != Encoding.PLAIN_DICTIONARY) {
      throw corrupt(fileOffset, "dictionary page encoded as " + dph.getEncoding());
    }
    int width = layout.isDouble ? 8 : 4;
    int uncompressed = checkUncompressedSize(header, fileOffset);
    int n = dph.getNum_values();
    if (n < 0 || (long) n * width > uncompressed) {
      throw corrupt(fileOffset, "dictionary of " + n + " values in a page of " + uncompressed + " bytes");
    }
    byte[] body = bytes;
    int pos = bodyOff;
    if (codec != PageCompression.UNCOMPRESSED) {
      body = decompress(bytes, bodyOff, header.getCompressed_page_size(), uncompressed, fileOffset);
      pos = 0;
    }
    float[] dict = new float[n];
    decodePlain(body, pos, n, dict, 0);
    dictionary = dict;
  }

  /** Decodes a DATA_PAGE or DATA_PAGE_V2 whose body is {@code bytes[bodyOff ..]} into {@code out}. */
  void decodeDataPage(PageHeader header, byte[] bytes, int bodyOff, long fileOffset, BatchBuilder out)
      throws IOException, UnsupportedPageEncoding {
    switch (header.getType()) {
      case DATA_PAGE:
        decodeV1(header, bytes, bodyOff, fileOffset, out);
        break;
      case DATA_PAGE_V2:
        decodeV2(header, bytes, bodyOff, fileOffset, out);
        break;
      default:
        throw corrupt(fileOffset, "expected a data page, found " + header.getType());
    }
  }

  /** The number of rows starting in a data page (its zero repetition levels). */
  int countRows(PageHeader header, byte[] bytes, int bodyOff, long fileOffset)
      throws IOException, UnsupportedPageEncoding {
    if (header.getType() == org.apache.parquet.format.PageType.DATA_PAGE_V2) {
      if (header.getData_page_header_v2() == null) {
        throw corrupt(fileOffset, "DATA_PAGE_V2 without a data page v2 header");
      }
      return header.getData_page_header_v2().getNum_rows();
    }
    DataPageHeader dph = checkV1(header, fileOffset);
    int n = checkEntries(dph.getNum_values(), fileOffset);
    int uncompressed = checkUncompressedSize(header, fileOffset);
    byte[] body = bytes;
    int pos = bodyOff;
    if (codec != PageCompression.UNCOMPRESSED) {
      body = decompress(bytes, bodyOff, header.getCompressed_page_size(), uncompressed, fileOffset);
      pos = 0;
    }
    int end = pos + uncompressed;
    int repLength = lengthPrefix(body, pos, end, fileOffset, "repetition");
    rep = grow(rep, n);
    return levels(body, pos + 4, pos + 4 + repLength, 1, rep, n, 0, fileOffset, "repetition");
  }

  private DataPageHeader checkV1(PageHeader header, long fileOffset) throws IOException, UnsupportedPageEncoding {
    DataPageHeader dph = header.getData_page_header();
    if (dph == null) {
      throw corrupt(fileOffset, "DATA_PAGE without a data page header");
    }
    if (dph.getRepetition_level_encoding() != Encoding.RLE || dph.getDefinition_level_encoding() != Encoding.RLE) {
      throw new UnsupportedPageEncoding("levels encoded as " + dph.getRepetition_level_encoding() + "/"
          + dph.getDefinition_level_encoding());
    }
    return dph;
  }

  private void decodeV1(PageHeader header, byte[] bytes, int bodyOff, long fileOffset, BatchBuilder out)
      throws IOException, UnsupportedPageEncoding {
    DataPageHeader dph = checkV1(header, fileOffset);
    Encoding encoding = dph.getEncoding();
    checkValueEncoding(encoding);
    int n = checkEntries(dph.getNum_values(), fileOffset);
    int uncompressed = checkUncompressedSize(header, fileOffset);
    byte[] body = bytes;
    int pos = bodyOff;
    if (codec != PageCompression.UNCOMPRESSED) {
      body = decompress(bytes, bodyOff, header.getCompressed_page_size(), uncompressed, fileOffset);
      pos = 0;
    }
    int end = pos + uncompressed;
    rep = grow(rep, n);
    def = grow(def, n);
    int repLength = lengthPrefix(body, pos, end, fileOffset, "repetition");
    pos += 4;
    int rowStarts = levels(body, pos, pos + repLength, 1, rep, n, 0, fileOffset, "repetition");
    pos += repLength;
    int defLength = lengthPrefix(body, pos, end, fileOffset, "definition");
    pos += 4;
    int present = levels(body, pos, pos + defLength, defWidth, def, n, layout.maxDefinition, fileOffset, "definition");
    pos += defLength;
    decodeValues(encoding, body, pos, end, present, out, fileOffset);
    out.acceptPage(rep, present == n ? null : def, n, present, rowStarts);
  }

  private void decodeV2(PageHeader header, byte[] bytes, int bodyOff, long fileOffset, BatchBuilder out)
      throws IOException, UnsupportedPageEncoding {
    DataPageHeaderV2 dph = header.getData_page_header_v2();
    if (dph == null) {
      throw corrupt(fileOffset, "DATA_PAGE_V2 without a data page v2 header");
    }
    Encoding encoding = dph.getEncoding();
    checkValueEncoding(encoding);
    int n = checkEntries(dph.getNum_values(), fileOffset);
    int compressed = header.getCompressed_page_size();
    int uncompressed = checkUncompressedSize(header, fileOffset);
    int repLength = dph.getRepetition_levels_byte_length();
    int defLength = dph.getDefinition_levels_byte_length();
    if (repLength < 0 || defLength < 0 || (long) repLength + defLength > Math.min(compressed, uncompressed)) {
      throw corrupt(fileOffset, "level lengths " + repLength + " + " + defLength + " exceed the page size");
    }
    rep = grow(rep, n);
    def = grow(def, n);
    int pos = bodyOff;
    int rowStarts = levels(bytes, pos, pos + repLength, 1, rep, n, 0, fileOffset, "repetition");
    pos += repLength;
    int present = levels(bytes, pos, pos + defLength, defWidth, def, n, layout.maxDefinition, fileOffset, "definition");
    pos += defLength;
    if (rowStarts != dph.getNum_rows()) {
      throw corrupt(fileOffset, "page header says " + dph.getNum_rows() + " rows, levels hold " + rowStarts);
    }
    int valuesCompressed = compressed - repLength - defLength;
    int valuesUncompressed = uncompressed - repLength - defLength;
    byte[] body = bytes;
    int end = pos + valuesCompressed;
    boolean isCompressed = !dph.isSetIs_compressed() || dph.isIs_compressed();
    if (isCompressed && codec != PageCompression.UNCOMPRESSED) {
      body = decompress(bytes, pos, valuesCompressed, valuesUncompressed, fileOffset);
      pos = 0;
      end = valuesUncompressed;
    }
    decodeValues(encoding, body, pos, end, present, out, fileOffset);
    out.acceptPage(rep, present == n ? null : def, n, present, rowStarts);
  }

  private static void checkValueEncoding(Encoding encoding) throws UnsupportedPageEncoding {
    switch (encoding) {
      case PLAIN:
      case PLAIN_DICTIONARY:
      case RLE_DICTIONARY:
      case BYTE_STREAM_SPLIT:
        return;
      default:
        throw new UnsupportedPageEncoding("values encoded as " + encoding);
    }
  }

  /** Decodes {@code present} values from {@code body[pos..end)} into {@code out} at its value cursor. */
  private void decodeValues(Encoding encoding, byte[] body, int pos, int end, int present, BatchBuilder out,
      long fileOffset) throws IOException {
    if (present == 0) {
      return;
    }
    int width = layout.isDouble ? 8 : 4;
    float[] dst = out.reserveValues(present);
    int at = out.valueCursor();
    switch (encoding) {
      case PLAIN:
        if ((long) present * width > end - pos) {
          throw corrupt(fileOffset, present + " PLAIN values need " + (long) present * width + " bytes, page has "
              + (end - pos));
        }
        decodePlain(body, pos, present, dst, at);
        break;
      case BYTE_STREAM_SPLIT:
        if ((long) present * width > end - pos) {
          throw corrupt(fileOffset, present + " BYTE_STREAM_SPLIT values need " + (long) present * width
              + " bytes, page has " + (end - pos));
        }
        decodeByteStreamSplit(body, pos, present, dst, at);
        break;
      default: // PLAIN_DICTIONARY, RLE_DICTIONARY
        decodeDictionary(body, pos, end, present, dst, at, fileOffset);
        break;
    }
  }

  private void decodePlain(byte[] body, int pos, int n, float[] dst, int at) {
    if (layout.isDouble) {
      for (int i = 0; i < n; i++) {
        dst[at + i] = (float) (double) DOUBLE_LE.get(body, pos + 8 * i);
      }
    } else {
      ByteBuffer.wrap(body, pos, 4 * n).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dst, at, n);
    }
  }

  private void decodeByteStreamSplit(byte[] body, int pos, int n, float[] dst, int at) {
    if (layout.isDouble) {
      for (int i = 0; i < n; i++) {
        long bits = 0;
        for (int k = 0; k < 8; k++) {
          bits |= (long) (body[pos + k * n + i] & 0xFF) << (8 * k);
        }
        dst[at + i] = (float) Double.longBitsToDouble(bits);
      }
    } else {
      int s1 = pos + n;
      int s2 = pos + 2 * n;
      int s3 = pos + 3 * n;
      for (int i = 0; i < n; i++) {
        int bits = (body[pos + i] & 0xFF) | (body[s1 + i] & 0xFF) << 8 | (body[s2 + i] & 0xFF) << 16
            | (body[s3 + i] & 0xFF) << 24;
        dst[at + i] = Float.intBitsToFloat(bits);
      }
    }
  }

  private void decodeDictionary(byte[] body, int pos, int end, int n, float[] dst, int at, long fileOffset)
      throws IOException {
    float[] dict = dictionary;
    if (dict == null) {
      throw corrupt(fileOffset, "dictionary-encoded page in a column chunk without a dictionary page");
    }
    if (pos >= end) {
      throw corrupt(fileOffset, "dictionary-encoded page without a bit width");
    }
    int bitWidth = body[pos] & 0xFF;
    indices = indices.length >= n ? indices : new int[n];
    int max;
    try {
      max = HybridRleDecoder.decodeInts(body, pos + 1, end, bitWidth, indices, n);
    } catch (IOException e) {
      throw corrupt(fileOffset, e.getMessage());
    }
    if (max >= dict.length) {
      throw corrupt(fileOffset, "dictionary index " + max + " but the dictionary holds " + dict.length + " values");
    }
    int[] idx = indices;
    for (int i = 0; i < n; i++) {
      dst[at + i] = dict[idx[i]];
    }
  }

  private int levels(byte[] body, int pos, int end, int width, byte[] out, int n, int counted, long fileOffset,
      String kind) throws IOException {
    try {
      return HybridRleDecoder.decodeLevels(body, pos, end, width, out, n, counted);
    } catch (IOException e) {
      throw corrupt(fileOffset, kind + " levels: " + e.getMessage());
    }
  }

  private int lengthPrefix(byte[] body, int pos, int end, long fileOffset, String kind) throws IOException {
    if (pos + 4 > end) {
      throw corrupt(fileOffset, "page ends before its " + kind + " level length");
    }
    int length = (int) INT_LE.get(body, pos);
    if (length < 0 || length > end - pos - 4) {
      throw corrupt(fileOffset, kind + " levels of " + length + " bytes do not fit in the page");
    }
    return length;
  }

  private int checkEntries(int n, long fileOffset) throws IOException {
    if (n < 0 || n > maxEntries) {
      throw corrupt(fileOffset, "page header declares " + n + " values; the column chunk holds " + maxEntries);
    }
    return n;
  }

  private int checkUncompressedSize(PageHeader header, long fileOffset) throws IOException {
    int size = header.getUncompressed_page_size();
    if (size < 0 || size > maxUncompressed) {
      throw corrupt(fileOffset, "page header declares " + size + " uncompressed bytes; the column chunk holds "
          + maxUncompressed);
    }
    if (codec == PageCompression.UNCOMPRESSED && size != header.getCompressed_page_size()) {
      throw corrupt(fileOffset, "uncompressed page with compressed size " + header.getCompressed_page_size()
          + " != uncompressed size " + size);
    }
    return size;
  }

  private byte[] decompress(byte[] src, int off, int len, int uncompressed, long fileOffset) throws IOException {
    decompressed = grow(decompressed, uncompressed);
    try {
      codec.decompress(src, off, len, decompressed, 0, uncompressed);
    } catch (IOException | RuntimeException e) {
      throw corrupt(fileOffset, "cannot decompress " + codec + " page: " + e.getMessage());
    }
    return decompressed;
  }

  private static byte[] grow(byte[] array, int n) {
    return array.length >= n ? array : new byte[n];
  }

  private IOException corrupt(long fileOffset, String what) {
    return new IOException(file + ": corrupt page at offset " + fileOffset + ": " + what);
  }
}
