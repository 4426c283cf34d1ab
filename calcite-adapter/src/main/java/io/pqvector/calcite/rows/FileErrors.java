package io.pqvector.calcite.rows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Turns I/O failures into messages that say which file and what happened to it. */
public final class FileErrors {
  private FileErrors() {}

  public static UncheckedIOException reading(Path file, IOException e) {
    return new UncheckedIOException("reading " + file + ": " + reason(e), e);
  }

  /** What went wrong, in words: the JDK's messages for these are the bare path. */
  static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "the file no longer exists (removed or replaced while the query ran)";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }
}
