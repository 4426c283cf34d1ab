package io.pqvector.calcite.sql;

import java.sql.Array;
import java.sql.SQLException;
import java.util.List;

/**
 * Turns the values a query vector arrives as (a vector column's {@link FloatVector}, a literal's
 * list of BigDecimal, a JDBC parameter's float[], double[], java.sql.Array or List) into a float[].
 */
public final class QueryVectors {
  /** The last boxed list converted, so a literal vector is converted once, not once per row. */
  private static volatile Converted last;

  private QueryVectors() {}

  private static final class Converted {
    final Object source;
    final float[] values;

    Converted(Object source, float[] values) {
      this.source = source;
      this.values = values;
    }
  }

  /** The vector as floats, or null if it is NULL or holds a NULL element. */
  public static float[] toFloats(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof FloatVector) {
      return ((FloatVector) value).array();
    }
    if (value instanceof float[]) {
      return (float[]) value;
    }
    Converted c = last;
    if (c != null && c.source == value) {
      return c.values;
    }
    float[] result = convert(value);
    if (result != null && value instanceof List) {
      last = new Converted(value, result);
    }
    return result;
  }

  private static float[] convert(Object value) {
    if (value instanceof double[]) {
      double[] d = (double[]) value;
      float[] f = new float[d.length];
      for (int i = 0; i < d.length; i++) {
        f[i] = (float) d[i];
      }
      return f;
    }
    if (value instanceof Object[]) {
      return fromList(java.util.Arrays.asList((Object[]) value));
    }
    if (value instanceof Array) {
      try {
        return toFloats(((Array) value).getArray());
      } catch (SQLException e) {
        throw new IllegalArgumentException("cannot read array parameter: " + e.getMessage(), e);
      }
    }
    if (value instanceof List) {
      return fromList((List<?>) value);
    }
    throw new IllegalArgumentException("expected a vector (array of numbers) but got "
        + value.getClass().getSimpleName());
  }

  private static float[] fromList(List<?> list) {
    float[] f = new float[list.size()];
    for (int i = 0; i < f.length; i++) {
      Object o = list.get(i);
      if (o == null) {
        return null;
      }
      if (!(o instanceof Number)) {
        throw new IllegalArgumentException("expected a vector of numbers but element " + i
            + " is " + o.getClass().getSimpleName());
      }
      f[i] = ((Number) o).floatValue();
    }
    return f;
  }
}
