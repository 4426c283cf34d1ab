package io.pqvector.calcite.prepare;

import java.math.BigDecimal;
import java.sql.Types;
import org.apache.calcite.avatica.AvaticaParameter;

/**
 * Brings a bound parameter value to the Java type the plan's generated code expects for the
 * parameter's SQL type: JDBC lets {@code LIMIT ?} be bound with setLong, or a BIGINT with
 * setInt, and generated code would otherwise fail on a cast. A value that cannot be converted
 * (a word where a number belongs, a number out of range) is an error naming the parameter.
 */
final class ParameterValues {
  private ParameterValues() {}

  static Object coerce(Object value, AvaticaParameter parameter, int position) {
    if (value == null) {
      return null;
    }
    switch (parameter.parameterType) {
      case Types.TINYINT: return integral(value, parameter, position, Byte.MIN_VALUE,
          Byte.MAX_VALUE).byteValue();
      case Types.SMALLINT: return integral(value, parameter, position, Short.MIN_VALUE,
          Short.MAX_VALUE).shortValue();
      case Types.INTEGER: return integral(value, parameter, position, Integer.MIN_VALUE,
          Integer.MAX_VALUE).intValue();
      case Types.BIGINT: return integral(value, parameter, position, Long.MIN_VALUE,
          Long.MAX_VALUE).longValue();
      case Types.REAL: case Types.FLOAT: return number(value, parameter, position).floatValue();
      case Types.DOUBLE: return number(value, parameter, position).doubleValue();
      case Types.DECIMAL: case Types.NUMERIC: return number(value, parameter, position);
      default: return value;
    }
  }

  private static BigDecimal number(Object value, AvaticaParameter parameter, int position) {
    try {
      if (value instanceof BigDecimal) {
        return (BigDecimal) value;
      }
      if (value instanceof Number || value instanceof String) {
        return new BigDecimal(value.toString().trim());
      }
    } catch (NumberFormatException e) {
      // falls through to the error below
    }
    throw new IllegalArgumentException("parameter " + position + " expects a number ("
        + parameter.typeName + ") but was bound to " + describe(value));
  }

  private static BigDecimal integral(Object value, AvaticaParameter parameter, int position,
      long min, long max) {
    BigDecimal d = number(value, parameter, position);
    if (d.compareTo(BigDecimal.valueOf(min)) < 0 || d.compareTo(BigDecimal.valueOf(max)) > 0
        || d.stripTrailingZeros().scale() > 0) {
      throw new IllegalArgumentException("parameter " + position + " expects a whole number in "
          + min + ".." + max + " (" + parameter.typeName + ") but was bound to " + d);
    }
    return d;
  }

  private static String describe(Object value) {
    String text = String.valueOf(value);
    return value.getClass().getSimpleName() + " '"
        + (text.length() > 40 ? text.substring(0, 37) + "..." : text) + "'";
  }
}
