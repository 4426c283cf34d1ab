package io.pqvector.calcite;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one vector query: how many files went through an index, what was read. */
public final class SearchStats {
  final AtomicLong indexedFiles = new AtomicLong();
  final AtomicLong exactFiles = new AtomicLong();
  final AtomicLong listsProbed = new AtomicLong();
  final AtomicLong rowsScored = new AtomicLong();

  public long indexedFiles() {
    return indexedFiles.get();
  }

  public long exactFiles() {
    return exactFiles.get();
  }

  public long listsProbed() {
    return listsProbed.get();
  }

  /** Vectors whose distance was computed. */
  public long rowsScored() {
    return rowsScored.get();
  }

  @Override public String toString() {
    return "indexedFiles=" + indexedFiles + " exactFiles=" + exactFiles + " listsProbed="
        + listsProbed + " rowsScored=" + rowsScored;
  }
}
