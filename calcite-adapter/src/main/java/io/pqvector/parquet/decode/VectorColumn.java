package io.pqvector.parquet.decode;

import io.pqvector.parquet.FileVersion;
import io.pqvector.parquet.LocalFileInput;
import io.pqvector.parquet.PageCompression;
import io.pqvector.parquet.ParquetFiles;
import io.pqvector.parquet.PositionalFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.format.PageType;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * One vector column (a list of FLOAT or DOUBLE) of one Parquet file, decoded fast into
 * {@link VectorBatch}es: a whole row group at a time, or a single page.
 *
 * <p>Thread-safe: reads use positional I/O on one shared channel and per-call buffers, so any number of
 * threads may read at once. {@link #close()} releases the file.
 */
public final class VectorColumn implements Closeable {
  private final PositionalFile file;
  private final String column;
  private final VectorLayout layout;
  private final ColumnChunkMetaData[] chunks;
  private final long[] rowGroupRows;
  /** Global index of each row group's first row, plus the total row count at the end. */
  private final long[] firstRows;
  private final AtomicReferenceArray<PageTable> pageTables;

  private VectorColumn(PositionalFile file, String column, VectorLayout layout, ColumnChunkMetaData[] chunks,
      long[] rowGroupRows) {
    this.file = file;
    this.column = column;
    this.layout = layout;
    this.chunks = chunks;
    this.rowGroupRows = rowGroupRows;
    this.firstRows = new long[rowGroupRows.length + 1];
    for (int rg = 0; rg < rowGroupRows.length; rg++) {
      firstRows[rg + 1] = firstRows[rg] + rowGroupRows[rg];
    }
    this.pageTables = new AtomicReferenceArray<>(rowGroupRows.length);
  }

  /**
   * Opens the vector column named {@code column} (a top-level field) of {@code file}.
   *
   * @throws IOException if the file cannot be read or is not a valid Parquet file
   * @throws IllegalArgumentException if there is no such column or it is not a list of FLOAT or DOUBLE
   */
  public static VectorColumn open(Path file, String column) throws IOException {
    for (int attempt = 1; ; attempt++) {
      FileVersion before = FileVersion.of(file);
      try {
        return openOnce(file, column);
      } catch (IOException e) {
        // The footer moved under us (an index was being written into the file): read it again.
        if (attempt >= 4 || FileVersion.of(file).equals(before)) {
          throw e;
        }
        try {
          Thread.sleep(10L * attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /**
   * Opens the vector column named {@code column} of {@code file} with a footer already read from
   * this version of the file (a search keeps footers; parsing one per query costs more than the
   * probe of a large file).
   */
  public static VectorColumn open(Path file, ParquetMetadata footer, String column)
      throws IOException {
    return openOnce(file, footer, column);
  }

  private static VectorColumn openOnce(Path file, String column) throws IOException {
    return openOnce(file, null, column);
  }

  private static VectorColumn openOnce(Path file, ParquetMetadata knownFooter, String column)
      throws IOException {
    PositionalFile positional = new PositionalFile(file);
    try {
      ParquetMetadata footer = knownFooter;
      if (footer == null) {
        try (ParquetFileReader reader =
            ParquetFiles.open(new LocalFileInput(file, positional.channel()), FilterCompat.NOOP)) {
          footer = reader.getFooter();
        }
      }
      VectorLayout layout = VectorLayout.resolve(footer.getFileMetaData().getSchema(), column, file);
      ColumnPath path = ColumnPath.get(layout.descriptor.getPath());
      List<BlockMetaData> blocks = footer.getBlocks();
      ColumnChunkMetaData[] chunks = new ColumnChunkMetaData[blocks.size()];
      long[] rows = new long[blocks.size()];
      for (int rg = 0; rg < chunks.length; rg++) {
        BlockMetaData block = blocks.get(rg);
        rows[rg] = block.getRowCount();
        for (ColumnChunkMetaData chunk : block.getColumns()) {
          if (chunk.getPath().equals(path)) {
            chunks[rg] = chunk;
          }
        }
        if (chunks[rg] == null) {
          throw new IOException(file + ": row group " + rg + " has no column chunk for " + path);
        }
        if (rows[rg] < 0) {
          throw new IOException(file + ": row group " + rg + " declares " + rows[rg] + " rows");
        }
      }
      return new VectorColumn(positional, column, layout, chunks, rows);
    } catch (IOException | RuntimeException e) {
      positional.close();
      throw e;
    }
  }

  public Path file() {
    return file.path();
  }

  public String column() {
    return column;
  }

  /** True if the elements are stored as DOUBLE (they are still decoded to float). */
  public boolean isDouble() {
    return layout.isDouble;
  }

  public int rowGroupCount() {
    return chunks.length;
  }

  public long rowCount() {
    return firstRows[chunks.length];
  }

  public long rowGroupRowCount(int rowGroup) {
    return rowGroupRows[rowGroup];
  }

  /** Global index of the first row of {@code rowGroup}. */
  public long rowGroupFirstRow(int rowGroup) {
    checkRowGroup(rowGroup);
    return firstRows[rowGroup];
  }

  /** The row group holding global row {@code row} (binary search). */
  public int rowGroupOf(long row) {
    if (row < 0 || row >= rowCount()) {
      throw new IndexOutOfBoundsException("row " + row + " of " + rowCount() + " in " + file.path());
    }
    int lo = 0;
    int hi = chunks.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (firstRows[mid] <= row) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** Decodes the whole column chunk of {@code rowGroup}. */
  public VectorBatch readRowGroup(int rowGroup) throws IOException {
    checkRowGroup(rowGroup);
    ColumnChunkMetaData chunk = chunks[rowGroup];
    int rows = batchRows(rowGroupRows[rowGroup], rowGroup);
    long valueCount = chunk.getValueCount();
    if (valueCount < rows || valueCount > Integer.MAX_VALUE - 16) {
      throw new IOException(file.path() + ": " + describe(rowGroup) + " declares " + valueCount + " values for "
          + rows + " rows; at most " + (Integer.MAX_VALUE - 16) + " fit in one batch");
    }
    PageCompression codec = PageCompression.of(chunk.getCodec(), file.path());
    long start = chunk.getStartingPos();
    byte[] bytes = file.read(start, chunk.getTotalSize(), describe(rowGroup));
    int width = layout.isDouble ? 8 : 4;
    int initialValues = (int) Math.min(valueCount, Math.max(0, chunk.getTotalUncompressedSize()) / width);
    BatchBuilder out = new BatchBuilder(layout, rows, initialValues);
    PageDecoder decoder =
        new PageDecoder(layout, codec, file.path(), valueCount, chunk.getTotalUncompressedSize());
    try {
      int pos = 0;
      long entries = 0;
      while (pos < bytes.length && entries < valueCount) {
        PageHeaderParser page = PageHeaderParser.parse(bytes, pos, bytes.length, file.path(), start + pos);
        int body = pos + page.headerLength;
        PageType type = page.header.getType();
        if (type == PageType.DICTIONARY_PAGE) {
          decoder.readDictionaryPage(page.header, bytes, body, start + pos);
        } else if (type == PageType.DATA_PAGE || type == PageType.DATA_PAGE_V2) {
          decoder.decodeDataPage(page.header, bytes, body, start + pos, out);
          entries += type == PageType.DATA_PAGE
              ? page.header.getData_page_header().getNum_values()
              : page.header.getData_page_header_v2().getNum_values();
          if (entries > valueCount) {
            throw new IOException(file.path() + ": the pages of " + describe(rowGroup) + " hold more than the "
                + valueCount + " values its metadata declares");
          }
        }
        pos = body + page.header.getCompressed_page_size();
      }
      return out.finish();
    } catch (UnsupportedPageEncoding e) {
      return ParquetMrFallback.readRowGroup(file, layout, column, rowGroup);
    } catch (IOException e) {
      throw withContext(e, rowGroup);
    }
  }

  /** Decodes {@code rowGroup} with parquet-mr's column reader, bypassing the fast decoder (for tests). */
  VectorBatch readRowGroupWithParquetMr(int rowGroup) throws IOException {
    checkRowGroup(rowGroup);
    return ParquetMrFallback.readRowGroup(file, layout, column, rowGroup);
  }

  /**
   * Where the data pages of {@code rowGroup}'s column chunk are: from the offset index if the file has
   * one, else by scanning page headers. Computed once per row group, then cached.
   */
  public PageTable pages(int rowGroup) throws IOException {
    checkRowGroup(rowGroup);
    PageTable table = pageTables.get(rowGroup);
    if (table == null) {
      table = new PageTableReader(file, layout, chunks[rowGroup], rowGroupRows[rowGroup], describe(rowGroup))
          .read();
      pageTables.compareAndSet(rowGroup, null, table);
    }
    return table;
  }

  /** The page table of {@code rowGroup} built by scanning page headers even if an offset index exists (for tests). */
  PageTable pagesByScanningHeaders(int rowGroup) throws IOException {
    checkRowGroup(rowGroup);
    return new PageTableReader(file, layout, chunks[rowGroup], rowGroupRows[rowGroup], describe(rowGroup)).scan();
  }

  /**
   * Decodes the data pages {@code first..last} of {@code rowGroup}, which must lie back to back
   * in the file, with a single read: a file laid out by {@code rewrite} keeps each list's rows in
   * consecutive one-vector pages, and one read per list beats one per vector by far.
   */
  public VectorBatch readPages(int rowGroup, PageTable table, int first, int last)
      throws IOException {
    checkRowGroup(rowGroup);
    if (first < 0 || last < first || last >= table.pageCount()) {
      throw new IndexOutOfBoundsException("pages " + first + ".." + last + " of "
          + table.pageCount() + " in " + describe(rowGroup));
    }
    if (first == last) {
      return readPage(rowGroup, table, first);
    }
    if (table.rowGroupRows() != rowGroupRows[rowGroup]) {
      throw new IOException(file.path() + ": page table of " + table.rowGroupRows()
          + " rows does not match " + describe(rowGroup) + " (" + rowGroupRows[rowGroup] + " rows)");
    }
    long rows = 0;
    for (int p = first; p <= last; p++) {
      if (p < last && table.headerOffset(p) + table.compressedSize(p) != table.headerOffset(p + 1)) {
        throw new IllegalArgumentException("pages " + p + " and " + (p + 1) + " of "
            + describe(rowGroup) + " are not back to back");
      }
      rows += table.rowCount(p);
    }
    long start = table.headerOffset(first);
    long length = table.headerOffset(last) + table.compressedSize(last) - start;
    ColumnChunkMetaData chunk = chunks[rowGroup];
    if (start < chunk.getStartingPos() || length > Integer.MAX_VALUE - 16
        || start + length > chunk.getStartingPos() + chunk.getTotalSize()) {
      throw new IOException(file.path() + ": pages " + first + ".." + last + " lie outside "
          + describe(rowGroup) + "; is the page table from another file?");
    }
    PageCompression codec = PageCompression.of(chunk.getCodec(), file.path());
    PageDecoder decoder = new PageDecoder(layout, codec, file.path(), chunk.getValueCount(),
        chunk.getTotalUncompressedSize());
    try {
      if (table.hasDictionary()) {
        PageBytes dictionary = readPageAt(rowGroup, table.dictionaryOffset(),
            table.dictionarySize(), "dictionary page");
        decoder.readDictionaryPage(dictionary.page.header, dictionary.bytes,
            dictionary.page.headerLength, table.dictionaryOffset());
      }
      byte[] bytes = file.read(start, (int) length, "pages " + first + ".." + last + " of "
          + describe(rowGroup));
      BatchBuilder out = new BatchBuilder(layout, batchRows(rows, rowGroup), 0);
      int pos = 0;
      for (int p = first; p <= last; p++) {
        int size = table.compressedSize(p);
        PageHeaderParser page = PageHeaderParser.parse(bytes, pos, pos + size, file.path(),
            start + pos);
        decoder.decodeDataPage(page.header, bytes, pos + page.headerLength, start + pos, out);
        pos += size;
      }
      return out.finish();
    } catch (UnsupportedPageEncoding e) {
      long firstRow = table.firstRow(first);
      return ParquetMrFallback.readRowGroup(file, layout, column, rowGroup)
          .slice((int) firstRow, (int) (firstRow + rows));
    } catch (IOException e) {
      throw withContext(e, rowGroup);
    }
  }

  /** Whether the file has a Parquet offset index for this column in {@code rowGroup}. */
  public boolean hasOffsetIndex(int rowGroup) {
    checkRowGroup(rowGroup);
    return chunks[rowGroup].getOffsetIndexReference() != null;
  }

  /** Decodes one data page of {@code rowGroup} (and its chunk's dictionary page, if it has one). */
  public VectorBatch readPage(int rowGroup, int page) throws IOException {
    return readPage(rowGroup, pages(rowGroup), page);
  }

  /**
   * Decodes one data page of {@code rowGroup}, located by a page table another layer persisted (built
   * from {@link #pages(int)} of this same file).
   */
  public VectorBatch readPage(int rowGroup, PageTable table, int page) throws IOException {
    checkRowGroup(rowGroup);
    if (page < 0 || page >= table.pageCount()) {
      throw new IndexOutOfBoundsException("page " + page + " of " + table.pageCount() + " in " + describe(rowGroup));
    }
    if (table.rowGroupRows() != rowGroupRows[rowGroup]) {
      throw new IOException(file.path() + ": page table of " + table.rowGroupRows() + " rows does not match "
          + describe(rowGroup) + " (" + rowGroupRows[rowGroup] + " rows)");
    }
    ColumnChunkMetaData chunk = chunks[rowGroup];
    int rows = batchRows(table.rowCount(page), rowGroup);
    PageCompression codec = PageCompression.of(chunk.getCodec(), file.path());
    PageDecoder decoder =
        new PageDecoder(layout, codec, file.path(), chunk.getValueCount(), chunk.getTotalUncompressedSize());
    try {
      if (table.hasDictionary()) {
        PageBytes dictionary = readPageAt(rowGroup, table.dictionaryOffset(), table.dictionarySize(),
            "dictionary page");
        if (dictionary.page.header.getType() != PageType.DICTIONARY_PAGE) {
          throw new IOException(file.path() + ": expected a dictionary page at offset " + table.dictionaryOffset()
              + " in " + describe(rowGroup) + ", found " + dictionary.page.header.getType());
        }
        decoder.readDictionaryPage(dictionary.page.header, dictionary.bytes, dictionary.page.headerLength,
            table.dictionaryOffset());
      }
      long offset = table.headerOffset(page);
      PageBytes data = readPageAt(rowGroup, offset, table.compressedSize(page), "page " + page);
      BatchBuilder out = new BatchBuilder(layout, rows, 0);
      decoder.decodeDataPage(data.page.header, data.bytes, data.page.headerLength, offset, out);
      return out.finish();
    } catch (UnsupportedPageEncoding e) {
      long first = table.firstRow(page);
      return ParquetMrFallback.readRowGroup(file, layout, column, rowGroup)
          .slice((int) first, (int) (first + rows));
    } catch (IOException e) {
      throw withContext(e, rowGroup);
    }
  }

  @Override
  public void close() throws IOException {
    file.close();
  }

  @Override
  public String toString() {
    return "VectorColumn[" + file.path() + " : " + column + ", " + rowCount() + " rows]";
  }

  /** One page read on its own: its bytes (header first) and its parsed header. */
  private static final class PageBytes {
    final byte[] bytes;
    final PageHeaderParser page;

    PageBytes(byte[] bytes, PageHeaderParser page) {
      this.bytes = bytes;
      this.page = page;
    }
  }

  private PageBytes readPageAt(int rowGroup, long offset, int size, String what) throws IOException {
    ColumnChunkMetaData chunk = chunks[rowGroup];
    long chunkStart = chunk.getStartingPos();
    if (offset < chunkStart || offset + size > chunkStart + chunk.getTotalSize()) {
      throw new IOException(file.path() + ": " + what + " at offset " + offset + " (" + size
          + " bytes) lies outside " + describe(rowGroup) + "; is the page table from another file?");
    }
    byte[] bytes = file.read(offset, size, what + " of " + describe(rowGroup));
    return new PageBytes(bytes, PageHeaderParser.parse(bytes, 0, bytes.length, file.path(), offset));
  }

  private int batchRows(long rows, int rowGroup) throws IOException {
    if (rows > Integer.MAX_VALUE - 16) {
      throw new IOException(file.path() + ": " + describe(rowGroup) + " has " + rows
          + " rows, more than one batch can hold");
    }
    return (int) rows;
  }

  private IOException withContext(IOException e, int rowGroup) {
    String message = e.getMessage();
    if (message != null && message.contains(file.path().toString())) {
      return e;
    }
    return new IOException(file.path() + ": cannot read " + describe(rowGroup) + ": " + message, e);
  }

  private String describe(int rowGroup) {
    return "column '" + column + "' of row group " + rowGroup;
  }

  private void checkRowGroup(int rowGroup) {
    if (rowGroup < 0 || rowGroup >= chunks.length) {
      throw new IndexOutOfBoundsException("row group " + rowGroup + " of " + chunks.length + " in " + file.path());
    }
  }
}
