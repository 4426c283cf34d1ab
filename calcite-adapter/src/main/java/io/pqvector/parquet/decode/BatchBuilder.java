package io.pqvector.parquet.decode;

import java.io.IOException;
import java.util.Arrays;

/**
 * Assembles rows from decoded levels and values, one page at a time, into a {@link VectorBatch}.
 *
 * <p>Each page's present values are decoded in bulk, straight into {@link #valueArray()} at
 * {@link #valueCursor()}; the page's levels then say where rows begin and which rows are null. Values
 * of null rows are dropped by moving later rows' values left, so a batch without nulls never moves a
 * value. A row may continue across pages.
 */
final class BatchBuilder {
  private static final int MAX_VALUES = Integer.MAX_VALUE - 16;

  private final VectorLayout layout;
  private final int rowCapacity;
  private final int[] offsets;
  private long[] nullBits;
  private float[] values;
  /** Rows started so far; the last one is open until the next starts or {@link #finish()}. */
  private int rows;
  /** End of the decoded values (read side). */
  private int readEnd;
  /** End of the kept values (write side); equals readEnd until a null row is dropped. */
  private int writeEnd;
  /** Read-side start of the open row's values (its write-side start is offsets[rows - 1]). */
  private int openRowRead;
  private boolean openRowNull;

  BatchBuilder(VectorLayout layout, int rowCapacity, int initialValueCapacity) {
    this.layout = layout;
    this.rowCapacity = rowCapacity;
    this.offsets = new int[rowCapacity + 1];
    this.values = new float[Math.max(0, initialValueCapacity)];
  }

  /** Makes room for {@code n} more decoded values and returns the array to decode them into. */
  float[] reserveValues(long n) throws IOException {
    long needed = (long) readEnd + n;
    if (needed > MAX_VALUES) {
      throw new IOException("more than " + MAX_VALUES + " floats in one batch");
    }
    if (needed > values.length) {
      long grown = Math.max(needed, Math.min(MAX_VALUES, values.length + (values.length >> 1) + 16));
      values = Arrays.copyOf(values, (int) grown);
    }
    return values;
  }

  float[] valueArray() {
    return values;
  }

  /** Where the next page's values go in {@link #valueArray()}. */
  int valueCursor() {
    return readEnd;
  }

  /**
   * Takes one page's levels; its {@code presentValues} values already sit at {@link #valueCursor()}.
   *
   * @param rep repetition levels, {@code count} of them
   * @param def definition levels, or {@code null} when every entry is a present value
   * @param rowStarts the number of zero repetition levels (rows starting in this page)
   */
  void acceptPage(byte[] rep, byte[] def, int count, int presentValues, int rowStarts) throws IOException {
    if (rows + rowStarts > rowCapacity) {
      throw new IOException("pages hold more rows than the " + rowCapacity + " the metadata declares");
    }
    if (count > 0 && rows == 0 && rep[0] != 0) {
      throw new IOException("the first value of a page continues a row that started in no earlier page");
    }
    boolean noDisplacement = rows == 0 || (openRowRead == offsets[rows - 1] && !openRowNull);
    if (def == null && noDisplacement) {
      acceptAllPresent(rep, count);
    } else {
      acceptGeneral(rep, def, count);
    }
  }

  /** The common case: no nulls, no empty lists, nothing moved so far; row offsets are entry indices. */
  private void acceptAllPresent(byte[] rep, int count) {
    int base = readEnd;
    int[] offsets = this.offsets;
    int r = rows;
    for (int i = 0; i < count; i++) {
      if (rep[i] == 0) {
        offsets[r++] = base + i;
      }
    }
    if (r > rows) {
      openRowRead = offsets[r - 1];
      openRowNull = false;
    }
    rows = r;
    readEnd = base + count;
    writeEnd = readEnd;
  }

  private void acceptGeneral(byte[] rep, byte[] def, int count) {
    int maxDef = layout.maxDefinition;
    int listDefined = layout.listDefined;
    int elementDefined = layout.elementDefined;
    int read = readEnd;
    for (int i = 0; i < count; i++) {
      if (rep[i] == 0) {
        if (rows > 0) {
          closeOpenRow(read);
        }
        offsets[rows++] = writeEnd;
        openRowRead = read;
        openRowNull = false;
      }
      int d = def == null ? maxDef : def[i];
      if (d == maxDef) {
        read++;
      } else if (d < listDefined || d >= elementDefined) {
        openRowNull = true; // a NULL list, or a NULL element inside a list
      }
      // else: an empty list, which adds no value
    }
    readEnd = read;
  }

  private void closeOpenRow(int readEndOfRow) {
    int start = offsets[rows - 1];
    if (openRowNull) {
      int row = rows - 1;
      if (nullBits == null) {
        nullBits = new long[(rowCapacity + 63) >>> 6];
      }
      nullBits[row >>> 6] |= 1L << row;
      writeEnd = start;
    } else {
      int length = readEndOfRow - openRowRead;
      if (openRowRead != start) {
        System.arraycopy(values, openRowRead, values, start, length);
      }
      writeEnd = start + length;
    }
  }

  int rows() {
    return rows;
  }

  VectorBatch finish() throws IOException {
    if (rows > 0) {
      closeOpenRow(readEnd);
    }
    if (rows != rowCapacity) {
      throw new IOException("pages hold " + rows + " rows but the metadata declares " + rowCapacity);
    }
    offsets[rows] = writeEnd;
    float[] kept = values.length == writeEnd ? values : Arrays.copyOf(values, writeEnd);
    return new VectorBatch(kept, offsets, nullBits, rows);
  }
}
