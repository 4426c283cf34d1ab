package io.pqvector.calcite.rows;

import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.filter.RecordFilter;
import org.apache.parquet.filter.UnboundRecordFilter;

/**
 * Keeps the records at given positions of a row group. parquet-mr's filtered record reader asks
 * {@code isMatch} exactly once per record, in order, and skips the values of records that do not
 * match without assembling them, which is what makes reading a handful of rows cheap.
 */
final class RowPositionFilter implements UnboundRecordFilter {
  private final long[] positions;

  /** @param positions ascending record positions within the row group */
  RowPositionFilter(long[] positions) {
    this.positions = positions;
  }

  @Override public RecordFilter bind(Iterable<ColumnReader> readers) {
    return new RecordFilter() {
      private long record;
      private int next;

      @Override public boolean isMatch() {
        boolean match = next < positions.length && positions[next] == record;
        if (match) {
          next++;
        }
        record++;
        return match;
      }
    };
  }
}
