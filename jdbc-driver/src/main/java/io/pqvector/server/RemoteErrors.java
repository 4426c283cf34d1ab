package io.pqvector.server;

import io.pqvector.calcite.cancel.QueryCancellation;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import org.apache.calcite.avatica.AvaticaSeverity;
import org.apache.calcite.avatica.remote.AvaticaRuntimeException;
import org.apache.calcite.avatica.remote.ProtobufMeta;

/**
 * Gives remote clients the driver's own message and SQLState. Avatica's JDBC server wraps an
 * {@link SQLException} in a plain RuntimeException, and its error response then carries the
 * whole causal chain and SQLState 00000; an {@link AvaticaRuntimeException} keeps both.
 */
final class RemoteErrors {
  /** {@code -Dpqvector.serve.debug=true} prints every failure's stack on the server. */
  private static final boolean DEBUG = Boolean.getBoolean("pqvector.serve.debug");

  private RemoteErrors() {}

  static AvaticaRuntimeException of(SQLException e) {
    String state = sqlState(e);
    return new AvaticaRuntimeException(e.getMessage(), e.getErrorCode(), state,
        AvaticaSeverity.ERROR);
  }

  /**
   * The first SQLState in the chain (the driver gives a timed-out query HYT00); Calcite's own
   * errors often carry none: a cancelled query is then HY008, a validation error (unknown table
   * or column, bad SQL) 42000.
   */
  private static String sqlState(Throwable e) {
    boolean validation = false;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        return s.getSQLState();
      }
      if (t instanceof QueryCancellation.QueryCancelledException
          || t instanceof java.util.concurrent.CancellationException) {
        return "HY008";
      }
      String name = t.getClass().getName();
      validation |= name.endsWith("CalciteContextException")
          || name.endsWith("SqlValidatorException") || name.endsWith("SqlParseException");
      if (t.getCause() == t) {
        break;
      }
    }
    return validation ? "42000" : "HY000";
  }

  /** The nearest SQLException in the chain, as the client should see it; else {@code e}. */
  static RuntimeException translate(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AvaticaRuntimeException a) {
        return a;
      }
      if (t instanceof SQLException s) {
        return of(s);
      }
    }
    return e instanceof RuntimeException r ? r : new RuntimeException(e);
  }

  /** A meta whose every failure is translated. */
  static ProtobufMeta translating(ProtobufMeta meta) {
    InvocationHandler h = (proxy, method, args) -> {
      try {
        return method.invoke(meta, args);
      } catch (InvocationTargetException ite) {
        Throwable cause = ite.getCause();
        if (cause instanceof Error err) {
          throw err;
        }
        // Avatica's checked exceptions (no such statement, missing results) keep their meaning.
        if (!(cause instanceof RuntimeException)) {
          throw cause;
        }
        if (DEBUG) {
          cause.printStackTrace();
        }
        throw translate(cause);
      }
    };
    return (ProtobufMeta) Proxy.newProxyInstance(ProtobufMeta.class.getClassLoader(),
        new Class<?>[] {ProtobufMeta.class}, h);
  }
}
