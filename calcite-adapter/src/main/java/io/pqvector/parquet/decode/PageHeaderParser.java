package io.pqvector.parquet.decode;

import static io.pqvector.parquet.decode.ThriftCompactReader.BOOLEAN_TRUE;
import static io.pqvector.parquet.decode.ThriftCompactReader.I32;
import static io.pqvector.parquet.decode.ThriftCompactReader.STOP;
import static io.pqvector.parquet.decode.ThriftCompactReader.STRUCT;
import static io.pqvector.parquet.decode.ThriftCompactReader.fieldId;
import static io.pqvector.parquet.decode.ThriftCompactReader.fieldType;
import static io.pqvector.parquet.decode.ThriftCompactReader.isBool;

import java.io.IOException;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.DictionaryPageHeader;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;

/**
 * Parses a Thrift page header out of a byte array and checks the sizes it declares.
 *
 * <p>It decodes the compact protocol directly from the array (see {@link ThriftCompactReader}) rather
 * than through parquet-format's {@code Util.readPageHeader}, whose stream, protocol and validator
 * objects (and a {@code String.format} per header) dominate reading files of one vector per page. It
 * fills only what the decoder uses: the page type, sizes and crc, and the data page (v1 and v2) and
 * dictionary page headers without their statistics; every other field, index_page_header and any
 * unknown future field is skipped. It applies Thrift's rules: a known field of an unexpected type is
 * skipped, the last of repeated fields wins, and a missing required field or an unknown enum value in
 * a required field makes the header corrupt.
 */
final class PageHeaderParser {
  /** Stands for a required enum field not (yet) read; no enum has this value. */
  private static final int ABSENT = Integer.MIN_VALUE;

  final PageHeader header;
  /** Bytes taken by the header itself; the page body starts right after. */
  final int headerLength;

  private PageHeaderParser(PageHeader header, int headerLength) {
    this.header = header;
    this.headerLength = headerLength;
  }

  /**
   * Parses the header at {@code bytes[pos..]}; the page (header and body) must end by {@code end}.
   * Throws an IOException naming {@code file} and {@code fileOffset} for a corrupt or cut-off header.
   */
  static PageHeaderParser parse(byte[] bytes, int pos, int end, Object file, long fileOffset) throws IOException {
    return parse(bytes, pos, end, end - pos, file, fileOffset);
  }

  /**
   * Parses a header that lies in {@code bytes[pos..end)}, for a page whose header and body must fit in
   * {@code bytesLeftInChunk} (which may exceed the bytes at hand when only a header window was read).
   */
  static PageHeaderParser parse(byte[] bytes, int pos, int end, long bytesLeftInChunk, Object file,
      long fileOffset) throws IOException {
    ThriftCompactReader in = new ThriftCompactReader(bytes, pos, end, file, fileOffset, "page header");
    PageHeader header = readPageHeader(in);
    int headerLength = in.consumed();
    int compressed = header.getCompressed_page_size();
    int uncompressed = header.getUncompressed_page_size();
    if (compressed < 0 || uncompressed < 0 || (long) headerLength + compressed > bytesLeftInChunk) {
      throw new IOException(
          file + ": corrupt page header at offset " + fileOffset + ": page of " + compressed + " compressed / "
              + uncompressed + " uncompressed bytes does not fit in the " + (bytesLeftInChunk - headerLength)
              + " bytes left in its column chunk");
    }
    return new PageHeaderParser(header, headerLength);
  }

  /** Reads a {@code PageHeader} struct (nesting depth 1). */
  static PageHeader readPageHeader(ThriftCompactReader in) throws IOException {
    PageHeader header = new PageHeader();
    int type = ABSENT;
    boolean hasUncompressed = false;
    boolean hasCompressed = false;
    int lastId = 0;
    while (true) {
      int field = in.readFieldHeader(lastId);
      int fieldType = fieldType(field);
      if (fieldType == STOP) {
        break;
      }
      lastId = fieldId(field);
      if (fieldType == I32 && lastId >= 1 && lastId <= 4) {
        int value = in.readI32();
        if (lastId == 1) {
          type = value;
        } else if (lastId == 2) {
          header.setUncompressed_page_size(value);
          hasUncompressed = true;
        } else if (lastId == 3) {
          header.setCompressed_page_size(value);
          hasCompressed = true;
        } else {
          header.setCrc(value);
        }
      } else if (fieldType == STRUCT && lastId == 5) {
        header.setData_page_header(readDataPageHeader(in));
      } else if (fieldType == STRUCT && lastId == 7) {
        header.setDictionary_page_header(readDictionaryPageHeader(in));
      } else if (fieldType == STRUCT && lastId == 8) {
        header.setData_page_header_v2(readDataPageHeaderV2(in));
      } else { // index_page_header (6), fields of unexpected types, unknown fields
        in.skipField(fieldType, 1);
      }
    }
    if (!hasUncompressed || !hasCompressed) {
      throw in.corrupt("page header without " + (hasUncompressed ? "compressed" : "uncompressed") + "_page_size");
    }
    PageType pageType = PageType.findByValue(type);
    if (pageType == null) {
      throw in.corrupt(type == ABSENT ? "page header without a page type" : "unknown page type " + type);
    }
    header.setType(pageType);
    return header;
  }

  private static DataPageHeader readDataPageHeader(ThriftCompactReader in) throws IOException {
    DataPageHeader h = new DataPageHeader();
    boolean hasNumValues = false;
    int encoding = ABSENT;
    int definitionEncoding = ABSENT;
    int repetitionEncoding = ABSENT;
    int lastId = 0;
    while (true) {
      int field = in.readFieldHeader(lastId);
      int fieldType = fieldType(field);
      if (fieldType == STOP) {
        break;
      }
      lastId = fieldId(field);
      switch (fieldType == I32 ? lastId : 0) {
        case 1:
          h.setNum_values(in.readI32());
          hasNumValues = true;
          break;
        case 2:
          encoding = in.readI32();
          break;
        case 3:
          definitionEncoding = in.readI32();
          break;
        case 4:
          repetitionEncoding = in.readI32();
          break;
        default: // statistics (5), fields of other types, unknown fields
          in.skipField(fieldType, 2);
      }
    }
    if (!hasNumValues) {
      throw in.corrupt("data page header without num_values");
    }
    h.setEncoding(encoding(in, encoding, "data page header", "encoding"));
    h.setDefinition_level_encoding(encoding(in, definitionEncoding, "data page header", "definition_level_encoding"));
    h.setRepetition_level_encoding(encoding(in, repetitionEncoding, "data page header", "repetition_level_encoding"));
    return h;
  }

  private static DictionaryPageHeader readDictionaryPageHeader(ThriftCompactReader in) throws IOException {
    DictionaryPageHeader h = new DictionaryPageHeader();
    boolean hasNumValues = false;
    int encoding = ABSENT;
    int lastId = 0;
    while (true) {
      int field = in.readFieldHeader(lastId);
      int fieldType = fieldType(field);
      if (fieldType == STOP) {
        break;
      }
      lastId = fieldId(field);
      if (lastId == 1 && fieldType == I32) {
        h.setNum_values(in.readI32());
        hasNumValues = true;
      } else if (lastId == 2 && fieldType == I32) {
        encoding = in.readI32();
      } else if (lastId == 3 && isBool(fieldType)) {
        h.setIs_sorted(fieldType == BOOLEAN_TRUE);
      } else {
        in.skipField(fieldType, 2);
      }
    }
    if (!hasNumValues) {
      throw in.corrupt("dictionary page header without num_values");
    }
    h.setEncoding(encoding(in, encoding, "dictionary page header", "encoding"));
    return h;
  }

  private static DataPageHeaderV2 readDataPageHeaderV2(ThriftCompactReader in) throws IOException {
    DataPageHeaderV2 h = new DataPageHeaderV2(); // is_compressed defaults to true
    int required = 0; // bit i set: required i32 field i seen
    int encoding = ABSENT;
    int lastId = 0;
    while (true) {
      int field = in.readFieldHeader(lastId);
      int fieldType = fieldType(field);
      if (fieldType == STOP) {
        break;
      }
      lastId = fieldId(field);
      if (lastId == 7 && isBool(fieldType)) {
        h.setIs_compressed(fieldType == BOOLEAN_TRUE);
        continue;
      }
      switch (fieldType == I32 ? lastId : 0) {
        case 1:
          h.setNum_values(in.readI32());
          break;
        case 2:
          h.setNum_nulls(in.readI32());
          break;
        case 3:
          h.setNum_rows(in.readI32());
          break;
        case 4:
          encoding = in.readI32();
          break;
        case 5:
          h.setDefinition_levels_byte_length(in.readI32());
          break;
        case 6:
          h.setRepetition_levels_byte_length(in.readI32());
          break;
        default: // statistics (8), fields of other types, unknown fields
          in.skipField(fieldType, 2);
          continue;
      }
      required |= 1 << lastId;
    }
    int missing = ~required & 0b0110_1110; // fields 1, 2, 3, 5 and 6
    if (missing != 0) {
      String[] names = {null, "num_values", "num_nulls", "num_rows", null, "definition_levels_byte_length",
          "repetition_levels_byte_length", null};
      throw in.corrupt("data page header v2 without " + names[Integer.numberOfTrailingZeros(missing)]);
    }
    h.setEncoding(encoding(in, encoding, "data page header v2", "encoding"));
    return h;
  }

  private static Encoding encoding(ThriftCompactReader in, int value, String struct, String field)
      throws IOException {
    Encoding encoding = Encoding.findByValue(value);
    if (encoding == null) {
      throw in.corrupt(value == ABSENT ? struct + " without " + field
          : struct + " with unknown " + field + " " + value);
    }
    return encoding;
  }
}
