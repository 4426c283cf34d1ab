package io.pqvector.storage;

import java.io.InterruptedIOException;

/** A read stopped because the query it was made for was cancelled. */
public final class RequestAbortedException extends InterruptedIOException {
  public RequestAbortedException(String object) {
    super("reading " + object + " was aborted (the query was cancelled)");
  }
}
