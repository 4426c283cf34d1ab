package io.pqvector.calcite.prepare;

import io.pqvector.calcite.cancel.QueryCancellation;
import io.pqvector.calcite.cancel.QueryDeadline;
import io.pqvector.calcite.rows.FileChangedException;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTimeoutException;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.validate.SqlValidatorException;

/**
 * Errors raised while a result set is being read (a vector of the wrong length, an unreadable
 * file, a cancelled query) reach the caller of {@code ResultSet.next()} as SQLExceptions, as JDBC
 * promises, instead of as unchecked exceptions; and every error gets a standard SQLState.
 */
public final class SqlErrors {
  /** Syntax errors and unknown tables, columns and functions. */
  public static final String SYNTAX = "42000";
  /** Data errors: vectors of the wrong length, bad values. */
  public static final String DATA = "22000";
  /** Writes and other features pqvector does not have. */
  public static final String UNSUPPORTED = "0A000";
  /** A statement cancelled by {@code Statement.cancel()}. */
  public static final String CANCELLED = "HY008";
  /** A statement stopped by its query timeout. */
  public static final String TIMEOUT = "HYT00";
  /** Connection errors (bad URL, missing directory). */
  public static final String CONNECTION = "08001";
  /** A file changed while the query read it: run the query again (a serialization failure). */
  public static final String FILE_CHANGED = "40001";
  /** Anything else (an unreadable file, an internal error). */
  public static final String GENERAL = "HY000";

  private SqlErrors() {}

  /**
   * Binds a plan and translates its errors; binding itself may run the query (an aggregate is
   * computed eagerly by Calcite's generated code).
   */
  static <T> Enumerable<T> binding(java.util.function.Supplier<Enumerable<T>> bind,
      QueryDeadline deadline) {
    Enumerable<T> rows;
    try {
      rows = bind.get();
    } catch (RuntimeException | AssertionError x) {
      deadline.disarm();
      throw sneaky(toSql(x, deadline));
    }
    return translating(rows, deadline);
  }

  static <T> Enumerable<T> translating(Enumerable<T> rows, QueryDeadline deadline) {
    return new AbstractEnumerable<T>() {
      @Override public Enumerator<T> enumerator() {
        Enumerator<T> e;
        try {
          e = rows.enumerator();
        } catch (RuntimeException | AssertionError x) {
          deadline.disarm();
          throw sneaky(toSql(x, deadline));
        }
        return new Enumerator<T>() {
          @Override public T current() {
            // Calcite computes projected expressions here, so errors surface here too.
            try {
              return e.current();
            } catch (RuntimeException | AssertionError x) {
              throw sneaky(toSql(x, deadline));
            }
          }

          @Override public boolean moveNext() {
            try {
              return e.moveNext();
            } catch (RuntimeException | AssertionError x) {
              throw sneaky(toSql(x, deadline));
            }
          }

          @Override public void reset() {
            e.reset();
          }

          @Override public void close() {
            try {
              e.close();
            } finally {
              deadline.disarm();
            }
          }
        };
      }
    };
  }

  static SQLException toSql(Throwable t, QueryDeadline deadline) {
    if (deadline.expired()) {
      return new SQLTimeoutException("query timed out after " + deadline.timeoutMillis() + " ms",
          TIMEOUT, t);
    }
    Throwable cause = t;
    while (cause.getCause() != null && cause.getMessage() == null) {
      cause = cause.getCause();
    }
    return withState(cause.getMessage() == null ? t.toString() : cause.getMessage(), sqlState(t),
        t);
  }

  /** The SQLState for an error: that of the first SQLException in the chain that has one, else
   * one derived from the kind of error. */
  public static String sqlState(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SQLException && ((SQLException) c).getSQLState() != null) {
        return ((SQLException) c).getSQLState();
      }
      if (c instanceof SQLTimeoutException) {
        return TIMEOUT;
      }
      if (c instanceof SQLException && "Statement canceled".equals(c.getMessage())) {
        return CANCELLED; // Avatica's own check of the cancel flag, between rows
      }
      if (c instanceof QueryCancellation.QueryCancelledException) {
        return CANCELLED;
      }
      if (c instanceof FileChangedException) {
        return FILE_CHANGED;
      }
      if (c instanceof UnsupportedOperationException
          || c instanceof SQLFeatureNotSupportedException) {
        return UNSUPPORTED;
      }
      if (c instanceof SqlParseException || c instanceof CalciteContextException
          || c instanceof SqlValidatorException) {
        return SYNTAX;
      }
      if (c instanceof IllegalArgumentException || c instanceof ArithmeticException
          || c instanceof ClassCastException) {
        return DATA;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return GENERAL;
  }

  /** An SQLException of the standard subclass for its state. */
  public static SQLException withState(String message, String state, Throwable cause) {
    if (state.equals(TIMEOUT)) {
      return new SQLTimeoutException(message, state, cause);
    }
    if (state.startsWith("42")) {
      return new SQLSyntaxErrorException(message, state, cause);
    }
    if (state.startsWith("22")) {
      return new SQLDataException(message, state, cause);
    }
    if (state.startsWith("0A")) {
      return new SQLFeatureNotSupportedException(message, state, cause);
    }
    if (state.startsWith("08")) {
      return new SQLNonTransientConnectionException(message, state, cause);
    }
    return new SQLException(message, state, cause);
  }

  /** Throws a checked exception through a method that does not declare it. */
  @SuppressWarnings("unchecked")
  private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
    throw (E) t;
  }
}
