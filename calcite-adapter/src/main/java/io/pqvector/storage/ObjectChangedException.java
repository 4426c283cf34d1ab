package io.pqvector.storage;

import java.io.IOException;

/** The object was replaced after its version was read: its bytes are not served as the old version's. */
public final class ObjectChangedException extends IOException {
  public ObjectChangedException(String object) {
    super(object + " changed while it was being read (it was replaced); run the query again");
  }
}
