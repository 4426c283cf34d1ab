package io.pqvector.format;

import java.io.IOException;

/**
 * An index payload that cannot be trusted: wrong magic, a newer format version, a checksum
 * mismatch, or a count, length or offset that does not fit. The message says which field and why.
 * A caller that gets this treats the column as unindexed.
 */
public final class IvfIndexFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public IvfIndexFormatException(String message) {
    super(message);
  }
}
