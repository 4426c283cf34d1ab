package io.pqvector.cli;

import io.pqvector.parquet.decode.VectorBatch;
import io.pqvector.parquet.decode.VectorColumn;
import io.pqvector.vector.Metric;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@code bench} asks: the table, the query vectors, the SQL for each configuration, and how
 * an answer is scored against the exact one (recall@k, with each query's own row held out when
 * the queries are rows of the file).
 */
final class BenchWorkload {
  final Path file;
  final String table;
  final String column;
  /** The SQL distance function of the metric. */
  final String function;
  /** Ids to compare answers by; null compares distances. */
  final String idColumn;
  final int k;
  final float[][] queries;
  /** Where the queries come from, in words. */
  final String source;
  /** Queries are rows of the file: each one's own row is left out of its answers. */
  final boolean holdOut;

  BenchWorkload(Path file, String column, Metric metric, String idColumn, int k,
      float[][] queries, String source, boolean holdOut) {
    this.file = file;
    String name = file.getFileName().toString();
    this.table = name.substring(0, name.length() - ".parquet".length());
    this.column = column;
    this.function = metric == Metric.L2 ? "array_distance"
        : metric == Metric.COSINE ? "array_cosine_distance" : "array_negative_inner_product";
    this.idColumn = idColumn;
    this.k = k;
    this.queries = queries;
    this.source = source;
    this.holdOut = holdOut;
  }

  /** The benchmark query with {@code ?} for the vector; {@code nprobe} null means no hint. */
  String sql(Integer nprobe) {
    String hint = nprobe == null ? "" : "/*+ nprobe(" + nprobe + ") */ ";
    String dist = function + "(" + quote(column) + ", ?)";
    if (idColumn != null) {
      return "SELECT " + hint + quote(idColumn) + " FROM " + quote(table) + " ORDER BY " + dist
          + " LIMIT " + limit();
    }
    return "SELECT " + hint + dist + " AS dist FROM " + quote(table) + " ORDER BY dist LIMIT " + k;
  }

  /** The query with {@code q} as an ARRAY[...] literal and a column alias of the caller's. */
  String literalSql(float[] q, String alias) {
    return literalSql(q, alias, null);
  }

  /**
   * The benchmark query ({@link #sql}) with {@code q} as an ARRAY[...] literal instead of
   * {@code ?}, a column alias of the caller's, and {@code nprobe} as a hint unless null.
   */
  String literalSql(float[] q, String alias, Integer nprobe) {
    String hint = nprobe == null ? "" : "/*+ nprobe(" + nprobe + ") */ ";
    StringBuilder literal = new StringBuilder("ARRAY[");
    for (int i = 0; i < q.length; i++) {
      literal.append(i == 0 ? "" : ", ").append(decimal(q[i]));
    }
    literal.append(']');
    String select = idColumn != null ? quote(idColumn) : function + "(" + quote(column) + ", "
        + literal + ")";
    return "SELECT " + hint + select + " AS " + alias + " FROM " + quote(table) + " ORDER BY "
        + function + "(" + quote(column) + ", " + literal + ") LIMIT "
        + (idColumn != null ? limit() : k);
  }

  /** DuckDB's exact query over the same file. */
  String duckdbSql(float[] q, int dim) {
    StringBuilder v = new StringBuilder("[");
    for (int j = 0; j < q.length; j++) {
      v.append(j == 0 ? "" : ",").append(decimal(q[j]));
    }
    v.append("]::FLOAT[").append(dim).append(']');
    String f = file.toString().replace("'", "''");
    String dist = function + "(\"" + column.replace("\"", "\"\"") + "\"::FLOAT[" + dim + "], "
        + v + ")";
    return idColumn != null
        ? "SELECT \"" + idColumn + "\" FROM read_parquet('" + f + "') ORDER BY " + dist
            + " LIMIT " + limit()
        : "SELECT " + dist + " AS dist FROM read_parquet('" + f + "') ORDER BY dist LIMIT " + k;
  }

  /** k, or k + 1 when each query's own row is held out (and dropped from the answer). */
  int limit() {
    return holdOut ? k + 1 : k;
  }

  /** The answer without the query's own row, cut to k rows. */
  Object[] withoutSelf(Object[] answer, Object self) {
    List<Object> kept = new ArrayList<>(answer.length);
    boolean dropped = false;
    for (Object o : answer) {
      if (!dropped && self != null
          && String.valueOf(normalizeId(o)).equals(String.valueOf(normalizeId(self)))) {
        dropped = true;
        continue;
      }
      kept.add(o);
    }
    return kept.subList(0, Math.min(k, kept.size())).toArray();
  }

  /**
   * Share of the exact top-k found. With an id column, ids are compared; without one, a result
   * counts when its distance is within the k-th exact distance (ties count as found).
   */
  double recall(Object[] got, Object[] truth) {
    if (truth.length == 0) {
      return 1;
    }
    int hits = 0;
    if (idColumn != null) {
      Set<String> want = new HashSet<>();
      for (Object o : truth) {
        want.add(String.valueOf(normalizeId(o)));
      }
      for (Object o : got) {
        if (want.remove(String.valueOf(normalizeId(o)))) {
          hits++;
        }
      }
    } else {
      double kth = ((Number) truth[truth.length - 1]).doubleValue();
      double tolerance = Math.abs(kth) * 1e-5 + 1e-9;
      for (Object o : got) {
        if (o != null && ((Number) o).doubleValue() <= kth + tolerance) {
          hits++;
        }
      }
      hits = Math.min(hits, truth.length);
    }
    return (double) hits / truth.length;
  }

  private static Object normalizeId(Object o) {
    return o instanceof Number && !(o instanceof Float || o instanceof Double
        || o instanceof BigDecimal) ? ((Number) o).longValue() : o;
  }

  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static String decimal(float f) {
    return new BigDecimal(Float.toString(f)).toPlainString();
  }

  /** Adds Gaussian noise of {@code noise} times each vector's RMS component, in place. */
  static void addNoise(float[][] vectors, double noise, long seed) {
    Random r = new Random(seed);
    for (float[] q : vectors) {
      double rms = 0;
      for (float v : q) {
        rms += v * v;
      }
      rms = Math.sqrt(rms / q.length);
      for (int i = 0; i < q.length; i++) {
        q[i] += (float) (r.nextGaussian() * noise * rms);
      }
    }
  }

  /** {@code n} non-NULL vectors of {@code column} from distinct rows drawn with {@code seed}, in row order. */
  static float[][] pickVectors(Path file, String column, int n, long seed) throws Exception {
    try (VectorColumn vectors = VectorColumn.open(file, column)) {
      long rows = vectors.rowCount();
      if (rows == 0) {
        throw new UsageException(file + " has no rows");
      }
      int want = (int) Math.min(n, rows);
      Random random = new Random(seed);
      TreeMap<Long, float[]> chosen = new TreeMap<>();
      Set<Long> tried = new HashSet<>();
      // Draw candidate rows, read their row groups, keep non-NULL ones; redraw for NULLs.
      while (chosen.size() < want && tried.size() < rows) {
        TreeMap<Integer, List<Long>> byGroup = new TreeMap<>();
        int need = want - chosen.size();
        for (int i = 0; i < need && tried.size() < rows; ) {
          long r = Math.floorMod(random.nextLong(), rows);
          if (tried.add(r)) {
            byGroup.computeIfAbsent(vectors.rowGroupOf(r), g -> new ArrayList<>()).add(r);
            i++;
          }
        }
        for (Map.Entry<Integer, List<Long>> e : byGroup.entrySet()) {
          VectorBatch batch = vectors.readRowGroup(e.getKey());
          long first = vectors.rowGroupFirstRow(e.getKey());
          for (long r : e.getValue()) {
            int i = (int) (r - first);
            if (!batch.isNull(i) && batch.length(i) > 0) {
              chosen.put(r, Arrays.copyOfRange(batch.values(), batch.offset(i),
                  batch.offset(i) + batch.length(i)));
            }
          }
        }
      }
      if (chosen.isEmpty()) {
        throw new UsageException(file + ": column " + column + " has no vectors");
      }
      return chosen.values().toArray(new float[0][]);
    }
  }
}
