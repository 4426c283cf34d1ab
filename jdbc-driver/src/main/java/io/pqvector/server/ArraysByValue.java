package io.pqvector.server;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.sql.Types;

/**
 * Works around CALCITE-3162 on the server side: Avatica's JDBC server reads an ARRAY column
 * through {@link Array#getResultSet()} expecting (index, value) columns, which Calcite's arrays
 * do not have ("invalid column ordinal: 2" for every vector column). Arrays handed out by a
 * connection wrapped here refuse {@code getResultSet()}, so Avatica takes its other path,
 * {@link Array#getArray()}, and sends the elements as a list of REAL.
 */
final class ArraysByValue {
  private ArraysByValue() {}

  /**
   * @param realAsDouble whether REAL arrays are handed out as DOUBLE arrays (exact widening):
   *     Avatica's JSON client reads array elements as BigDecimal and cannot make a REAL of
   *     them, while it can make a DOUBLE
   */
  static Connection wrap(Connection c, boolean realAsDouble) {
    return (Connection) proxy(c, Connection.class, realAsDouble);
  }

  private static Object proxy(Object target, Class<?> iface, boolean realAsDouble) {
    InvocationHandler h = (p, method, args) -> {
      if (iface == Array.class) {
        switch (method.getName()) {
          case "getResultSet":
            throw new SQLFeatureNotSupportedException("read arrays with getArray()");
          case "getBaseType":
            if (realAsDouble && ((Array) target).getBaseType() == Types.REAL) {
              return Types.DOUBLE;
            }
            break;
          case "getBaseTypeName":
            if (realAsDouble && ((Array) target).getBaseType() == Types.REAL) {
              return "DOUBLE";
            }
            break;
          case "getArray":
            if (realAsDouble && (args == null || args.length == 0)
                && ((Array) target).getBaseType() == Types.REAL) {
              return widen(((Array) target).getArray());
            }
            break;
          default:
            break;
        }
      }
      Object result;
      try {
        result = method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      Class<?> wrapAs = wrapType(method, result);
      return wrapAs == null ? result : proxy(result, wrapAs, realAsDouble);
    };
    return Proxy.newProxyInstance(ArraysByValue.class.getClassLoader(), new Class<?>[] {iface},
        h);
  }

  private static Object[] widen(Object floats) {
    int n = java.lang.reflect.Array.getLength(floats);
    Object[] out = new Object[n];
    for (int i = 0; i < n; i++) {
      Object v = java.lang.reflect.Array.get(floats, i);
      out[i] = v == null ? null : ((Number) v).doubleValue();
    }
    return out;
  }

  /** The JDBC interface to wrap a returned object in, or null to return it as it is. */
  private static Class<?> wrapType(Method method, Object result) {
    if (result == null || method.getName().equals("unwrap")) {
      return null;
    }
    Class<?> r = method.getReturnType();
    if (r == Array.class || r == ResultSet.class || Statement.class.isAssignableFrom(r)) {
      return r;
    }
    return null;
  }
}
