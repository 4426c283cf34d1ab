package org.apache.calcite.jdbc;

import org.apache.calcite.avatica.AvaticaConnection;

/**
 * Calcite's metadata with transaction calls that a read-only, auto-commit driver can honour:
 * {@code commit()} and {@code rollback()} succeed and do nothing (SQL clients call them freely).
 * It lives in Calcite's package because the connection class it needs is package-private there.
 */
public final class PqVectorMetaImpl extends CalciteMetaImpl {
  public PqVectorMetaImpl(AvaticaConnection connection) {
    super((CalciteConnectionImpl) connection);
  }

  @Override public void commit(ConnectionHandle ch) {
    // Nothing to commit: every statement is a read.
  }

  @Override public void rollback(ConnectionHandle ch) {
    // Nothing to roll back: every statement is a read.
  }
}
