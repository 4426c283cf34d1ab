package io.pqvector.rewrite;

import org.apache.parquet.example.data.Group;

/**
 * One buffered row: the other columns, and the vector column's entries exactly as stored:
 * {@code defs} is null for a list whose elements are all present (the common case), else the
 * definition level of every entry; {@code values} holds the present elements.
 */
final class BufferedRow {
  final Group others;
  final float[] values;
  final byte[] defs;

  BufferedRow(Group others, float[] values, byte[] defs) {
    this.others = others;
    this.values = values;
    this.defs = defs;
  }
}
