package io.pqvector.parquet.decode;

import java.io.IOException;

/**
 * A cursor over Thrift compact-protocol bytes in {@code bytes[pos..end)}: field headers, zigzag
 * varints, and generic skipping of any value by its type. Every read is bounds-checked; a cut-off or
 * malformed encoding throws an IOException naming the file and the offset of the structure being read.
 *
 * <p>It accepts what parquet-format's shaded Thrift {@code TCompactProtocol} accepts, with two
 * deliberate exceptions it rejects as corrupt: varints longer than an int (5 bytes) or a long (10
 * bytes) can hold, and nesting deeper than {@link #MAX_DEPTH}.
 */
final class ThriftCompactReader {
  // Compact-protocol type codes (the low nibble of a field header, the element nibble of a list).
  static final int STOP = 0;
  static final int BOOLEAN_TRUE = 1;
  static final int BOOLEAN_FALSE = 2;
  static final int BYTE = 3;
  static final int I16 = 4;
  static final int I32 = 5;
  static final int I64 = 6;
  static final int DOUBLE = 7;
  static final int BINARY = 8;
  static final int LIST = 9;
  static final int SET = 10;
  static final int MAP = 11;
  static final int STRUCT = 12;
  static final int UUID = 13;

  /** Deepest nesting of structs and containers accepted (Thrift's default recursion limit). */
  static final int MAX_DEPTH = 64;

  private final byte[] bytes;
  private final int start;
  private final int end;
  private final Object file;
  private final long fileOffset;
  private final String what;
  private int pos;

  /**
   * @param what names the structure in error messages, e.g. "page header"
   * @param fileOffset the file offset of {@code bytes[pos]}
   */
  ThriftCompactReader(byte[] bytes, int pos, int end, Object file, long fileOffset, String what) {
    if (pos < 0 || pos > end || end > bytes.length) {
      throw new IllegalArgumentException("range [" + pos + ", " + end + ") outside an array of " + bytes.length);
    }
    this.bytes = bytes;
    this.start = pos;
    this.pos = pos;
    this.end = end;
    this.file = file;
    this.fileOffset = fileOffset;
    this.what = what;
  }

  /** Bytes consumed since the start. */
  int consumed() {
    return pos - start;
  }

  /**
   * Reads a field header of a struct whose previous field had id {@code lastId} (0 at the start of a
   * struct). Returns the field packed as {@code id << 8 | type}; see {@link #fieldType} and {@link
   * #fieldId}. Type {@link #STOP} ends the struct (as in Thrift, a zero type nibble ends it even after
   * a non-zero id delta). A boolean field carries its value in its type: {@link #BOOLEAN_TRUE} or
   * {@link #BOOLEAN_FALSE}, with no value bytes.
   */
  int readFieldHeader(int lastId) throws IOException {
    int b = readByte() & 0xFF;
    int type = b & 0x0F;
    if (type == STOP) {
      return STOP;
    }
    checkType(type);
    int delta = b >>> 4;
    short id = delta == 0 ? readI16() : (short) (lastId + delta);
    return id << 8 | type;
  }

  static int fieldType(int field) {
    return field & 0xFF;
  }

  static int fieldId(int field) {
    return field >> 8;
  }

  static boolean isBool(int type) {
    return type == BOOLEAN_TRUE || type == BOOLEAN_FALSE;
  }

  int readI32() throws IOException {
    int n = readVarint32();
    return (n >>> 1) ^ -(n & 1);
  }

  short readI16() throws IOException {
    return (short) readI32();
  }

  /**
   * Skips the value of a field of compact type {@code type} inside a struct at nesting {@code depth}
   * (1 for the outermost struct).
   */
  void skipField(int type, int depth) throws IOException {
    if (isBool(type)) {
      return; // the value is in the field header
    }
    skip(type, depth);
  }

  /** Skips one value of {@code type} that is not a struct field (a container element). */
  private void skip(int type, int depth) throws IOException {
    switch (type) {
      case BOOLEAN_TRUE:
      case BOOLEAN_FALSE:
      case BYTE:
        readByte();
        return;
      case I16:
      case I32:
        readVarint32();
        return;
      case I64:
        skipVarint64();
        return;
      case DOUBLE:
        skipBytes(8);
        return;
      case UUID:
        skipBytes(16);
        return;
      case BINARY: {
        int length = readVarint32();
        if (length < 0) {
          throw corrupt("binary of negative length " + length);
        }
        skipBytes(length);
        return;
      }
      case LIST:
      case SET:
        skipList(depth + 1);
        return;
      case MAP:
        skipMap(depth + 1);
        return;
      case STRUCT:
        skipStruct(depth + 1);
        return;
      default:
        throw corrupt("unknown type " + type);
    }
  }

  /** Skips the fields of a struct up to and including its stop byte; {@code depth} is the struct's own. */
  void skipStruct(int depth) throws IOException {
    checkDepth(depth);
    int lastId = 0;
    while (true) {
      int field = readFieldHeader(lastId);
      int type = fieldType(field);
      if (type == STOP) {
        return;
      }
      lastId = fieldId(field);
      skipField(type, depth);
    }
  }

  private void skipList(int depth) throws IOException {
    checkDepth(depth);
    int b = readByte() & 0xFF;
    int size = b >>> 4;
    if (size == 15) {
      size = readVarint32();
    }
    int type = b & 0x0F;
    checkElements(size, type, 1);
    for (int i = 0; i < size; i++) {
      skip(type, depth);
    }
  }

  private void skipMap(int depth) throws IOException {
    checkDepth(depth);
    int size = readVarint32();
    if (size == 0) {
      return; // an empty map has no key/value type byte
    }
    int b = readByte() & 0xFF;
    int keyType = b >>> 4;
    int valueType = b & 0x0F;
    checkElements(size, keyType, 2);
    checkElements(size, valueType, 2);
    for (int i = 0; i < size; i++) {
      skip(keyType, depth);
      skip(valueType, depth);
    }
  }

  /** Checks a container's element type and that {@code size} elements of at least {@code minBytes} fit. */
  private void checkElements(int size, int type, int minBytes) throws IOException {
    if (size < 0) {
      throw corrupt("container of negative size " + size + atWhere());
    }
    checkType(type);
    if (type == UUID || (type == STOP && size > 0)) {
      throw corrupt("container of elements of type " + type + atWhere());
    }
    if ((long) size * minBytes > end - pos) {
      throw corrupt("container of " + size + " elements ends past the " + (end - pos) + " bytes left"
          + atWhere());
    }
  }

  private void checkType(int type) throws IOException {
    if (type > UUID) {
      throw corrupt("unknown type " + type + atWhere());
    }
  }

  private void checkDepth(int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw corrupt("nested more than " + MAX_DEPTH + " levels deep");
    }
  }

  private byte readByte() throws IOException {
    if (pos >= end) {
      throw cutOff();
    }
    return bytes[pos++];
  }

  private void skipBytes(int n) throws IOException {
    if (n > end - pos) {
      throw cutOff();
    }
    pos += n;
  }

  private int readVarint32() throws IOException {
    int result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      byte b = readByte();
      result |= (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw corrupt("varint longer than 5 bytes" + atWhere());
  }

  private void skipVarint64() throws IOException {
    for (int i = 0; i < 10; i++) {
      if (readByte() >= 0) {
        return;
      }
    }
    throw corrupt("varint longer than 10 bytes" + atWhere());
  }

  private String atWhere() {
    return " (at byte " + (pos - start) + ")";
  }

  private IOException cutOff() {
    return corrupt("cut off after " + (pos - start) + " bytes");
  }

  IOException corrupt(String message) {
    return new IOException(file + ": corrupt " + what + " at offset " + fileOffset + ": " + message);
  }
}
