package io.pqvector.calcite.function;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.RandomAccess;

/**
 * A {@code REAL ARRAY} value backed by a primitive array. Calcite passes arrays around as
 * {@code List}; this one boxes only when a caller asks for an element, and the distance functions
 * read {@link #array()} directly.
 */
public class FloatVector extends AbstractList<Float> implements RandomAccess {
  private final float[] values;

  public FloatVector(float[] values) {
    this.values = values;
  }

  /** The backing array; callers must not modify it. */
  public float[] array() {
    return values;
  }

  @Override public Float get(int index) {
    return values[index];
  }

  @Override public int size() {
    return values.length;
  }

  @Override public boolean equals(Object o) {
    if (o instanceof FloatVector) {
      return Arrays.equals(values, ((FloatVector) o).values);
    }
    return super.equals(o);
  }

  @Override public int hashCode() {
    return super.hashCode();
  }
}
