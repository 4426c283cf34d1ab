package io.pqvector.parquet.decode;

/**
 * Signals that a page uses an encoding the fast decoder does not handle, so the column chunk must be
 * decoded by parquet-mr instead. Carries no stack trace: it is control flow, not an error.
 */
final class UnsupportedPageEncoding extends Exception {
  private static final long serialVersionUID = 1L;

  UnsupportedPageEncoding(String what) {
    super(what, null, false, false);
  }
}
