package org.apache.calcite.jdbc;

import java.sql.SQLException;
import java.util.List;
import org.apache.calcite.avatica.AvaticaClientRuntimeException;
import org.apache.calcite.avatica.AvaticaSeverity;
import org.apache.calcite.avatica.QueryState;
import org.apache.calcite.avatica.remote.TypedValue;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.NoSuchStatementException;

/**
 * Calcite's metadata with transaction calls that a read-only, auto-commit driver can honour:
 * {@code commit()} and {@code rollback()} succeed and do nothing (SQL clients call them freely).
 * It lives in Calcite's package because the connection class it needs is package-private there.
 */
public final class PqVectorMetaImpl extends CalciteMetaImpl {
  public PqVectorMetaImpl(AvaticaConnection connection) {
    super((CalciteConnectionImpl) connection);
  }

  /**
   * A plain {@code Statement} cannot bind {@code ?} markers; without this check Calcite would run
   * the query with every marker NULL and return rows that answer a different question.
   */
  @Override public ExecuteResult prepareAndExecute(StatementHandle h, String sql,
      long maxRowCount, int maxRowsInFirstFrame, PrepareCallback callback)
      throws NoSuchStatementException {
    return super.prepareAndExecute(h, sql, maxRowCount, maxRowsInFirstFrame,
        new PrepareCallback() {
          @Override public Object getMonitor() {
            return callback.getMonitor();
          }

          @Override public void clear() throws SQLException {
            callback.clear();
          }

          @Override public void assign(Signature signature, Frame firstFrame, long updateCount)
              throws SQLException {
            if (signature != null && !signature.parameters.isEmpty()) {
              throw new SQLException("the statement has " + signature.parameters.size()
                  + " parameter marker(s) '?', which a plain Statement cannot bind; use a"
                  + " PreparedStatement", "07001");
            }
            callback.assign(signature, firstFrame, updateCount);
          }

          @Override public void execute() throws SQLException {
            callback.execute();
          }
        });
  }

  /**
   * Runs the query. Avatica turns any unchecked exception raised here into an SQLException
   * without an SQLState; a data error (a query vector holding a NULL, of the wrong length) is
   * passed on with 22000, and an SQLException raised below keeps its own state.
   */
  @Override public Iterable<Object> createIterable(StatementHandle handle, QueryState state,
      Signature signature, List<TypedValue> parameterValues, Frame firstFrame) {
    try {
      return super.createIterable(handle, state, signature, parameterValues, firstFrame);
    } catch (RuntimeException e) {
      throw withSqlState(e);
    }
  }

  static RuntimeException withSqlState(RuntimeException e) {
    Throwable dataError = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException && ((SQLException) t).getSQLState() != null) {
        return clientException(t.getMessage(), ((SQLException) t).getSQLState(), e);
      }
      if (t instanceof IllegalArgumentException) {
        dataError = t; // the innermost one: parallel streams wrap it in copies of itself
      }
    }
    return dataError == null ? e : clientException(dataError.getMessage(), "22000", e);
  }

  private static RuntimeException clientException(String message, String sqlState,
      Throwable e) {
    return new AvaticaClientRuntimeException(message, 0, sqlState, AvaticaSeverity.ERROR,
        List.of(e.toString()), null);
  }

  @Override public void commit(ConnectionHandle ch) {
    // Nothing to commit: every statement is a read.
  }

  @Override public void rollback(ConnectionHandle ch) {
    // Nothing to roll back: every statement is a read.
  }
}
