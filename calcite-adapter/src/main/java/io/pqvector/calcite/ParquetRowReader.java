package io.pqvector.calcite;

import io.pqvector.parquet.ParquetFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.filter2.columnindex.RowRanges;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Reads the rows of one Parquet file as Calcite rows ({@code Object[]} of the table's width,
 * filled only at the requested positions). Only the requested columns are decoded and row groups
 * whose statistics exclude the filter are skipped by parquet-mr before any page is read.
 */
final class ParquetRowReader implements Closeable {
  private final Path file;
  private final ParquetFileReader reader;
  private final MessageColumnIO columnIO;
  private final RowMaterializer materializer;
  private final long[] wantedRows;
  private int wantedIndex;
  private RecordReader<Object[]> records;
  private long remainingInGroup;
  private long nextRow;
  private long lastRow = -1;
  private int blockIndex = -1;
  /** A row group's last wanted row (within the group) still to be read on its own, or -1. */
  private long pendingLastRow = -1;
  private int pendingBlock;
  private final PooledReaders.Key poolKey;
  private final java.util.Set<ColumnPath> requestedPaths = new java.util.HashSet<>();

  /**
   * @param columnNames name of the file column to read for each table position (null: not read)
   * @param wantedRows sorted global row indexes to return, or null for every row
   */
  ParquetRowReader(Path file, String[] columnNames, FilterCompat.Filter filter, long[] wantedRows)
      throws IOException {
    this.file = file;
    this.wantedRows = wantedRows;
    if (wantedRows != null) {
      // A few rows, read again and again: a pooled reader keeps its parsed offset indexes.
      java.util.Set<String> names = new java.util.TreeSet<>();
      for (String n : columnNames) {
        if (n != null) {
          names.add(n);
        }
      }
      this.poolKey = PooledReaders.Key.of(file, names);
      this.reader = PooledReaders.borrow(poolKey);
    } else {
      this.poolKey = null;
      this.reader = ParquetFiles.open(file, filter);
    }
    MessageType fileSchema = reader.getFooter().getFileMetaData().getSchema();
    List<Type> fields = new ArrayList<>();
    List<Integer> targets = new ArrayList<>();
    for (Type f : fileSchema.getFields()) {
      for (int i = 0; i < columnNames.length; i++) {
        if (f.getName().equals(columnNames[i])) {
          fields.add(f);
          targets.add(i);
        }
      }
    }
    MessageType requested = new MessageType(fileSchema.getName(), fields);
    reader.setRequestedSchema(requested);
    for (String[] path : requested.getPaths()) {
      requestedPaths.add(ColumnPath.get(path));
    }
    this.columnIO = new ColumnIOFactory().getColumnIO(requested, fileSchema, true);
    this.materializer = new RowMaterializer(requested, targets, columnNames.length);
  }

  /** The next row, or null when the file is exhausted. */
  Object[] next() throws IOException {
    if (remainingInGroup == 0 && pendingLastRow >= 0) {
      readLastRowAlone();
    }
    if (remainingInGroup == 0 && !nextRowGroup()) {
      return null;
    }
    remainingInGroup--;
    if (wantedRows == null) {
      lastRow = nextRow++;
    } else {
      lastRow = wantedRows[wantedIndex++];
    }
    return records.read();
  }

  /**
   * Reads the last wanted row of a row group with a read of its own. parquet-mr 1.18's
   * SynchronizingColumnReader can return, for the last row of a RowRanges selection, the values
   * of an earlier row of a column whose pages end before that row (apache/parquet-java#3747,
   * fixed after 1.18): a column with pages of other sizes than the vector column's, as in every
   * file {@code rewrite} writes, then gave a row its neighbour's id. Every selected row but the
   * last is read correctly, so the first read stops before it and a one-row selection, which
   * cannot go wrong that way, reads it.
   */
  private void readLastRowAlone() throws IOException {
    RowRanges.Builder last = RowRanges.builder();
    last.addSelectedRange(pendingLastRow, pendingLastRow);
    PageReadStore pages = reader.readFilteredRowGroup(pendingBlock, last.build());
    records = columnIO.getRecordReader(pages, materializer, FilterCompat.NOOP);
    remainingInGroup = 1;
    pendingLastRow = -1;
  }

  /** The global index of the row {@link #next()} returned last. */
  long lastRowIndex() {
    return lastRow;
  }

  private boolean nextRowGroup() throws IOException {
    List<BlockMetaData> groups = reader.getRowGroups();
    while (true) {
      int index = ++blockIndex;
      if (index >= groups.size()) {
        return false;
      }
      if (wantedRows != null && wantedIndex >= wantedRows.length) {
        return false;
      }
      BlockMetaData block = groups.get(index);
      long first = firstRowOf(block);
      long end = first + block.getRowCount();
      if (wantedRows == null) {
        PageReadStore pages = reader.readRowGroup(index);
        if (pages == null) {
          continue;
        }
        records = columnIO.getRecordReader(pages, materializer, FilterCompat.NOOP);
        remainingInGroup = pages.getRowCount();
        nextRow = first;
        return true;
      }
      if (wantedRows[wantedIndex] >= end) {
        continue;
      }
      int from = wantedIndex;
      int to = from;
      while (to < wantedRows.length && wantedRows[to] < end) {
        to++;
      }
      long[] positions = new long[to - from];
      for (int i = 0; i < positions.length; i++) {
        positions[i] = wantedRows[from + i] - first;
      }
      if (hasOffsetIndexes(block)) {
        // Only the pages holding the wanted rows are read; parquet-mr keeps the columns in step,
        // except for the last selected row (see readLastRowAlone).
        RowRanges.Builder ranges = RowRanges.builder();
        for (long p : positions) {
          ranges.addSelectedRange(p, p);
        }
        PageReadStore pages = reader.readFilteredRowGroup(index, ranges.build());
        records = columnIO.getRecordReader(pages, materializer, FilterCompat.NOOP);
        if (positions.length > 1) {
          remainingInGroup = positions.length - 1;
          pendingLastRow = positions[positions.length - 1];
          pendingBlock = index;
          return true;
        }
      } else {
        // No offset index: every page is read, but rows in between are skipped value by value,
        // never assembled into records.
        PageReadStore pages = reader.readRowGroup(index);
        records = columnIO.getRecordReader(pages, materializer,
            FilterCompat.get(new RowPositionFilter(positions)));
      }
      remainingInGroup = positions.length;
      return true;
    }
  }

  /** Whether every requested column of the row group has an offset index. */
  private boolean hasOffsetIndexes(BlockMetaData block) {
    for (ColumnChunkMetaData chunk : block.getColumns()) {
      if (requestedPaths.contains(chunk.getPath()) && chunk.getOffsetIndexReference() == null) {
        return false;
      }
    }
    return true;
  }

  /** The global index of a row group's first row (the reader's list may be filtered). */
  private long firstRowOf(BlockMetaData block) {
    if (block.getRowIndexOffset() >= 0) {
      return block.getRowIndexOffset();
    }
    long first = 0;
    for (BlockMetaData b : reader.getFooter().getBlocks()) {
      if (b == block) {
        return first;
      }
      first += b.getRowCount();
    }
    throw new IllegalStateException("row group not in footer of " + file);
  }

  Path file() {
    return file;
  }

  @Override public void close() throws IOException {
    if (poolKey != null) {
      PooledReaders.giveBack(poolKey, reader);
    } else {
      reader.close();
    }
  }

  /** Builds one Object[] per record, each requested field written at its table position. */
  private static final class RowMaterializer extends RecordMaterializer<Object[]> {
    private final RowConverter root;

    RowMaterializer(MessageType requested, List<Integer> targets, int width) {
      this.root = new RowConverter(requested, targets, width);
    }

    @Override public Object[] getCurrentRecord() {
      return root.row;
    }

    @Override public GroupConverter getRootConverter() {
      return root;
    }
  }

  private static final class RowConverter extends GroupConverter {
    private final Converter[] children;
    private final int[] repeatedTargets;
    private final int width;
    private Object[] row;

    RowConverter(MessageType requested, List<Integer> targets, int width) {
      this.width = width;
      this.children = new Converter[requested.getFieldCount()];
      List<Integer> repeated = new ArrayList<>();
      for (int i = 0; i < children.length; i++) {
        Type f = requested.getType(i);
        int target = targets.get(i);
        if (f.isRepetition(Type.Repetition.REPEATED)) {
          // A repeated top-level field without a LIST wrapper: its occurrences form the row's list.
          repeated.add(target);
          children[i] = ParquetValueConverters.forType(ParquetValueConverters.asOptional(f),
              v -> appendTo(target, v));
        } else {
          children[i] = ParquetValueConverters.forType(f, v -> row[target] = v);
        }
      }
      this.repeatedTargets = repeated.stream().mapToInt(Integer::intValue).toArray();
    }

    @SuppressWarnings("unchecked")
    private void appendTo(int target, Object v) {
      ((List<Object>) row[target]).add(v);
    }

    @Override public Converter getConverter(int fieldIndex) {
      return children[fieldIndex];
    }

    @Override public void start() {
      row = new Object[width];
      for (int t : repeatedTargets) {
        row[t] = new ArrayList<>();
      }
    }

    @Override public void end() {
    }
  }
}
