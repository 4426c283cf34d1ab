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

  /**
   * Announces that {@code runs} of {@code file} are about to be read, so that an object in a store
   * fetches them with a few parallel requests instead of one round trip per run.
   */
  static void prefetch(java.nio.file.Path file, PageRows[] runs) throws IOException {
    if (!io.pqvector.storage.ObjectFileSystem.isObject(file) || runs.length < 2) {
      return;
    }
    long[] offsets = new long[runs.length];
    long[] lengths = new long[runs.length];
    for (int i = 0; i < runs.length; i++) {
      PageTable t = runs[i].table;
      offsets[i] = t.headerOffset(runs[i].firstPage);
      lengths[i] = t.headerOffset(runs[i].lastPage) + t.compressedSize(runs[i].lastPage) - offsets[i];
    }
    io.pqvector.storage.ObjectFileSystem.prefetch(file, offsets, lengths);
  }

  /** {@link #prefetch} for the pages of lists {@code lists[0..count-1]}. */
  static void prefetchLists(java.nio.file.Path file, VectorColumn vectors, FileIndex index,
      int[] lists, int count) throws IOException {
    if (!io.pqvector.storage.ObjectFileSystem.isObject(file) || count < 2) {
      return;
    }
    List<PageRows> runs = new ArrayList<>();
    for (int i = 0; i < Math.min(count, lists.length); i++) {
      int[] rows = index.listRows(lists[i]).clone();
      Arrays.sort(rows);
      runs.addAll(Arrays.asList(group(rows, vectors, index)));
    }
    prefetch(file, runs.toArray(new PageRows[0]));
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
