package io.pqvector.cli;

import java.io.PrintStream;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Prints a result set as an aligned text table. */
final class ResultTable {
  private ResultTable() {}

  static void print(ResultSet rs, PrintStream out) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    List<String[]> rows = new ArrayList<>();
    String[] header = new String[n];
    int[] width = new int[n];
    for (int i = 0; i < n; i++) {
      header[i] = md.getColumnLabel(i + 1);
      width[i] = header[i].length();
    }
    while (rs.next()) {
      String[] row = new String[n];
      for (int i = 0; i < n; i++) {
        Object v = rs.getObject(i + 1);
        String text = v == null ? "NULL" : v instanceof java.sql.Array ? "[...]" : v.toString();
        row[i] = text.length() > 60 ? text.substring(0, 57) + "..." : text;
        width[i] = Math.max(width[i], row[i].length());
      }
      rows.add(row);
    }
    line(out, header, width);
    StringBuilder sep = new StringBuilder();
    for (int w : width) {
      sep.append("-".repeat(w)).append("-+-");
    }
    out.println(sep.substring(0, Math.max(0, sep.length() - 3)));
    for (String[] row : rows) {
      line(out, row, width);
    }
    out.println("(" + rows.size() + (rows.size() == 1 ? " row)" : " rows)"));
  }

  private static void line(PrintStream out, String[] cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) {
        b.append(" | ");
      }
      b.append(cells[i]).append(" ".repeat(width[i] - cells[i].length()));
    }
    out.println(b.toString().stripTrailing());
  }
}
