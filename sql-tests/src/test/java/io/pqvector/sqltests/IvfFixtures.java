package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.component;
import static io.pqvector.sqltests.Fixtures.duck;
import static io.pqvector.sqltests.Fixtures.lit;

import io.pqvector.calcite.search.SearchStats;
import io.pqvector.calcite.search.VectorSearch;
import io.pqvector.ivf.BuildReport;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.vector.Metric;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Fixtures for the IVF tests: clustered vectors written by DuckDB (deterministic: every number is
 * a hash of row, component and a salt, so the files are identical on every run and thread), index
 * builds, EXPLAIN text and small result helpers.
 */
final class IvfFixtures {
  private IvfFixtures() {}

  /** The DuckDB expression of a clustered FLOAT[dim] vector of row {@code i} in cluster {@code c}. */
  static String clustered(String i, String c, int dim, int salt, double noise) {
    return "list_transform(range(" + dim + "), lambda j: (" + component(c, "j", salt) + " + "
        + noise + " * " + component(i, "j", salt + 1) + ")::FLOAT)::FLOAT[" + dim + "]";
  }

  /**
   * {@code rows} rows: {@code id} (0..rows-1 plus {@code idBase}), {@code cat} (id % 50),
   * {@code cluster} (0..clusters-1, a hash of the row), {@code tag} ('rare' for the 7 rows
   * i = 5 + 2900 m when 17,405 < rows <= 20,305, else 'common') and one clustered FLOAT[dim] column per name in {@code vectors}
   * (each with its own centres and noise; the cluster of a row is the same in all), SNAPPY, row groups of 10,000.
   */
  static Path writeClustered(Path file, int rows, int dim, int clusters, long idBase, int salt,
      String... vectors) throws SQLException {
    StringBuilder cols = new StringBuilder();
    for (int v = 0; v < vectors.length; v++) {
      cols.append(", ").append(clustered("i", "c", dim, salt + 10 * v, 0.25))
          .append(" AS ").append(vectors[v]);
    }
    duck("COPY (SELECT (i + " + idBase + ")::BIGINT AS id, (i % 50)::INTEGER AS cat,"
        + " c::INTEGER AS cluster,"
        + " CASE WHEN i % 2900 = 5 THEN 'rare' ELSE 'common' END AS tag" + cols
        + " FROM (SELECT i, hash(i * 31 + " + salt + ") % " + clusters + " AS c"
        + " FROM range(" + rows + ") t(i)))"
        + " TO " + lit(file) + " (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 10000)");
    return file;
  }

  static BuildReport index(Path file, String column, Metric metric) throws Exception {
    return IvfIndexBuilder.forFile(file).column(column).metric(metric).build();
  }

  /** The text of {@code EXPLAIN PLAN FOR sql}, with {@code params} bound to its markers. */
  static String explain(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("EXPLAIN PLAN FOR " + sql)) {
      for (int i = 0; i < params.length; i++) {
        s.setObject(i + 1, params[i]);
      }
      ResultSet rs = s.executeQuery();
      StringBuilder b = new StringBuilder();
      while (rs.next()) {
        b.append(rs.getString(1)).append('\n');
      }
      return b.toString();
    }
  }

  /** Rows of a query run as a PreparedStatement with the given parameters. */
  static List<List<Object>> query(Connection c, String sql, Object... params)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return Fixtures.rows(rs);
      }
    }
  }

  /** The search counters of the last vector query run on this thread. */
  static SearchStats stats() {
    return VectorSearch.lastStats();
  }

  /** Column 0 of every row as a long. */
  static List<Long> ids(List<List<Object>> rows) {
    List<Long> ids = new ArrayList<>();
    for (List<Object> r : rows) {
      ids.add(((Number) r.get(0)).longValue());
    }
    return ids;
  }

  /** |a ∩ b| / |b|. */
  static double recall(List<Long> found, List<Long> truth) {
    Set<Long> f = new HashSet<>(found);
    long hits = truth.stream().filter(f::contains).count();
    return truth.isEmpty() ? 1 : (double) hits / truth.size();
  }

  /** The vector of column {@code column} in the row with {@code id}, read by DuckDB. */
  static float[] vectorOf(Path file, String column, long id) throws SQLException {
    return vectorsOf(file, column, List.of(id)).get(0);
  }

  /** The vectors of column {@code column} in the rows with the given ids, in that order. */
  static List<float[]> vectorsOf(Path file, String column, List<Long> ids) throws SQLException {
    Map<Long, float[]> byId = new HashMap<>();
    String in = ids.stream().map(String::valueOf).collect(Collectors.joining(", "));
    try (Connection c = Fixtures.duckdb(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, " + column + " FROM read_parquet(" + lit(file)
            + ") WHERE id IN (" + in + ")")) {
      while (rs.next()) {
        Object[] values = (Object[]) rs.getArray(2).getArray();
        float[] v = new float[values.length];
        for (int i = 0; i < v.length; i++) {
          v[i] = ((Number) values[i]).floatValue();
        }
        byId.put(rs.getLong(1), v);
      }
    }
    List<float[]> out = new ArrayList<>();
    for (Long id : ids) {
      if (!byId.containsKey(id)) {
        throw new IllegalArgumentException("no row " + id + " in " + file);
      }
      out.add(byId.get(id));
    }
    return out;
  }

  /** Runs a prepared statement with {@code params} bound and returns its rows. */
  static List<List<Object>> run(PreparedStatement ps, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      ps.setObject(i + 1, params[i]);
    }
    try (ResultSet rs = ps.executeQuery()) {
      return Fixtures.rows(rs);
    }
  }

  /** {@code v} plus uniform noise of at most {@code scale} per component, rounded to 4 decimals. */
  static float[] nudge(float[] v, double scale, long seed) {
    Random r = new Random(seed);
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Math.round((v[i] + (r.nextDouble() * 2 - 1) * scale) * 10000) / 10000f;
    }
    return out;
  }
}
