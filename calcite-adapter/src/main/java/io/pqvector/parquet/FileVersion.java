package io.pqvector.parquet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * One version of a file: its path, size and modification time. Everything pqvector derives from
 * a file and keeps (footers, indexes, decoded pages, column values, open readers) is keyed by
 * this, so a file that is replaced or rewritten is never served from what was read before.
 */
public record FileVersion(Path path, long size, long modified) {
  public static FileVersion of(Path path) throws IOException {
    BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
    return new FileVersion(path, a.size(), a.lastModifiedTime().toMillis());
  }
}
