package io.pqvector.parquet.decode;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A hand-rolled Thrift compact-protocol encoder for tests: it can write what Thrift's own writer
 * never does (unknown fields of every type, long-form ids where a delta would do, fields out of order,
 * wrong types, over-long varints, nesting of any depth, bogus sizes).
 */
final class CompactWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final Deque<Integer> lastIds = new ArrayDeque<>();
  private int lastId;

  byte[] toByteArray() {
    return out.toByteArray();
  }

  /** A field header; uses the short (delta) form when it can unless {@code longForm}. */
  CompactWriter field(int id, int type, boolean longForm) {
    int delta = id - lastId;
    if (!longForm && delta > 0 && delta <= 15) {
      out.write(delta << 4 | type);
    } else {
      out.write(type);
      i16(id);
    }
    lastId = id;
    return this;
  }

  CompactWriter field(int id, int type) {
    return field(id, type, false);
  }

  CompactWriter boolField(int id, boolean value) {
    return field(id, value ? ThriftCompactReader.BOOLEAN_TRUE : ThriftCompactReader.BOOLEAN_FALSE);
  }

  CompactWriter i32Field(int id, int value) {
    return field(id, ThriftCompactReader.I32).i32(value);
  }

  CompactWriter beginStruct() {
    lastIds.push(lastId);
    lastId = 0;
    return this;
  }

  /** Writes the stop byte and returns to the enclosing struct's field ids. */
  CompactWriter endStruct() {
    out.write(0);
    lastId = lastIds.isEmpty() ? 0 : lastIds.pop();
    return this;
  }

  CompactWriter raw(int... bytes) {
    for (int b : bytes) {
      out.write(b);
    }
    return this;
  }

  CompactWriter varint(long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) (v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
    return this;
  }

  CompactWriter i16(int v) {
    return i32((short) v);
  }

  CompactWriter i32(int v) {
    return varint(Integer.toUnsignedLong(v << 1 ^ v >> 31));
  }

  CompactWriter i64(long v) {
    return varint(v << 1 ^ v >> 63);
  }

  CompactWriter binary(byte[] b) {
    varint(b.length);
    out.write(b, 0, b.length);
    return this;
  }

  CompactWriter listHeader(int size, int elementType) {
    if (size < 15) {
      out.write(size << 4 | elementType);
    } else {
      out.write(0xF0 | elementType);
      varint(size);
    }
    return this;
  }

  CompactWriter mapHeader(int size, int keyType, int valueType) {
    varint(size);
    if (size != 0) {
      out.write(keyType << 4 | valueType);
    }
    return this;
  }
}
