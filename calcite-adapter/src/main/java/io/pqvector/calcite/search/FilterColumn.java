package io.pqvector.calcite.search;

import io.pqvector.calcite.rows.ParquetRowReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import org.apache.parquet.filter2.compat.FilterCompat;

/**
 * Every value of one column of one file, as a WHERE clause evaluated on search candidates reads
 * them: a column of few distinct values (strings such as a language, small ints, dates, NULL) as
 * one int code per row into its distinct values, so a filter is decided once per distinct value
 * and then per row by an array lookup; any other column as its values, by row: in a primitive
 * array when they are all INTEGER, BIGINT or DOUBLE values (boxed again as the filter reads one),
 * else as objects.
 */
final class FilterColumn {
  /** Columns with more distinct values than this keep their values instead of codes. */
  static final int MAX_DISTINCT = 4096;

  /** Per row, the index of its value in {@link #distinct}; null when the column keeps values. */
  final int[] codes;
  /** The distinct values (NULL among them, if any), in the representation the filter reads. */
  final Object[] distinct;
  /** Per row, its value; null when the column keeps codes or primitive values. */
  final Object[] values;
  /** Per row, its INTEGER, BIGINT (as long) or DOUBLE (as its bits) value, or null. */
  private final long[] primitives;
  /** Which of Integer, Long or Double {@link #primitives} hold. */
  private final Class<?> primitiveType;
  /** Rows whose value is NULL, when {@link #primitives} are kept. */
  private final java.util.BitSet nulls;
  final int rows;

  private FilterColumn(int[] codes, Object[] distinct, Object[] values, int rows) {
    this.codes = codes;
    this.distinct = distinct;
    this.values = values;
    this.primitives = null;
    this.primitiveType = null;
    this.nulls = null;
    this.rows = rows;
  }

  private FilterColumn(long[] primitives, Class<?> type, java.util.BitSet nulls, int rows) {
    this.codes = null;
    this.distinct = null;
    this.values = null;
    this.primitives = primitives;
    this.primitiveType = type;
    this.nulls = nulls;
    this.rows = rows;
  }

  /** The value of {@code row}. */
  Object value(int row) {
    if (codes != null) {
      return distinct[codes[row]];
    }
    if (values != null) {
      return values[row];
    }
    if (nulls.get(row)) {
      return null;
    }
    long v = primitives[row];
    // No conditional expression here: it would promote every branch to Double.
    if (primitiveType == Integer.class) {
      return Integer.valueOf((int) v);
    }
    if (primitiveType == Long.class) {
      return Long.valueOf(v);
    }
    return Double.valueOf(Double.longBitsToDouble(v));
  }

  /**
   * What {@code comparison} says of {@code row}'s value, on the primitive value: a NULL fails
   * (SQL's comparison with NULL is not true); {@link NumericComparison#ASK} where this column
   * keeps no primitive values.
   */
  int compare(int row, NumericComparison.Bound comparison) {
    if (primitives == null) {
      return NumericComparison.ASK;
    }
    if (nulls.get(row)) {
      return NumericComparison.FAIL;
    }
    long v = primitives[row];
    return primitiveType == Double.class ? comparison.test(Double.longBitsToDouble(v))
        : comparison.test(v);
  }

  long memoryBytes() {
    long bytes = 64;
    if (codes != null) {
      bytes += 16 + 4L * codes.length + 16 + 8L * distinct.length + 40L * distinct.length;
    } else if (primitives != null) {
      bytes += 16 + 8L * primitives.length + rows / 8;
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
      return primitive(values, n);
    }
    Object[] distinct = new Object[Math.max(1, ids.size())];
    ids.forEach((v, id) -> distinct[id] = v);
    return new FilterColumn(codes, distinct, null, n);
  }

  /** The values in a long array when they are all of one of Integer, Long, Double. */
  private static FilterColumn primitive(Object[] values, int n) {
    Class<?> type = null;
    for (Object v : values) {
      if (v != null) {
        if (type == null) {
          type = v.getClass();
        } else if (v.getClass() != type) {
          return new FilterColumn(null, null, values, n);
        }
      }
    }
    if (type != Integer.class && type != Long.class && type != Double.class) {
      return new FilterColumn(null, null, values, n);
    }
    long[] out = new long[n];
    java.util.BitSet nulls = new java.util.BitSet(n);
    for (int r = 0; r < n; r++) {
      Object v = values[r];
      if (v == null) {
        nulls.set(r);
      } else {
        out[r] = type == Double.class ? Double.doubleToRawLongBits((Double) v)
            : ((Number) v).longValue();
      }
    }
    return new FilterColumn(out, type, nulls, n);
  }
}
