package io.pqvector.calcite.search;

import io.pqvector.calcite.rows.FileChangedException;
import io.pqvector.calcite.rows.FileErrors;
import io.pqvector.parquet.FileVersion;
import io.pqvector.parquet.VersionedFooter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * The table's files as one query sees them: each file's version and footer, taken when the
 * query first looks at the file, so that everything the query reads of it and everything it
 * keeps in the caches belongs to that version. A plan (a prepared statement) outlives the
 * files it was planned on; each run looks at the files again. At the end the query checks that
 * no file changed under it ({@link #requireUnchanged}): a file replaced or rewritten while the
 * query read it fails the query, as reads of two versions may not make one answer. An index
 * written into a file in place does not change its data, and does not fail a query.
 */
final class QueryFiles implements SearchedTable {
  private final SearchedTable planned;
  private final ConcurrentHashMap<Path, VersionedFooter> seen = new ConcurrentHashMap<>();

  QueryFiles(SearchedTable planned) {
    this.planned = planned;
  }

  /** The version of {@code file} this query reads, with its footer. */
  VersionedFooter pinned(Path file) {
    return seen.computeIfAbsent(file, f -> {
      try {
        FileVersion now = FileVersion.of(f);
        if (now.equals(planned.version(f))) {
          return new VersionedFooter(now, planned.footer(f));
        }
        return FooterCache.get(f);
      } catch (IOException e) {
        throw FileErrors.reading(f, e);
      }
    });
  }

  @Override public String name() {
    return planned.name();
  }

  @Override public List<Path> files() {
    return planned.files();
  }

  @Override public ParquetMetadata footer(Path file) {
    return pinned(file).footer();
  }

  @Override public FileVersion version(Path file) {
    return pinned(file).version();
  }

  @Override public List<String> columnNames() {
    return planned.columnNames();
  }

  @Override public SearchSettings settings() {
    return planned.settings();
  }

  /**
   * Fails with a {@link FileChangedException} if {@code file} no longer holds the data of the
   * version this query read.
   */
  void requireUnchanged(Path file) {
    if (!seen.containsKey(file)) {
      return;
    }
    try {
      requireSameData(file, FileVersion.of(file));
    } catch (IOException e) {
      throw FileErrors.reading(file, e);
    }
  }

  /**
   * Fails with a {@link FileChangedException} unless {@code other}, a version of {@code file}
   * seen since (its index's, or the current one), is the version this query reads, or the file
   * still holds that version's data (an index written in place since, maybe more than once).
   */
  void requireSameData(Path file, FileVersion other) {
    VersionedFooter read = pinned(file);
    if (other.equals(read.version())) {
      return;
    }
    try {
      if (read.sameDataAs(FooterCache.get(file))) {
        return;
      }
    } catch (IOException e) {
      throw FileErrors.reading(file, e);
    }
    throw new FileChangedException(file);
  }

  /** {@link #requireUnchanged} for every file this query looked at. */
  void requireUnchanged() {
    for (Path file : seen.keySet()) {
      requireUnchanged(file);
    }
  }
}
