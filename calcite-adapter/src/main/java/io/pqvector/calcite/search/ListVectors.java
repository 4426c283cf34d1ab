package io.pqvector.calcite.search;

import io.pqvector.calcite.rows.FileErrors;
import io.pqvector.ivf.FileIndex;
import io.pqvector.parquet.decode.DecodedPageCache;
import io.pqvector.parquet.decode.VectorBatch;
import io.pqvector.parquet.decode.VectorColumn;
import java.io.IOException;
import java.util.Arrays;

/**
 * The vectors of one IVF list, back to back in one float array in the list's row order, kept in
 * the decoded-page cache beside the pages. In a file indexed in place a list's rows are spread
 * over the whole column, so scoring them from their pages touches memory all over the heap
 * (measured: about 0.45 us per 128-float vector from random places against 0.06 us from one
 * array); gathered once per list, a probe streams through memory instead.
 */
final class ListVectors {
  /**
   * Cache keys of lists use this row group, which no page has; the page number is the list, and
   * the version is the index's own ({@link FileIndex#version}): list 7 of the index a file holds
   * now is not list 7 of the index it held before it was indexed again in place.
   */
  private static final int LIST_ROW_GROUP = -1;

  private ListVectors() {}

  /**
   * The vectors of {@code rows} (list {@code list}'s row ids, in list order), or null when some
   * row's vector is NULL or not {@code dim} floats long: such a list (only a damaged index makes
   * one) is scored from its pages, which reports those rows as a search must.
   */
  static VectorBatch get(PageSource source, VectorColumn vectors, FileIndex index, int list,
      int[] rows, int dim) {
    try {
      VectorBatch block = DecodedPageCache.shared().get(
          new DecodedPageCache.Key(index.version(), vectors.column(), LIST_ROW_GROUP, list),
          () -> gather(source, vectors, index, rows, dim));
      return block.rowCount() == rows.length ? block : null;
    } catch (IOException e) {
      throw FileErrors.reading(vectors.file(), e);
    }
  }

  private static VectorBatch gather(PageSource source, VectorColumn vectors, FileIndex index,
      int[] rows, int dim) throws IOException {
    long[] packed = new long[rows.length];
    for (int i = 0; i < rows.length; i++) {
      packed[i] = (long) rows[i] << 32 | i;
    }
    Arrays.sort(packed);
    int[] sorted = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      sorted[i] = (int) (packed[i] >>> 32);
    }
    float[] out = new float[rows.length * dim];
    int k = 0;
    for (PageRows run : PageRows.group(sorted, vectors, index)) {
      VectorBatch batch = source.read(run.rowGroup, run.table, run.firstPage, run.lastPage);
      float[] values = batch.values();
      for (int r : run.indexes) {
        if (batch.isNull(r) || batch.length(r) != dim) {
          return VectorBatch.ofFixedLength(new float[0], 0, dim); // not a list to keep
        }
        int position = (int) packed[k++];
        System.arraycopy(values, batch.offset(r), out, position * dim, dim);
      }
    }
    return VectorBatch.ofFixedLength(out, rows.length, dim);
  }
}
