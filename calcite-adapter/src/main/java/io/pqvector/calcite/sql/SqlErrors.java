package io.pqvector.calcite.sql;

import java.sql.SQLException;
import java.util.List;
import org.apache.calcite.avatica.AvaticaClientRuntimeException;
import org.apache.calcite.avatica.AvaticaSeverity;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;

/**
 * Errors raised while a result set is being read (a vector of the wrong length, an unreadable
 * file, a cancelled query) reach the caller of {@code ResultSet.next()} as SQLExceptions, as JDBC
 * promises, instead of as unchecked exceptions.
 */
final class SqlErrors {
  private SqlErrors() {}

  /** @param onClose runs when the rows have been read (or reading stopped) */
  static <T> Enumerable<T> translating(Enumerable<T> rows, Runnable onClose) {
    return new AbstractEnumerable<T>() {
      @Override public Enumerator<T> enumerator() {
        Enumerator<T> e;
        try {
          e = rows.enumerator();
        } catch (RuntimeException | AssertionError x) {
          onClose.run();
          throw sneaky(toSql(x));
        }
        return new Enumerator<T>() {
          @Override public T current() {
            // Calcite computes projected expressions here, so errors surface here too.
            try {
              return e.current();
            } catch (RuntimeException | AssertionError x) {
              throw sneaky(toSql(x));
            }
          }

          @Override public boolean moveNext() {
            try {
              return e.moveNext();
            } catch (RuntimeException | AssertionError x) {
              throw sneaky(toSql(x));
            }
          }

          @Override public void reset() {
            e.reset();
          }

          @Override public void close() {
            try {
              e.close();
            } finally {
              onClose.run();
            }
          }
        };
      }
    };
  }

  /**
   * An error raised while a statement starts executing, in the one form whose SQLState Avatica
   * keeps when it wraps the error ("Error while executing SQL ..."); unchanged if it has none.
   */
  static RuntimeException withSqlState(RuntimeException e) {
    String state = e instanceof IllegalArgumentException ? "22000"
        : e instanceof UnsupportedOperationException ? "0A000" : null;
    if (state == null) {
      return e;
    }
    RuntimeException r = new AvaticaClientRuntimeException(e.getMessage(), 0, state,
        AvaticaSeverity.ERROR, List.of(), null);
    r.initCause(e);
    return r;
  }

  static SQLException toSql(Throwable t) {
    Throwable cause = t;
    while (cause.getCause() != null && cause.getMessage() == null) {
      cause = cause.getCause();
    }
    String state = t instanceof IllegalArgumentException ? "22000"
        : t instanceof UnsupportedOperationException ? "0A000" : null;
    return new SQLException(cause.getMessage() == null ? t.toString() : cause.getMessage(),
        state, t);
  }

  /** Throws a checked exception through a method that does not declare it. */
  @SuppressWarnings("unchecked")
  private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
    throw (E) t;
  }
}
