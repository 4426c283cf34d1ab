package io.pqvector.embed;

import io.pqvector.cli.Main;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Run by {@link WithoutTheModuleTest} in a JVM whose class path has the driver but not
 * pqvector-embed: prints what a user would see from SQL and from the command.
 */
public final class NoModuleProbe {
  private NoModuleProbe() {}

  public static void main(String[] args) throws Exception {
    String dir = args[0];
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + dir);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM docs ORDER BY"
            + " array_cosine_distance(vec, embed('words')) LIMIT 1")) {
      rs.next();
      System.out.println("SQL: no error");
    } catch (SQLException e) {
      System.out.println("SQL: " + e.getSQLState() + " " + e.getMessage());
    }
    int code = Main.run(new String[] {"embed", dir + "/docs.parquet", dir + "/out.parquet",
        "--text-column", "body"}, System.out, System.out);
    System.out.println("CLI exit " + code);
  }
}
