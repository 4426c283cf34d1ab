package io.pqvector.calcite.search;

import io.pqvector.calcite.rows.FileErrors;
import io.pqvector.parquet.decode.DecodedPageCache;
import io.pqvector.parquet.FileVersion;
import io.pqvector.parquet.decode.PageTable;
import io.pqvector.parquet.decode.VectorBatch;
import io.pqvector.parquet.decode.VectorColumn;
import java.io.IOException;
import java.nio.file.Path;

/** Decoded pages of one vector column of one file, through the shared page cache when it is on. */
final class PageSource {
  private final Path file;
  private final VectorColumn vectors;
  private final boolean cached;
  private final FileVersion version;

  /** @param version the version of the file the query reads, whose pages these are */
  PageSource(Path file, VectorColumn vectors, boolean cached, FileVersion version) {
    this.file = file;
    this.vectors = vectors;
    this.cached = cached;
    this.version = version;
  }

  FileVersion version() {
    return version;
  }

  /** Decodes pages {@code first..last}; single pages go through the cache when it is on. */
  VectorBatch read(int rowGroup, PageTable table, int first, int last) {
    if (first != last) {
      try {
        return vectors.readPages(rowGroup, table, first, last);
      } catch (IOException e) {
        throw FileErrors.reading(file, e);
      }
    }
    return read(rowGroup, table, first);
  }

  VectorBatch read(int rowGroup, PageTable table, int page) {
    try {
      if (!cached) {
        return vectors.readPage(rowGroup, table, page);
      }
      return DecodedPageCache.shared().get(
          new DecodedPageCache.Key(version, vectors.column(), rowGroup, page),
          () -> vectors.readPage(rowGroup, table, page));
    } catch (IOException e) {
      throw FileErrors.reading(file, e);
    }
  }
}
