package io.pqvector.calcite.search;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.pqvector.parquet.FileVersion;
import io.pqvector.parquet.VersionedFooter;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * Footers by file version, so a query that finds a file changed since its plan does not parse
 * the footer again on every run; the least recently used go first.
 */
final class FooterCache {
  private static final Cache<FileVersion, ParquetMetadata> FOOTERS =
      CacheBuilder.newBuilder().maximumSize(256).build();

  private FooterCache() {}

  /** The footer of {@code file} as it is now, with that version. */
  static VersionedFooter get(Path file) throws IOException {
    FileVersion now = FileVersion.of(file);
    ParquetMetadata kept = FOOTERS.getIfPresent(now);
    if (kept != null) {
      return new VersionedFooter(now, kept);
    }
    VersionedFooter read = VersionedFooter.read(file);
    FOOTERS.put(read.version(), read.footer());
    return read;
  }
}
