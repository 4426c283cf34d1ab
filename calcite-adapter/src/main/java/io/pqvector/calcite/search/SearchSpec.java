package io.pqvector.calcite.search;

import io.pqvector.calcite.function.VectorFunction;

/** Plan-time facts the run-time search needs. */
public final class SearchSpec {
  final SearchedTable table;
  final int[] fields;
  final int vectorField;
  final VectorFunction function;
  final int[] filterColumns;
  final boolean useIndex;
  /** Lists to probe, or null to choose them per file from its curve and {@link #recall}. */
  final Integer nprobe;
  final double recall;
  /** What identifies the filter's result on a file, or null when there is no filter. */
  final FilterShape filterShape;

  public SearchSpec(SearchedTable table, int[] fields, int vectorField, VectorFunction function,
      int[] filterColumns, boolean useIndex, Integer nprobe, double recall,
      FilterShape filterShape) {
    this.filterShape = filterShape;
    this.recall = recall;
    this.table = table;
    this.fields = fields;
    this.vectorField = vectorField;
    this.function = function;
    this.filterColumns = filterColumns;
    this.useIndex = useIndex;
    this.nprobe = nprobe;
  }

  /** The same search over {@code table} (the files as one run of the query sees them). */
  SearchSpec withTable(SearchedTable table) {
    return new SearchSpec(table, fields, vectorField, function, filterColumns, useIndex, nprobe,
        recall, filterShape);
  }
}
