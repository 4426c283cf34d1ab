package io.pqvector.sqltests;

import io.pqvector.vector.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The directory the serve tests serve: {@code v768} (1,500 x 768, IVF-indexed, L2),
 * {@code v4096} (300 x 4,096, not indexed) and {@code docs} (the 32-dim docs fixture,
 * IVF-indexed, with {@code cat} to filter on), all written by DuckDB.
 */
final class ServedData {
  private ServedData() {}

  private static Path shared;

  /** One copy per test JVM (under target/), shared by the serve test classes. */
  static synchronized Path shared() throws Exception {
    if (shared == null) {
      Path base = java.nio.file.Paths.get("target", "serve-data").toAbsolutePath();
      Files.createDirectories(base);
      shared = create(Files.createTempDirectory(base, "data"));
    }
    return shared;
  }

  static Path create(Path dir) throws Exception {
    Files.createDirectories(dir);
    IvfFixtures.writeClustered(dir.resolve("v768.parquet"), 1500, 768, 12, 0, 7, "embedding");
    IvfFixtures.index(dir.resolve("v768.parquet"), "embedding", Metric.L2);
    IvfFixtures.writeClustered(dir.resolve("v4096.parquet"), 300, 4096, 6, 0, 11, "embedding");
    IvfFixtures.writeClustered(dir.resolve("docs.parquet"), 20_000, 32, 40, 0, 3, "embedding");
    IvfFixtures.index(dir.resolve("docs.parquet"), "embedding", Metric.L2);
    return dir;
  }

  /** The stored vector of row {@code id} of {@code table}, read through {@code c}. */
  static float[] vector(Connection c, String table, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT embedding FROM " + table
        + " WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return floats(rs.getArray(1));
      }
    }
  }

  /** Any JDBC array of numbers (REAL or DOUBLE elements) as floats. */
  static float[] floats(Array a) throws SQLException {
    Object[] values = (Object[]) a.getArray();
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = ((Number) values[i]).floatValue();
    }
    return out;
  }

  static Float[] boxed(float[] v) {
    Float[] b = new Float[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = v[i];
    }
    return b;
  }

  /** Every row of a result as strings (floats printed the same on both sides). */
  static List<String> rows(ResultSet rs) throws SQLException {
    List<String> out = new ArrayList<>();
    int n = rs.getMetaData().getColumnCount();
    while (rs.next()) {
      StringBuilder b = new StringBuilder();
      for (int i = 1; i <= n; i++) {
        Object o = rs.getObject(i);
        if (o instanceof Array a) {
          o = java.util.Arrays.toString(floats(a));
        } else if (o instanceof Number num && !(o instanceof Long || o instanceof Integer)) {
          o = Float.toString(num.floatValue());
        }
        b.append(i > 1 ? "|" : "").append(o);
      }
      out.add(b.toString());
    }
    return out;
  }
}
