package io.pqvector.calcite.function;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * A stored {@code REAL ARRAY} value that holds a NULL element. The vector functions give NULL
 * for it (a damaged row should not fail every query over the file), whereas a query vector
 * holding a NULL is an error, as in DuckDB; this type is how they tell the two apart.
 */
public final class PartlyNullVector extends AbstractList<Float> implements RandomAccess {
  private final List<Float> values;

  public PartlyNullVector(List<Float> values) {
    this.values = values;
  }

  @Override public Float get(int index) {
    return values.get(index);
  }

  @Override public int size() {
    return values.size();
  }
}
