package io.pqvector.sqltests;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * A remote client in a JVM of its own (class path: this class and Avatica's client jars only):
 * {@code RemoteQueryMain <url> <sql>} prints "started", runs the query and prints its first
 * column row by row. The fault tests kill it mid-query.
 */
public final class RemoteQueryMain {
  private RemoteQueryMain() {}

  public static void main(String[] args) throws Exception {
    try (Connection c = DriverManager.getConnection(args[0]);
         Statement s = c.createStatement()) {
      System.out.println("started");
      System.out.flush();
      try (ResultSet rs = s.executeQuery(args[1])) {
        while (rs.next()) {
          System.out.println(rs.getString(1));
        }
      }
    }
  }
}
