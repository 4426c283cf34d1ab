package io.pqvector.parquet.decode;

import io.pqvector.parquet.PageCompression;
import io.pqvector.parquet.PositionalFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import org.apache.parquet.format.OffsetIndex;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageLocation;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.internal.hadoop.metadata.IndexReference;

/**
 * Builds the {@link PageTable} of one column chunk: from the file's offset index when the chunk has
 * one, otherwise by walking the page headers (and, for a chunk of several v1 data pages, decoding
 * their repetition levels to count rows, since v1 headers do not say).
 *
 * <p>It reads the offset index itself with a positional read, rather than through parquet-mr's
 * {@code ParquetFileReader.readOffsetIndex}, so it is safe to call from several threads at once.
 */
final class PageTableReader {
  private static final int HEADER_WINDOW = 64 * 1024;

  private final PositionalFile file;
  private final VectorLayout layout;
  private final ColumnChunkMetaData chunk;
  private final long rowGroupRows;
  private final String what;

  PageTableReader(PositionalFile file, VectorLayout layout, ColumnChunkMetaData chunk, long rowGroupRows,
      String what) {
    this.file = file;
    this.layout = layout;
    this.chunk = chunk;
    this.rowGroupRows = rowGroupRows;
    this.what = what;
  }

  PageTable read() throws IOException {
    IndexReference reference = chunk.getOffsetIndexReference();
    if (reference != null && reference.getLength() > 0) {
      return fromOffsetIndex(reference);
    }
    return scan();
  }

  private PageTable fromOffsetIndex(IndexReference reference) throws IOException {
    byte[] bytes = file.read(reference.getOffset(), reference.getLength(), "offset index of " + what);
    OffsetIndex index;
    try {
      index = Util.readOffsetIndex(new ByteArrayInputStream(bytes));
    } catch (IOException | RuntimeException e) {
      throw new IOException(file.path() + ": corrupt offset index of " + what + ": " + e.getMessage(), e);
    }
    List<PageLocation> locations = index.getPage_locations();
    int n = locations == null ? 0 : locations.size();
    long[] offsets = new long[n];
    int[] sizes = new int[n];
    long[] firstRows = new long[n];
    long chunkStart = chunk.getStartingPos();
    long chunkEnd = chunkStart + chunk.getTotalSize();
    for (int p = 0; p < n; p++) {
      PageLocation location = locations.get(p);
      offsets[p] = location.getOffset();
      sizes[p] = location.getCompressed_page_size();
      firstRows[p] = location.getFirst_row_index();
      if (offsets[p] < chunkStart || sizes[p] <= 0 || offsets[p] + sizes[p] > chunkEnd) {
        throw new IOException(file.path() + ": offset index of " + what + " puts page " + p + " at offset "
            + offsets[p] + " (" + sizes[p] + " bytes), outside its column chunk [" + chunkStart + ", "
            + chunkEnd + ")");
      }
    }
    long dictionaryOffset = -1;
    int dictionarySize = 0;
    if (n > 0 && chunk.hasDictionaryPage() && offsets[0] > chunkStart) {
      dictionaryOffset = chunkStart;
      dictionarySize = (int) (offsets[0] - chunkStart);
    }
    return table(offsets, sizes, firstRows, dictionaryOffset, dictionarySize);
  }

  /** Builds the table by walking page headers, ignoring any offset index. */
  PageTable scan() throws IOException {
    long start = chunk.getStartingPos();
    long end = start + chunk.getTotalSize();
    long valueCount = chunk.getValueCount();
    PageCompression codec = PageCompression.of(chunk.getCodec(), file.path());
    long[] offsets = new long[8];
    int[] sizes = new int[8];
    PageHeader[] headers = new PageHeader[8];
    int[] headerLengths = new int[8];
    int n = 0;
    long dictionaryOffset = -1;
    int dictionarySize = 0;
    long entries = 0;
    long pos = start;
    while (pos < end && entries < valueCount) {
      PageHeaderParser parsed = parseHeaderAt(pos, end);
      PageHeader header = parsed.header;
      int size = parsed.headerLength + header.getCompressed_page_size();
      if (header.getType() == PageType.DICTIONARY_PAGE) {
        dictionaryOffset = pos;
        dictionarySize = size;
      } else if (header.getType() == PageType.DATA_PAGE || header.getType() == PageType.DATA_PAGE_V2) {
        if (n == offsets.length) {
          offsets = java.util.Arrays.copyOf(offsets, n * 2);
          sizes = java.util.Arrays.copyOf(sizes, n * 2);
          headers = java.util.Arrays.copyOf(headers, n * 2);
          headerLengths = java.util.Arrays.copyOf(headerLengths, n * 2);
        }
        offsets[n] = pos;
        sizes[n] = size;
        headers[n] = header;
        headerLengths[n] = parsed.headerLength;
        n++;
        entries += entriesOf(header, pos);
      }
      pos += size;
    }
    long[] firstRows = new long[n];
    if (n > 1) {
      // v1 headers carry no row count: decode the repetition levels (v2 headers say).
      PageDecoder decoder = new PageDecoder(layout, codec, file.path(), valueCount, chunk.getTotalUncompressedSize());
      long row = 0;
      for (int p = 0; p < n; p++) {
        firstRows[p] = row;
        byte[] page = headers[p].getType() == PageType.DATA_PAGE_V2
            ? null
            : file.read(offsets[p], sizes[p], "page " + p + " of " + what);
        try {
          row += decoder.countRows(headers[p], page, headerLengths[p], offsets[p]);
        } catch (UnsupportedPageEncoding e) {
          throw new IOException(file.path() + ": cannot count the rows of page " + p + " of " + what + ": "
              + e.getMessage());
        }
      }
      if (row != rowGroupRows) {
        throw new IOException(file.path() + ": the pages of " + what + " hold " + row + " rows; the row group has "
            + rowGroupRows);
      }
    }
    return table(java.util.Arrays.copyOf(offsets, n), java.util.Arrays.copyOf(sizes, n), firstRows,
        dictionaryOffset, dictionarySize);
  }

  private long entriesOf(PageHeader header, long pos) throws IOException {
    if (header.getType() == PageType.DATA_PAGE && header.getData_page_header() != null) {
      return header.getData_page_header().getNum_values();
    }
    if (header.getType() == PageType.DATA_PAGE_V2 && header.getData_page_header_v2() != null) {
      return header.getData_page_header_v2().getNum_values();
    }
    throw new IOException(file.path() + ": corrupt page at offset " + pos + " in " + what + ": " + header.getType()
        + " without its header");
  }

  /** Parses the page header at {@code pos}, reading a window that grows until the header fits. */
  private PageHeaderParser parseHeaderAt(long pos, long end) throws IOException {
    long window = Math.min(HEADER_WINDOW, end - pos);
    while (true) {
      byte[] bytes = file.read(pos, window, "page header of " + what);
      try {
        return PageHeaderParser.parse(bytes, 0, bytes.length, end - pos, file.path(), pos);
      } catch (IOException e) {
        if (window >= end - pos || window >= (1 << 26)) {
          throw e;
        }
        window = Math.min(end - pos, window * 4);
      }
    }
  }

  private PageTable table(long[] offsets, int[] sizes, long[] firstRows, long dictionaryOffset, int dictionarySize)
      throws IOException {
    try {
      return new PageTable(offsets, sizes, firstRows, rowGroupRows, dictionaryOffset, dictionarySize);
    } catch (IllegalArgumentException e) {
      throw new IOException(file.path() + ": inconsistent page locations in " + what + ": " + e.getMessage(), e);
    }
  }
}
