package io.pqvector.parquet.decode;

import java.util.Arrays;

/**
 * The decoded vectors of a run of consecutive rows, in flat primitive arrays.
 *
 * <p>Row {@code i} is {@code values()[offset(i) .. offset(i) + length(i))}. A NULL list, or a list that
 * contains a NULL element, is a null row with length 0; an empty list is a non-null row of length 0.
 * {@code values()} may be longer than the last row's end. The arrays are shared, not copied: do not
 * modify them.
 */
public final class VectorBatch {
  private final float[] values;
  private final int[] offsets;
  /** Bit {@code i} set means row {@code i} is null; {@code null} when no row is. */
  private final long[] nullBits;
  private final int rowCount;

  VectorBatch(float[] values, int[] offsets, long[] nullBits, int rowCount) {
    if (offsets.length < rowCount + 1) {
      throw new IllegalArgumentException("offsets hold " + offsets.length + " entries for " + rowCount + " rows");
    }
    this.values = values;
    this.offsets = offsets;
    this.nullBits = nullBits;
    this.rowCount = rowCount;
  }

  /**
   * {@code rows} non-null vectors of {@code dim} floats each, back to back in {@code values} (a
   * search keeps the vectors of one IVF list this way, contiguous, so scoring streams memory).
   */
  public static VectorBatch ofFixedLength(float[] values, int rows, int dim) {
    if ((long) rows * dim > values.length) {
      throw new IllegalArgumentException(rows + " vectors of " + dim + " floats in "
          + values.length);
    }
    int[] offsets = new int[rows + 1];
    for (int i = 0; i <= rows; i++) {
      offsets[i] = i * dim;
    }
    return new VectorBatch(values, offsets, null, rows);
  }

  public int rowCount() {
    return rowCount;
  }

  /** Index in {@link #values()} of the first element of {@code row}. */
  public int offset(int row) {
    return offsets[checkRow(row)];
  }

  public int length(int row) {
    checkRow(row);
    return offsets[row + 1] - offsets[row];
  }

  public boolean isNull(int row) {
    checkRow(row);
    return nullBits != null && (nullBits[row >>> 6] & (1L << row)) != 0;
  }

  /** All rows' elements back to back; see the class comment for the layout. */
  public float[] values() {
    return values;
  }

  /** Approximate heap bytes held by this batch's arrays. */
  public long memoryBytes() {
    long bytes = 16 + 16 + 16 + 4L * values.length + 4L * offsets.length;
    if (nullBits != null) {
      bytes += 16 + 8L * nullBits.length;
    }
    return bytes;
  }

  /** Rows {@code [from, to)} as a new batch (values copied, so the slice holds no more than it needs). */
  VectorBatch slice(int from, int to) {
    if (from < 0 || to > rowCount || from > to) {
      throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + rowCount);
    }
    int base = offsets[from];
    float[] slicedValues = Arrays.copyOfRange(values, base, offsets[to]);
    int[] slicedOffsets = new int[to - from + 1];
    for (int i = 0; i <= to - from; i++) {
      slicedOffsets[i] = offsets[from + i] - base;
    }
    long[] slicedNulls = null;
    if (nullBits != null) {
      for (int i = from; i < to; i++) {
        if (isNull(i)) {
          if (slicedNulls == null) {
            slicedNulls = new long[(to - from + 63) >>> 6];
          }
          slicedNulls[(i - from) >>> 6] |= 1L << (i - from);
        }
      }
    }
    return new VectorBatch(slicedValues, slicedOffsets, slicedNulls, to - from);
  }

  private int checkRow(int row) {
    if (row < 0 || row >= rowCount) {
      throw new IndexOutOfBoundsException("row " + row + " of " + rowCount);
    }
    return row;
  }

  @Override
  public String toString() {
    return "VectorBatch[" + rowCount + " rows, " + offsets[rowCount] + " values]";
  }
}
