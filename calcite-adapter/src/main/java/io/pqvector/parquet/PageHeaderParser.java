package io.pqvector.parquet;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;

/** Parses a Thrift page header out of a byte array and checks the sizes it declares. */
final class PageHeaderParser {
  final PageHeader header;
  /** Bytes taken by the header itself; the page body starts right after. */
  final int headerLength;

  private PageHeaderParser(PageHeader header, int headerLength) {
    this.header = header;
    this.headerLength = headerLength;
  }

  /**
   * Parses the header at {@code bytes[pos..]}; the page (header and body) must end by {@code end}.
   * Throws an IOException naming {@code file} and {@code fileOffset} for a corrupt or cut-off header.
   */
  static PageHeaderParser parse(byte[] bytes, int pos, int end, Object file, long fileOffset) throws IOException {
    return parse(bytes, pos, end, end - pos, file, fileOffset);
  }

  /**
   * Parses a header that lies in {@code bytes[pos..end)}, for a page whose header and body must fit in
   * {@code bytesLeftInChunk} (which may exceed the bytes at hand when only a header window was read).
   */
  static PageHeaderParser parse(byte[] bytes, int pos, int end, long bytesLeftInChunk, Object file,
      long fileOffset) throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(bytes, pos, end - pos);
    PageHeader header;
    try {
      header = Util.readPageHeader(in);
    } catch (IOException | RuntimeException e) {
      throw new IOException(file + ": corrupt page header at offset " + fileOffset + ": " + e.getMessage(), e);
    }
    int headerLength = (end - pos) - in.available();
    int compressed = header.getCompressed_page_size();
    int uncompressed = header.getUncompressed_page_size();
    if (compressed < 0 || uncompressed < 0 || (long) headerLength + compressed > bytesLeftInChunk) {
      throw new IOException(
          file + ": corrupt page header at offset " + fileOffset + ": page of " + compressed + " compressed / "
              + uncompressed + " uncompressed bytes does not fit in the " + (bytesLeftInChunk - headerLength)
              + " bytes left in its column chunk");
    }
    return new PageHeaderParser(header, headerLength);
  }
}
