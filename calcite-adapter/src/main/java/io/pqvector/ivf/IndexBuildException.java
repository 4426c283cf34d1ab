package io.pqvector.ivf;

/**
 * The input cannot be indexed (wrong column type, mixed dimensions, NaN, no vectors, read-only
 * file ...). The message names the file, the column and, where it applies, the row. The file is
 * untouched when this is thrown.
 */
public final class IndexBuildException extends Exception {
  public IndexBuildException(String message) {
    super(message);
  }

  public IndexBuildException(String message, Throwable cause) {
    super(message, cause);
  }
}
