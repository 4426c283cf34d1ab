package org.apache.calcite.avatica.jdbc;

import java.sql.Statement;

/**
 * Reads the JDBC statement behind a {@link StatementInfo}, whose field is package-private in
 * Avatica; pqvector's server needs it to set query timeouts and to cancel queries on shutdown.
 */
public final class StatementAccess {
  private StatementAccess() {}

  public static Statement statement(StatementInfo info) {
    return info.statement;
  }
}
