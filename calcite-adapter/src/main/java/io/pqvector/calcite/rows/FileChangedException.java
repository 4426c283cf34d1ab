package io.pqvector.calcite.rows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A file was replaced or rewritten while a query read it: what the query read may come from two
 * versions, so it gives no answer (SQLState 40001: run it again).
 */
public final class FileChangedException extends UncheckedIOException {
  public FileChangedException(Path file) {
    super(file + " changed (was replaced or rewritten) while the query read it; run the query"
        + " again",
        new IOException(file + " changed"));
  }
}
