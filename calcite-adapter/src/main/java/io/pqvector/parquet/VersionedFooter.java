package io.pqvector.parquet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * A file's footer together with the version of the file it was read from: the version is taken
 * before and after the read, and a footer read while the file changed is read again, so the two
 * always belong together.
 */
public record VersionedFooter(FileVersion version, ParquetMetadata footer) {
  private static final int ATTEMPTS = 4;

  /** Reads the footer of the file as it is now. */
  public static VersionedFooter read(Path file) throws IOException {
    for (int attempt = 1; ; attempt++) {
      FileVersion before = FileVersion.of(file);
      ParquetMetadata footer = ParquetFiles.readFooter(file);
      FileVersion after = FileVersion.of(file);
      if (after.equals(before)) {
        return new VersionedFooter(before, footer);
      }
      if (attempt == ATTEMPTS) {
        throw new IOException(file + " changed each time its footer was read");
      }
    }
  }

  /**
   * Whether {@code other}, a later version of the same file, holds the same data: the same file
   * (file key), and row groups whose column chunks lie at the same places with the same sizes,
   * counts and statistics. An index written into the file in place (a new tail after the data,
   * a new footer) changes the version but not this; a file replaced (another file key) or
   * rewritten with another layout does. A rewrite in place that kept every chunk's place, size,
   * count and statistics but changed values would pass; no writer is known to do that.
   */
  public boolean sameDataAs(VersionedFooter other) {
    if (other.version.equals(version)) {
      return true;
    }
    if (version.key() == null || !version.key().equals(other.version.key())
        || !version.path().equals(other.version.path())) {
      return false;
    }
    List<BlockMetaData> a = footer.getBlocks();
    List<BlockMetaData> b = other.footer.getBlocks();
    if (a.size() != b.size() || !footer.getFileMetaData().getSchema()
        .equals(other.footer.getFileMetaData().getSchema())) {
      return false;
    }
    for (int g = 0; g < a.size(); g++) {
      if (a.get(g).getRowCount() != b.get(g).getRowCount()
          || a.get(g).getColumns().size() != b.get(g).getColumns().size()) {
        return false;
      }
      for (int c = 0; c < a.get(g).getColumns().size(); c++) {
        if (!sameChunk(a.get(g).getColumns().get(c), b.get(g).getColumns().get(c))) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean sameChunk(ColumnChunkMetaData x, ColumnChunkMetaData y) {
    return x.getPath().equals(y.getPath()) && x.getCodec() == y.getCodec()
        && x.getFirstDataPageOffset() == y.getFirstDataPageOffset()
        && x.getDictionaryPageOffset() == y.getDictionaryPageOffset()
        && x.getTotalSize() == y.getTotalSize()
        && x.getTotalUncompressedSize() == y.getTotalUncompressedSize()
        && x.getValueCount() == y.getValueCount()
        && Objects.equals(x.getStatistics(), y.getStatistics());
  }
}
