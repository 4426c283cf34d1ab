package io.pqvector.calcite.rows;

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
public final class ParquetRowReader implements Closeable {
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
  /** Wanted positions of row group {@link #pendingGroup} still to be read from {@link #pendingFrom}. */
  private long[] pendingPositions;
  private int pendingGroup;
  private int pendingFrom;
  private final PooledReaders.Key poolKey;
  private final java.util.Set<ColumnPath> requestedPaths = new java.util.HashSet<>();

  /**
   * @param columnNames name of the file column to read for each table position (null: not read)
   * @param wantedRows sorted global row indexes to return, or null for every row
   */
  public ParquetRowReader(Path file, String[] columnNames, FilterCompat.Filter filter, long[] wantedRows)
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
  public Object[] next() throws IOException {
    if (remainingInGroup == 0 && pendingPositions != null) {
      nextFilteredRead();
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

  /** The global index of the row {@link #next()} returned last. */
  public long lastRowIndex() {
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
        pendingGroup = index;
        pendingPositions = positions;
        pendingFrom = 0;
        return nextFilteredRead();
      }
      // No offset index: every page is read, but rows in between are skipped value by value,
      // never assembled into records.
      PageReadStore pages = reader.readRowGroup(index);
      records = columnIO.getRecordReader(pages, materializer,
          FilterCompat.get(new RowPositionFilter(positions)));
      remainingInGroup = positions.length;
      return true;
    }
  }

  /**
   * Reads the next batch of {@link #pendingPositions} through the offset indexes: only the pages
   * holding them are read, and parquet-mr keeps the columns in step.
   *
   * <p>parquet-mr up to 1.18.1 (apache/parquet-java#3747, fixed after 1.18.1) loses that step on
   * the last selected row: once it has taken the last row index from its iterator it treats the
   * read as complete, and a column whose current page ends before that row returns the next value
   * of its current page, a value of another row. So a read never ends on a wanted row: a row just
   * after the last wanted one is selected too and never returned; when the last wanted row is the
   * row group's last, it is read on its own (a one-row read reaches its row on the first page).
   */
  private boolean nextFilteredRead() throws IOException {
    long[] positions = pendingPositions;
    int from = pendingFrom;
    long groupRows = reader.getRowGroups().get(pendingGroup).getRowCount();
    int to = positions.length;
    boolean single = to - from == 1;
    if (!single && positions[to - 1] == groupRows - 1) {
      to--; // the group's last row cannot be followed by a guard row: read it alone next
    }
    RowRanges.Builder ranges = RowRanges.builder();
    for (int i = from; i < to; i++) {
      ranges.addSelectedRange(positions[i], positions[i]);
    }
    if (!single) {
      ranges.addSelectedRange(positions[to - 1] + 1, positions[to - 1] + 1);
    }
    PageReadStore pages = reader.readFilteredRowGroup(pendingGroup, ranges.build());
    records = columnIO.getRecordReader(pages, materializer, FilterCompat.NOOP);
    remainingInGroup = to - from;
    pendingFrom = to;
    if (pendingFrom == positions.length) {
      pendingPositions = null;
    }
    return true;
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
