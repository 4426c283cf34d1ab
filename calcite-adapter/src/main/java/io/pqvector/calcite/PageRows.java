package io.pqvector.calcite;

import io.pqvector.ivf.FileIndex;
import io.pqvector.parquet.PageTable;
import io.pqvector.parquet.VectorColumn;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Candidate rows of one data page: the unit in which an index search reads vectors. */
final class PageRows {
  final int rowGroup;
  final int page;
  final PageTable table;
  /** Row ids within the file. */
  final int[] rows;
  /** The same rows' positions within the decoded page. */
  final int[] indexes;

  private PageRows(int rowGroup, int page, PageTable table, int[] rows, int[] indexes) {
    this.rowGroup = rowGroup;
    this.page = page;
    this.table = table;
    this.rows = rows;
    this.indexes = indexes;
  }

  /** Groups ascending row ids by the page that holds each one. */
  static PageRows[] group(int[] sortedRows, VectorColumn vectors, FileIndex index)
      throws IOException {
    List<PageRows> out = new ArrayList<>();
    int i = 0;
    while (i < sortedRows.length) {
      int rg = vectors.rowGroupOf(sortedRows[i]);
      long first = vectors.rowGroupFirstRow(rg);
      PageTable table = index.pageTable(rg) != null ? index.pageTable(rg) : vectors.pages(rg);
      int p = table.pageOf(sortedRows[i] - first);
      long pageStart = first + table.firstRow(p);
      long pageEnd = pageStart + table.rowCount(p);
      int j = i;
      while (j < sortedRows.length && sortedRows[j] < pageEnd) {
        j++;
      }
      int[] rows = Arrays.copyOfRange(sortedRows, i, j);
      int[] indexes = new int[rows.length];
      for (int k = 0; k < rows.length; k++) {
        indexes[k] = (int) (rows[k] - pageStart);
      }
      out.add(new PageRows(rg, p, table, rows, indexes));
      i = j;
    }
    return out.toArray(new PageRows[0]);
  }
}
