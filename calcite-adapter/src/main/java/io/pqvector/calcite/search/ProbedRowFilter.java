package io.pqvector.calcite.search;

import io.pqvector.calcite.rows.ParquetRowReader;
import io.pqvector.ivf.IvfProbe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.apache.calcite.linq4j.function.Predicate1;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * A WHERE clause evaluated on the rows a search is about to score when nothing is kept between
 * queries (cache off): the filter columns are read for those rows only, from the pages that hold
 * them, so a filtered query reads what it probes rather than the whole file. It needs an offset
 * index on every chunk of the filter columns (parquet-mr and {@code rewrite} write them; DuckDB
 * does not): without one, reading any row's value decodes its whole chunk, and one pass over the
 * file is cheaper than a pass per batch of lists.
 *
 * <p>Not thread-safe: one per file and query.
 */
final class ProbedRowFilter {
  private final Path file;
  private final String[] columns;
  private final Predicate1<Object[]> predicate;
  /** Rows of the last batch, ascending and distinct, and whether each passed. */
  private int[] batch = new int[0];
  private boolean[] passed = new boolean[0];

  ProbedRowFilter(Path file, String[] columns, Predicate1<Object[]> predicate) {
    this.file = file;
    this.columns = columns;
    this.predicate = predicate;
  }

  /** Whether every chunk of the given columns in {@code footer} has an offset index. */
  static boolean applies(ParquetMetadata footer, String[] columns) {
    Set<String> wanted = Set.of(columns);
    for (BlockMetaData block : footer.getBlocks()) {
      for (ColumnChunkMetaData chunk : block.getColumns()) {
        if (wanted.contains(chunk.getPath().toArray()[0]) // the top-level field's every leaf
            && chunk.getOffsetIndexReference() == null) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Evaluates the clause on the given rows (any order, a row at most once per list): reads their
   * filter values in one pass and remembers which passed, for {@link #passes}.
   */
  void evaluate(int[][] lists) throws IOException {
    int total = 0;
    for (int[] rows : lists) {
      total += rows.length;
    }
    int[] sorted = new int[total];
    int at = 0;
    for (int[] rows : lists) {
      System.arraycopy(rows, 0, sorted, at, rows.length);
      at += rows.length;
    }
    sorted = IvfProbe.sortedDistinct(sorted, sorted.length);
    int distinct = sorted.length;
    long[] wanted = new long[distinct];
    for (int i = 0; i < distinct; i++) {
      wanted[i] = sorted[i];
    }
    boolean[] pass = new boolean[distinct];
    int returned = 0;
    // Rows come back in the order asked for, once each.
    try (ParquetRowReader reader = new ParquetRowReader(file, columns, FilterCompat.NOOP,
        wanted)) {
      Object[] row;
      while ((row = reader.next()) != null) {
        pass[returned++] = predicate.apply(row);
      }
    }
    if (returned != distinct) {
      throw new IOException(file + ": read the filter columns of " + returned + " rows of "
          + distinct + " asked for");
    }
    this.batch = sorted;
    this.passed = pass;
  }

  /** Whether {@code row}, one of the last batch's, passed. */
  boolean passes(int row) {
    int i = Arrays.binarySearch(batch, row);
    return i >= 0 && passed[i];
  }
}
