package io.pqvector.calcite;

/** Where a file's footer points to the pqvector index of a column. */
final class IndexKeys {
  private IndexKeys() {}

  static String keyFor(String column) {
    return "pqvector.ivf." + column;
  }
}
