package io.pqvector.calcite.search;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of one vector query: how many files went through an index, what was read. */
public final class SearchStats {
  final AtomicLong indexedFiles = new AtomicLong();
  final AtomicLong exactFiles = new AtomicLong();
  final AtomicLong listsProbed = new AtomicLong();
  final AtomicLong rowsScored = new AtomicLong();
  final AtomicLong rowsFiltered = new AtomicLong();
  private final List<String> fallbacks = new ArrayList<>();

  synchronized void exactFallback(String message) {
    fallbacks.add(message);
  }

  /** Files searched exactly although they have an index (stale, damaged, other metric), why. */
  public synchronized List<String> fallbacks() {
    return new ArrayList<>(fallbacks);
  }

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

  /**
   * Rows on which the WHERE clause was evaluated (a row twice if two steps evaluated it; a bitmap
   * kept from an earlier query counts nothing).
   */
  public long rowsFiltered() {
    return rowsFiltered.get();
  }

  @Override public String toString() {
    return "indexedFiles=" + indexedFiles + " exactFiles=" + exactFiles + " listsProbed="
        + listsProbed + " rowsScored=" + rowsScored + " rowsFiltered=" + rowsFiltered;
  }
}
