package io.pqvector.calcite.search;

import io.pqvector.calcite.rows.FileErrors;
import io.pqvector.calcite.rows.ParquetRowReader;
import io.pqvector.calcite.function.FloatVector;
import io.pqvector.parquet.FileVersion;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * The rows of a vector query's answer: once {@link VectorSearch} has ranked the winners (and kept
 * their vectors), this reads the table's other columns for those rows only, from the column
 * value cache when it is on, else from the pages that hold them.
 *
 * <p>Rows are identified across files as {@code fileIndex << 40 | rowInFile}.
 */
final class WinningRows {
  private static final int ROW_BITS = 40;

  private WinningRows() {}

  /**
   * Reads the scan's columns for the given rows, returned in the given order. The vector column
   * comes from the copies kept while ranking; only the other columns are read again.
   */
  static List<Object[]> read(SearchSpec spec, long[] rows, float[][] vectors) {
    Map<Integer, List<Long>> byFile = new HashMap<>();
    for (long r : rows) {
      byFile.computeIfAbsent((int) (r >>> ROW_BITS), f -> new ArrayList<>())
          .add(r & ((1L << ROW_BITS) - 1));
    }
    Map<Long, Object[]> found = new HashMap<>();
    for (Map.Entry<Integer, List<Long>> e : byFile.entrySet()) {
      Path file = spec.table.files().get(e.getKey());
      long fileBase = (long) e.getKey() << ROW_BITS;
      long[] wanted = e.getValue().stream().mapToLong(Long::longValue).sorted().toArray();
      for (long r : wanted) {
        found.put(fileBase | r, new Object[spec.fields.length]);
      }
      try {
        readColumns(spec, file, wanted, fileBase, found);
      } catch (IOException ex) {
        throw FileErrors.reading(file, ex);
      }
    }
    List<Object[]> out = new ArrayList<>(rows.length);
    for (int i = 0; i < rows.length; i++) {
      Object[] row = found.get(rows[i]);
      row[spec.vectorField] = vectors[i] == null ? null : new FloatVector(vectors[i]);
      out.add(row);
    }
    return out;
  }

  /**
   * Fills the non-vector columns of the wanted rows of one file. With the cache on they come from
   * the column value cache (whole row groups decoded once, then shared by later queries); with it
   * off they are read directly, only the pages of the wanted rows where the file has offset
   * indexes.
   */
  private static void readColumns(SearchSpec spec, Path file, long[] wanted, long fileBase,
      Map<Long, Object[]> found) throws IOException {
    ParquetMetadata footer = spec.table.footer(file);
    boolean cache = spec.table.settings().cacheBytes() > 0;
    String[] direct = new String[spec.fields.length];
    boolean anyDirect = false;
    boolean keepColumns = cache && keepColumns(spec, footer);
    for (int i = 0; i < spec.fields.length; i++) {
      if (i == spec.vectorField) {
        continue;
      }
      String column = spec.table.columnNames().get(spec.fields[i]);
      if (keepColumns) {
        fillFromCache(spec, file, footer, column, i, wanted, fileBase, found);
      } else {
        direct[i] = column;
        anyDirect = true;
      }
    }
    if (!anyDirect) {
      return;
    }
    try (ParquetRowReader reader = new ParquetRowReader(file, direct, FilterCompat.NOOP,
        wanted)) {
      Object[] row;
      while ((row = reader.next()) != null) {
        Object[] target = found.get(fileBase | reader.lastRowIndex());
        for (int i = 0; i < direct.length; i++) {
          if (direct[i] != null) {
            target[i] = row[i];
          }
        }
      }
    }
  }

  /**
   * Whether the columns the answer reads are worth decoding whole, row group by row group, for
   * the column value cache: while together they take at most half of it (about 32 bytes a value,
   * boxed), or when the file has no offset indexes (DuckDB's), so a row's value cannot be read
   * without decoding its row group's chunk anyway. Larger columns would be decoded again and
   * again for a few rows each query, pushing each other out (measured at 10,000,000 rows: 140 ms
   * a query, most of it re-decoding row groups of the four other columns for the ten winners;
   * 12 ms read from their pages); their wanted rows are read from their pages, as with the
   * cache off.
   */
  private static boolean keepColumns(SearchSpec spec, ParquetMetadata footer) {
    ColumnValueCache cache = ColumnValueCache.shared();
    cache.ensureCapacity(spec.table.settings().cacheBytes() / 8);
    List<String> read = new ArrayList<>();
    for (int i = 0; i < spec.fields.length; i++) {
      if (i != spec.vectorField) {
        read.add(spec.table.columnNames().get(spec.fields[i]));
      }
    }
    if (!ProbedRowFilter.applies(footer, read.toArray(new String[0]))) {
      return true;
    }
    long rows = 0;
    for (BlockMetaData b : footer.getBlocks()) {
      rows += b.getRowCount();
    }
    return rows * 32 * read.size() <= cache.capacity() / 2;
  }

  private static void fillFromCache(SearchSpec spec, Path file, ParquetMetadata footer,
      String column, int position, long[] wanted, long fileBase, Map<Long, Object[]> found)
      throws IOException {
    FileVersion version = spec.table.version(file);
    List<BlockMetaData> blocks = footer.getBlocks();
    long first = 0;
    int w = 0;
    for (int rg = 0; rg < blocks.size() && w < wanted.length; rg++) {
      long end = first + blocks.get(rg).getRowCount();
      if (wanted[w] < end) {
        Object[] values = cachedColumn(spec, version, column, rg, first, end);
        while (w < wanted.length && wanted[w] < end) {
          found.get(fileBase | wanted[w])[position] = values[(int) (wanted[w] - first)];
          w++;
        }
      }
      first = end;
    }
  }

  /**
   * Every value of {@code column} in row group {@code rg} (rows {@code [first, end)} of the
   * file), decoded once per file version and kept in the column value cache.
   */
  static Object[] cachedColumn(SearchSpec spec, FileVersion version, String column,
      int rg, long first, long end) throws IOException {
    ColumnValueCache cache = ColumnValueCache.shared();
    cache.ensureCapacity(spec.table.settings().cacheBytes() / 8);
    return cache.get(new ColumnValueCache.Key(version, column, rg), () -> {
      long[] all = new long[(int) (end - first)];
      for (int i = 0; i < all.length; i++) {
        all[i] = first + i;
      }
      Object[] out = new Object[all.length];
      try (ParquetRowReader reader = new ParquetRowReader(version.path(),
          new String[] {column}, FilterCompat.NOOP, all)) {
        Object[] row;
        while ((row = reader.next()) != null) {
          out[(int) (reader.lastRowIndex() - first)] = row[0];
        }
      }
      return out;
    });
  }
}
