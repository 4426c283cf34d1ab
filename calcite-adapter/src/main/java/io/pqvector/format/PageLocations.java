package io.pqvector.format;

import java.util.Arrays;
import io.pqvector.parquet.decode.PageTable;

/**
 * The index's page-table section as stored: where the vector column's pages are, for files written
 * without a Parquet offset index. Per row group its first global row, row count and dictionary page
 * (-1 when none, as on disk), and per data page the file offset of its page header, its compressed
 * size including that header, and its first row within the row group. Readers take one row group
 * at a time as the Parquet layer's {@link PageTable} ({@link #rowGroup}); builders make it from
 * those ({@link #of}). Immutable; row ids are ints like everywhere in the index.
 */
public final class PageLocations {
  private final int[] rowGroupFirstRow;
  private final int[] rowGroupRowCount;
  private final long[] dictionaryPageOffset;
  private final int[] dictionaryPageSize;
  /** Index of each row group's first page; one extra entry holds the total page count. */
  private final int[] rowGroupFirstPage;
  private final long[] pageOffset;
  private final int[] pageCompressedSize;
  private final int[] pageFirstRow;

  /**
   * @param rowGroupRowCounts rows of each row group, in file order
   * @param dictionaryPageOffsets per row group, file offset of the dictionary page header, or -1
   * @param dictionaryPageSizes per row group, compressed size of the dictionary page including its
   *     header, or -1
   * @param pagesPerRowGroup number of data pages of each row group
   * @param pageOffsets per data page (row groups in order, pages in order), header file offset
   * @param pageCompressedSizes per data page, compressed size including the page header
   * @param pageFirstRows per data page, its first row within its row group (0 for the first page)
   * @throws IllegalArgumentException if the arrays do not describe a consistent table
   */
  public PageLocations(int[] rowGroupRowCounts, long[] dictionaryPageOffsets, int[] dictionaryPageSizes,
      int[] pagesPerRowGroup, long[] pageOffsets, int[] pageCompressedSizes, int[] pageFirstRows) {
    String problem = problem(rowGroupRowCounts, dictionaryPageOffsets, dictionaryPageSizes,
        pagesPerRowGroup, pageOffsets, pageCompressedSizes, pageFirstRows);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    int groups = rowGroupRowCounts.length;
    this.rowGroupRowCount = rowGroupRowCounts.clone();
    this.dictionaryPageOffset = dictionaryPageOffsets.clone();
    this.dictionaryPageSize = dictionaryPageSizes.clone();
    this.pageOffset = pageOffsets.clone();
    this.pageCompressedSize = pageCompressedSizes.clone();
    this.pageFirstRow = pageFirstRows.clone();
    this.rowGroupFirstRow = new int[groups];
    this.rowGroupFirstPage = new int[groups + 1];
    int row = 0;
    for (int g = 0; g < groups; g++) {
      rowGroupFirstRow[g] = row;
      row += rowGroupRowCounts[g];
      rowGroupFirstPage[g + 1] = rowGroupFirstPage[g] + pagesPerRowGroup[g];
    }
  }

  /** The stored form of per-row-group page tables, in row-group order. */
  public static PageLocations of(PageTable[] rowGroups) {
    int groups = rowGroups.length;
    int[] rowCounts = new int[groups];
    long[] dictOffsets = new long[groups];
    int[] dictSizes = new int[groups];
    int[] pagesPerGroup = new int[groups];
    int pages = 0;
    for (int g = 0; g < groups; g++) {
      PageTable t = rowGroups[g];
      if (t.rowGroupRows() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("row group " + g + " has " + t.rowGroupRows() + " rows");
      }
      rowCounts[g] = (int) t.rowGroupRows();
      dictOffsets[g] = t.hasDictionary() ? t.dictionaryOffset() : -1;
      dictSizes[g] = t.hasDictionary() ? t.dictionarySize() : -1;
      pagesPerGroup[g] = t.pageCount();
      pages += t.pageCount();
    }
    long[] offsets = new long[pages];
    int[] sizes = new int[pages];
    int[] firstRows = new int[pages];
    int p = 0;
    for (PageTable t : rowGroups) {
      for (int i = 0; i < t.pageCount(); i++, p++) {
        offsets[p] = t.headerOffset(i);
        sizes[p] = t.compressedSize(i);
        firstRows[p] = (int) t.firstRow(i);
      }
    }
    return new PageLocations(rowCounts, dictOffsets, dictSizes, pagesPerGroup, offsets, sizes,
        firstRows);
  }

  /** One row group's pages as the Parquet layer reads them (no dictionary: offset -1, size 0). */
  public PageTable rowGroup(int rowGroup) {
    int first = rowGroupFirstPage[rowGroup];
    int count = rowGroupFirstPage[rowGroup + 1] - first;
    long[] offsets = Arrays.copyOfRange(pageOffset, first, first + count);
    int[] sizes = Arrays.copyOfRange(pageCompressedSize, first, first + count);
    long[] firstRows = new long[count];
    for (int p = 0; p < count; p++) {
      firstRows[p] = pageFirstRow[first + p];
    }
    return new PageTable(offsets, sizes, firstRows, rowGroupRowCount[rowGroup],
        dictionaryPageOffset[rowGroup], Math.max(0, dictionaryPageSize[rowGroup]));
  }

  /** The first reason the arrays are inconsistent, or null. Shared with the reader. */
  static String problem(int[] rowCounts, long[] dictOffsets, int[] dictSizes, int[] pagesPerGroup,
      long[] pageOffsets, int[] pageSizes, int[] pageFirstRows) {
    if (rowCounts == null || dictOffsets == null || dictSizes == null || pagesPerGroup == null
        || pageOffsets == null || pageSizes == null || pageFirstRows == null) {
      return "a page-table array is null";
    }
    int groups = rowCounts.length;
    if (dictOffsets.length != groups || dictSizes.length != groups
        || pagesPerGroup.length != groups) {
      return "row-group arrays have different lengths";
    }
    int pages = pageOffsets.length;
    if (pageSizes.length != pages || pageFirstRows.length != pages) {
      return "page arrays have different lengths";
    }
    long totalRows = 0;
    long page = 0;
    for (int g = 0; g < groups; g++) {
      int rows = rowCounts[g];
      if (rows < 0) {
        return "row group " + g + " has a negative row count " + rows;
      }
      totalRows += rows;
      if (totalRows > Integer.MAX_VALUE) {
        return "row groups hold more than 2^31-1 rows";
      }
      boolean noDictionary = dictOffsets[g] == -1 && dictSizes[g] == -1;
      boolean dictionary = dictOffsets[g] >= 0 && dictSizes[g] > 0;
      if (!noDictionary && !dictionary) {
        return "row group " + g + " has an invalid dictionary page (offset " + dictOffsets[g]
            + ", size " + dictSizes[g] + "): expected both -1 or offset >= 0 and size > 0";
      }
      int count = pagesPerGroup[g];
      if (count < 0 || count > pages - page) {
        return "row group " + g + " claims " + count + " pages but only " + (pages - page)
            + " remain";
      }
      if (rows > 0 && count == 0) {
        return "row group " + g + " has " + rows + " rows but no data page";
      }
      for (int i = 0; i < count; i++, page++) {
        int p = (int) page;
        if (pageOffsets[p] < 0) {
          return "page " + p + " has a negative file offset " + pageOffsets[p];
        }
        if (pageSizes[p] <= 0) {
          return "page " + p + " has a non-positive size " + pageSizes[p];
        }
        int first = pageFirstRows[p];
        int expectedMin = i == 0 ? 0 : pageFirstRows[p - 1] + 1;
        if ((i == 0 && first != 0) || first < expectedMin || first >= rows) {
          return "page " + p + " starts at row " + first + " of row group " + g
              + ": first rows must start at 0, increase strictly and stay below " + rows;
        }
      }
    }
    if (page != pages) {
      return "row groups account for " + page + " pages but " + pages + " are listed";
    }
    return null;
  }

  public int rowGroupCount() {
    return rowGroupRowCount.length;
  }

  /** Global 0-based index of the row group's first row. */
  public int rowGroupFirstRow(int rowGroup) {
    return rowGroupFirstRow[rowGroup];
  }

  public int rowGroupRowCount(int rowGroup) {
    return rowGroupRowCount[rowGroup];
  }

  /** File offset of the dictionary page header, or -1 if the column chunk has no dictionary. */
  public long dictionaryPageOffset(int rowGroup) {
    return dictionaryPageOffset[rowGroup];
  }

  /** Compressed size of the dictionary page including its header, or -1. */
  public int dictionaryPageSize(int rowGroup) {
    return dictionaryPageSize[rowGroup];
  }

  /** Index (into the page accessors) of the row group's first data page. */
  public int rowGroupFirstPage(int rowGroup) {
    return rowGroupFirstPage[rowGroup];
  }

  public int rowGroupPageCount(int rowGroup) {
    return rowGroupFirstPage[rowGroup + 1] - rowGroupFirstPage[rowGroup];
  }

  public int pageCount() {
    return pageOffset.length;
  }

  /** File offset of the data page's header. */
  public long pageOffset(int page) {
    return pageOffset[page];
  }

  /** Compressed size of the data page including its header. */
  public int pageCompressedSize(int page) {
    return pageCompressedSize[page];
  }

  /** First row of the data page within its row group. */
  public int pageFirstRow(int page) {
    return pageFirstRow[page];
  }

  public int totalRowCount() {
    int last = rowGroupRowCount.length - 1;
    return last < 0 ? 0 : rowGroupFirstRow[last] + rowGroupRowCount[last];
  }

  /** The row group holding a global row. */
  public int rowGroupOf(int row) {
    if (row < 0 || row >= totalRowCount()) {
      throw new IndexOutOfBoundsException("row " + row + " of " + totalRowCount());
    }
    int g = Arrays.binarySearch(rowGroupFirstRow, row);
    if (g >= 0) {
      // Empty row groups share a first row with the next one: take the last that starts here.
      while (g + 1 < rowGroupFirstRow.length && rowGroupFirstRow[g + 1] == row) {
        g++;
      }
      return g;
    }
    return -g - 2;
  }

  /** The data page (index into the page accessors) holding a global row. */
  public int pageOf(int row) {
    int g = rowGroupOf(row);
    int inGroup = row - rowGroupFirstRow[g];
    int from = rowGroupFirstPage[g];
    int to = rowGroupFirstPage[g + 1];
    int p = Arrays.binarySearch(pageFirstRow, from, to, inGroup);
    return p >= 0 ? p : -p - 2;
  }

  @Override public boolean equals(Object o) {
    if (!(o instanceof PageLocations)) {
      return false;
    }
    PageLocations t = (PageLocations) o;
    return Arrays.equals(rowGroupRowCount, t.rowGroupRowCount)
        && Arrays.equals(dictionaryPageOffset, t.dictionaryPageOffset)
        && Arrays.equals(dictionaryPageSize, t.dictionaryPageSize)
        && Arrays.equals(rowGroupFirstPage, t.rowGroupFirstPage)
        && Arrays.equals(pageOffset, t.pageOffset)
        && Arrays.equals(pageCompressedSize, t.pageCompressedSize)
        && Arrays.equals(pageFirstRow, t.pageFirstRow);
  }

  @Override public int hashCode() {
    return Arrays.hashCode(rowGroupRowCount) * 31 + Arrays.hashCode(pageOffset);
  }

  @Override public String toString() {
    return "PageLocations[" + rowGroupCount() + " row groups, " + pageCount() + " pages]";
  }
}
