package io.pqvector.calcite;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import org.apache.parquet.filter2.compat.FilterCompat;

/**
 * Every value of one column of one file, as a WHERE clause evaluated on search candidates reads
 * them: a column of few distinct values (strings such as a language, small ints, dates, NULL) as
 * one int code per row into its distinct values, so a filter is decided once per distinct value
 * and then per row by an array lookup; any other column as its values, by row.
 */
final class FilterColumn {
  /** Columns with more distinct values than this keep their values instead of codes. */
  static final int MAX_DISTINCT = 4096;

  /** Per row, the index of its value in {@link #distinct}; null when the column keeps values. */
  final int[] codes;
  /** The distinct values (NULL among them, if any), in the representation the filter reads. */
  final Object[] distinct;
  /** Per row, its value; null when the column keeps codes. */
  final Object[] values;
  final int rows;

  private FilterColumn(int[] codes, Object[] distinct, Object[] values, int rows) {
    this.codes = codes;
    this.distinct = distinct;
    this.values = values;
    this.rows = rows;
  }

  /** The value of {@code row}. */
  Object value(int row) {
    return codes != null ? distinct[codes[row]] : values[row];
  }

  long memoryBytes() {
    long bytes = 64;
    if (codes != null) {
      bytes += 16 + 4L * codes.length + 16 + 8L * distinct.length + 40L * distinct.length;
    } else {
      bytes += 16 + 8L * values.length;
      for (Object v : values) {
        bytes += v == null ? 0 : v instanceof String ? 40 + 2L * ((String) v).length() : 24;
      }
    }
    return bytes;
  }

  /** Reads every value of {@code column} in {@code file} (rows in file order). */
  static FilterColumn read(Path file, String column, long fileRows) throws IOException {
    if (fileRows > Integer.MAX_VALUE - 16) {
      throw new IOException(file + " has " + fileRows + " rows, more than a filter column holds");
    }
    int n = (int) fileRows;
    Object[] values = new Object[n];
    HashMap<Object, Integer> ids = new HashMap<>();
    int[] codes = new int[n];
    boolean coded = true;
    long returned = 0;
    try (ParquetRowReader reader = new ParquetRowReader(file, new String[] {column},
        FilterCompat.NOOP, null)) {
      Object[] row;
      while ((row = reader.next()) != null) {
        int r = Math.toIntExact(reader.lastRowIndex());
        returned++;
        Object v = row[0];
        values[r] = v;
        if (coded) {
          Integer id = ids.get(v);
          if (id == null) {
            if (ids.size() >= MAX_DISTINCT) {
              coded = false;
              continue;
            }
            id = ids.size();
            ids.put(v, id);
          }
          codes[r] = id;
        }
      }
    }
    if (returned != n) {
      throw new IOException(file + ": read " + returned + " values of column " + column
          + " where the footer declares " + n + " rows");
    }
    if (!coded) {
      return new FilterColumn(null, null, values, n);
    }
    Object[] distinct = new Object[Math.max(1, ids.size())];
    ids.forEach((v, id) -> distinct[id] = v);
    return new FilterColumn(codes, distinct, null, n);
  }
}
