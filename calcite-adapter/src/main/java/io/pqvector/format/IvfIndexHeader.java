package io.pqvector.format;

import java.nio.charset.StandardCharsets;

/**
 * What an index says about itself: which column it indexes under which metric, the shape of its
 * centroids, how many rows it covers, the fingerprint of the data it was built from, and the
 * build parameters kept for the record.
 *
 * @param column indexed column name as written in the footer key (UTF-8, 1..65535 bytes)
 * @param metric metric id: {@code l2}, {@code cosine} or {@code dot}
 * @param dimension vector dimension, at least 1
 * @param listCount number of inverted lists (= centroids), at least 1
 * @param rowCount total rows of the Parquet file, 0..2^31-1 (row ids are Java ints)
 * @param indexedCount rows with a non-null vector, all of which appear in exactly one list
 * @param dataFingerprint {@link DataFingerprint} of the file at build time; opaque here
 * @param seed k-means seed used to build the index
 * @param iterations k-means iteration limit used to build the index
 */
public record IvfIndexHeader(
    String column,
    String metric,
    int dimension,
    int listCount,
    long rowCount,
    long indexedCount,
    long dataFingerprint,
    long seed,
    int iterations) {

  /** Largest number of centroid floats that fits, with the rest of the payload, in one byte[]. */
  static final long MAX_CENTROID_FLOATS = (Integer.MAX_VALUE - 1024) / Float.BYTES;

  public IvfIndexHeader {
    String problem = problem(column, metric, dimension, listCount, rowCount, indexedCount, iterations);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /** The first reason these fields cannot form a header, or null. Shared with the reader. */
  static String problem(String column, String metric, long dimension, long listCount,
      long rowCount, long indexedCount, long iterations) {
    if (column == null || column.isEmpty()) {
      return "column name is empty";
    }
    int nameBytes = column.getBytes(StandardCharsets.UTF_8).length;
    if (nameBytes > IvfIndexFormat.MAX_COLUMN_NAME_BYTES) {
      return "column name is " + nameBytes + " UTF-8 bytes, more than "
          + IvfIndexFormat.MAX_COLUMN_NAME_BYTES;
    }
    if (metric == null || IvfIndexFormat.metricCode(metric) == 0) {
      return "unknown metric '" + metric + "': expected l2, cosine or dot";
    }
    if (dimension < 1 || dimension > Integer.MAX_VALUE) {
      return "dimension " + dimension + " out of range: must be 1.." + Integer.MAX_VALUE;
    }
    if (listCount < 1 || listCount > Integer.MAX_VALUE) {
      return "list count " + listCount + " out of range: must be 1.." + Integer.MAX_VALUE;
    }
    if (listCount * dimension > MAX_CENTROID_FLOATS) {
      return "list count x dimension = " + listCount + " x " + dimension
          + " centroid floats do not fit in an index (at most " + MAX_CENTROID_FLOATS + ")";
    }
    if (rowCount < 0) {
      return "row count " + rowCount + " is negative";
    }
    if (rowCount > Integer.MAX_VALUE) {
      return "row count " + rowCount + " exceeds 2^31-1: files with more rows cannot be indexed"
          + " (row ids are 32-bit)";
    }
    if (indexedCount < 0 || indexedCount > rowCount) {
      return "indexed vector count " + indexedCount + " out of range: must be 0..row count "
          + rowCount;
    }
    if (iterations < 0 || iterations > Integer.MAX_VALUE) {
      return "iteration count " + iterations + " out of range";
    }
    return null;
  }
}
