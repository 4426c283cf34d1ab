package io.pqvector.parquet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * One version of a file: its path, size, modification time and file key (an object's ETag in an
 * object store, where a replaced object may keep its size and time). Everything pqvector derives
 * from a file and keeps (footers, indexes, decoded pages, column values, open readers) is keyed by
 * this, so a file that is replaced or rewritten is never served from what was read before.
 */
public record FileVersion(Path path, long size, long modified, Object key) {
  public FileVersion(Path path, long size, long modified) {
    this(path, size, modified, null);
  }

  public static FileVersion of(Path path) throws IOException {
    BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
    return new FileVersion(path, a.size(), a.lastModifiedTime().toMillis(), a.fileKey());
  }
}
