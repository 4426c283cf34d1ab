package io.pqvector.parquet.decode;

import java.util.Arrays;

/**
 * Where the data pages of one column chunk are, for reading single pages.
 *
 * <p>Per data page: the file offset of its header, its size in bytes including the header, and its
 * first row within the row group; plus the chunk's dictionary page, if any, which a dictionary-encoded
 * page needs. Built from the file's offset index or by scanning page headers
 * ({@link VectorColumn#pages(int)}), or from arrays another layer persisted. Immutable.
 */
public final class PageTable {
  private final long[] headerOffsets;
  private final int[] compressedSizes;
  private final long[] firstRows;
  private final long rowGroupRows;
  private final long dictionaryOffset;
  private final int dictionarySize;

  /**
   * @param headerOffsets file offset of each data page's header, ascending
   * @param compressedSizes bytes of each page, header included
   * @param firstRows first row of each page within the row group: starts at 0, strictly ascending
   * @param rowGroupRows rows in the row group (the last page ends there)
   * @param dictionaryOffset file offset of the dictionary page's header, or -1 if none
   * @param dictionarySize bytes of the dictionary page, header included (0 if none)
   * @throws IllegalArgumentException if the arrays are inconsistent
   */
  public PageTable(long[] headerOffsets, int[] compressedSizes, long[] firstRows, long rowGroupRows,
      long dictionaryOffset, int dictionarySize) {
    int n = headerOffsets.length;
    if (compressedSizes.length != n || firstRows.length != n) {
      throw new IllegalArgumentException("page arrays differ in length: " + n + ", " + compressedSizes.length
          + ", " + firstRows.length);
    }
    if (rowGroupRows < 0 || (n == 0) != (rowGroupRows == 0)) {
      throw new IllegalArgumentException(n + " pages for " + rowGroupRows + " rows");
    }
    for (int p = 0; p < n; p++) {
      if (headerOffsets[p] < 0 || compressedSizes[p] <= 0) {
        throw new IllegalArgumentException("page " + p + " at offset " + headerOffsets[p] + " of "
            + compressedSizes[p] + " bytes");
      }
      long previous = p == 0 ? -1 : firstRows[p - 1];
      if ((p == 0 && firstRows[0] != 0) || firstRows[p] <= previous || firstRows[p] >= rowGroupRows) {
        throw new IllegalArgumentException("page " + p + " starts at row " + firstRows[p]
            + ": first rows must start at 0 and ascend below " + rowGroupRows);
      }
    }
    if (dictionaryOffset < -1 || (dictionaryOffset == -1) != (dictionarySize == 0) || dictionarySize < 0) {
      throw new IllegalArgumentException("dictionary page at offset " + dictionaryOffset + " of "
          + dictionarySize + " bytes");
    }
    this.headerOffsets = headerOffsets.clone();
    this.compressedSizes = compressedSizes.clone();
    this.firstRows = firstRows.clone();
    this.rowGroupRows = rowGroupRows;
    this.dictionaryOffset = dictionaryOffset;
    this.dictionarySize = dictionarySize;
  }

  public int pageCount() {
    return headerOffsets.length;
  }

  public long headerOffset(int page) {
    return headerOffsets[page];
  }

  /** Bytes of the page, header included. */
  public int compressedSize(int page) {
    return compressedSizes[page];
  }

  /** First row of the page within its row group. */
  public long firstRow(int page) {
    return firstRows[page];
  }

  public long rowCount(int page) {
    long end = page + 1 < firstRows.length ? firstRows[page + 1] : rowGroupRows;
    return end - firstRows[page];
  }

  public long rowGroupRows() {
    return rowGroupRows;
  }

  public boolean hasDictionary() {
    return dictionaryOffset >= 0;
  }

  /** File offset of the dictionary page's header, or -1. */
  public long dictionaryOffset() {
    return dictionaryOffset;
  }

  /** Bytes of the dictionary page, header included, or 0. */
  public int dictionarySize() {
    return dictionarySize;
  }

  /** The page holding {@code rowInGroup} (binary search). */
  public int pageOf(long rowInGroup) {
    if (rowInGroup < 0 || rowInGroup >= rowGroupRows) {
      throw new IndexOutOfBoundsException("row " + rowInGroup + " of " + rowGroupRows);
    }
    int found = Arrays.binarySearch(firstRows, rowInGroup);
    return found >= 0 ? found : -found - 2;
  }

  /** Copies of the arrays, for persisting; pass them back to the constructor. */
  public long[] headerOffsets() {
    return headerOffsets.clone();
  }

  public int[] compressedSizes() {
    return compressedSizes.clone();
  }

  public long[] firstRows() {
    return firstRows.clone();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof PageTable)) {
      return false;
    }
    PageTable t = (PageTable) o;
    return rowGroupRows == t.rowGroupRows && dictionaryOffset == t.dictionaryOffset
        && dictionarySize == t.dictionarySize && Arrays.equals(headerOffsets, t.headerOffsets)
        && Arrays.equals(compressedSizes, t.compressedSizes) && Arrays.equals(firstRows, t.firstRows);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(headerOffsets) * 31 + Long.hashCode(rowGroupRows);
  }

  @Override
  public String toString() {
    return "PageTable[" + pageCount() + " pages, " + rowGroupRows + " rows"
        + (hasDictionary() ? ", dictionary at " + dictionaryOffset : "") + "]";
  }
}
