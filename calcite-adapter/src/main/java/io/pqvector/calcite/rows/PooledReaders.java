package io.pqvector.calcite.rows;

import io.pqvector.parquet.FileVersion;
import io.pqvector.parquet.ParquetFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetFileReader;

/**
 * Open Parquet readers kept for reading a few rows again and again (the final rows of vector
 * queries). A reader caches the offset indexes it has parsed, and on a file with many small pages
 * parsing them costs more than the rows themselves; a pooled reader parses them once per file
 * version and column set. Readers are confined to one borrower at a time; the pool is bounded
 * and closes what it drops.
 */
final class PooledReaders {
  private static final int MAX_KEYS = 64;
  private static final int MAX_PER_KEY = 4;
  private static final Map<Key, ArrayDeque<ParquetFileReader>> IDLE =
      new LinkedHashMap<>(16, 0.75f, true);

  private PooledReaders() {}

  /** Which file version a reader reads and which columns it was set up for. */
  record Key(FileVersion file, Set<String> columns) {
    static Key of(Path file, Set<String> columns) throws IOException {
      return new Key(FileVersion.of(file), columns);
    }
  }

  /** An idle reader for {@code key}, or a newly opened one (the caller sets its schema). */
  static ParquetFileReader borrow(Key key) throws IOException {
    synchronized (IDLE) {
      ArrayDeque<ParquetFileReader> idle = IDLE.get(key);
      if (idle != null && !idle.isEmpty()) {
        return idle.pop();
      }
    }
    return ParquetFiles.open(key.file().path(), FilterCompat.NOOP);
  }

  /** Takes a reader back for reuse, or closes it when the pool is full. */
  static void giveBack(Key key, ParquetFileReader reader) throws IOException {
    ParquetFileReader toClose = reader;
    synchronized (IDLE) {
      ArrayDeque<ParquetFileReader> idle = IDLE.computeIfAbsent(key, k -> new ArrayDeque<>());
      if (idle.size() < MAX_PER_KEY) {
        idle.push(reader);
        toClose = null;
      }
      if (IDLE.size() > MAX_KEYS) {
        Iterator<Map.Entry<Key, ArrayDeque<ParquetFileReader>>> eldest =
            IDLE.entrySet().iterator();
        Map.Entry<Key, ArrayDeque<ParquetFileReader>> e = eldest.next();
        eldest.remove();
        for (ParquetFileReader r : e.getValue()) {
          r.close();
        }
      }
    }
    if (toClose != null) {
      toClose.close();
    }
  }
}
