package io.pqvector.calcite.search;

import io.pqvector.ivf.FileIndex;
import io.pqvector.parquet.decode.PageTable;
import io.pqvector.parquet.decode.VectorColumn;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Candidate rows of a run of back-to-back data pages: the unit in which an index search reads
 * vectors. Files from other engines hold many rows per page, so a run is usually one page; in a
 * file written by {@code rewrite} a list's rows fill consecutive one-vector pages, which one read
 * fetches together.
 */
final class PageRows {
  /** Pages of other rows that may sit between two candidates' pages of one run. */
  private static final int MAX_GAP_PAGES = 4;
  /** Bytes one run may read at once. */
  private static final long MAX_RUN_BYTES = 8L << 20;
  /**
   * Only pages up to this size are read in runs. Larger pages hold many rows each and are read
   * (and cached) one by one; runs are for layouts with one vector per page.
   */
  private static final int SMALL_PAGE_BYTES = 64 << 10;

  final int rowGroup;
  final int firstPage;
  final int lastPage;
  final PageTable table;
  /** Row ids within the file. */
  final int[] rows;
  /** The same rows' positions within the decoded run. */
  final int[] indexes;

  private PageRows(int rowGroup, int firstPage, int lastPage, PageTable table, int[] rows,
      int[] indexes) {
    this.rowGroup = rowGroup;
    this.firstPage = firstPage;
    this.lastPage = lastPage;
    this.table = table;
    this.rows = rows;
    this.indexes = indexes;
  }

  /** Groups ascending row ids into runs of back-to-back pages that hold them. */
  static PageRows[] group(int[] sortedRows, VectorColumn vectors, FileIndex index)
      throws IOException {
    List<PageRows> out = new ArrayList<>();
    int i = 0;
    while (i < sortedRows.length) {
      int rg = vectors.rowGroupOf(sortedRows[i]);
      long groupFirst = vectors.rowGroupFirstRow(rg);
      long groupEnd = groupFirst + vectors.rowGroupRowCount(rg);
      PageTable table = index.pages(rg, vectors);
      int firstPage = table.pageOf(sortedRows[i] - groupFirst);
      int lastPage = firstPage;
      int j = i;
      while (j < sortedRows.length && sortedRows[j] < groupEnd) {
        int p = table.pageOf(sortedRows[j] - groupFirst);
        if (p != lastPage) {
          boolean adjacent = p - lastPage <= MAX_GAP_PAGES
              && table.compressedSize(firstPage) <= SMALL_PAGE_BYTES
              && table.compressedSize(p) <= SMALL_PAGE_BYTES
              && backToBack(table, lastPage, p)
              && table.headerOffset(p) + table.compressedSize(p)
                  - table.headerOffset(firstPage) <= MAX_RUN_BYTES;
          if (!adjacent) {
            break;
          }
          lastPage = p;
        }
        j++;
      }
      long runStart = groupFirst + table.firstRow(firstPage);
      int[] rows = Arrays.copyOfRange(sortedRows, i, j);
      int[] indexes = new int[rows.length];
      for (int k = 0; k < rows.length; k++) {
        indexes[k] = (int) (rows[k] - runStart);
      }
      out.add(new PageRows(rg, firstPage, lastPage, table, rows, indexes));
      i = j;
    }
    return out.toArray(new PageRows[0]);
  }

  private static boolean backToBack(PageTable table, int from, int to) {
    for (int p = from; p < to; p++) {
      if (table.headerOffset(p) + table.compressedSize(p) != table.headerOffset(p + 1)) {
        return false;
      }
    }
    return true;
  }
}
