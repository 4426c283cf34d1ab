package io.pqvector.calcite.function;

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

  /**
   * The vector as floats, or null if it is NULL or a stored vector holding a NULL element. Any
   * other vector holding a NULL (a literal, a parameter) is an error, as in DuckDB.
   */
  public static float[] toFloats(Object value) {
    if (value == null || value instanceof PartlyNullVector) {
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

  /**
   * The query vector of a nearest-neighbour search. A NULL one, or one holding a NULL element,
   * would rank no row, so it is an error rather than an answer of arbitrary rows.
   */
  public static float[] queryVector(String function, Object value) {
    float[] query;
    try {
      query = toFloats(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(function + ": " + e.getMessage(), e);
    }
    if (query == null) {
      if (value instanceof List) {
        List<?> list = (List<?>) value;
        throw new IllegalArgumentException(function + ": the query vector holds a NULL at element "
            + (list.indexOf(null) + 1) + " of " + list.size());
      }
      throw new IllegalArgumentException(function + ": the query vector is NULL");
    }
    return query;
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
        throw new IllegalArgumentException("the query vector holds a NULL at element " + (i + 1)
            + " of " + f.length);
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
