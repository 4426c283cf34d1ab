package io.pqvector.server;

import java.util.List;
import org.apache.calcite.avatica.remote.TypedValue;

/** Parameter values as they arrive from the wire, made fit for the pqvector driver. */
final class VectorParameters {
  private VectorParameters() {}

  static List<TypedValue> fromWire(List<TypedValue> values) {
    return values;
  }
}
