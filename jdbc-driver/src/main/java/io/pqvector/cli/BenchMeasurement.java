package io.pqvector.cli;

import io.pqvector.calcite.search.SearchStats;
import io.pqvector.calcite.search.VectorSearch;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Runs {@code bench}'s queries and times them: the exact plan (which gives the ground truth),
 * each nprobe, the driver's default, the planning share of a literal query, and DuckDB.
 */
final class BenchMeasurement {
  private final BenchWorkload workload;
  private final ProgressBar bar;
  private final PrintStream err;
  /** Time the configurations as literal-vector SQL text through a Statement. */
  private final boolean literal;

  BenchMeasurement(BenchWorkload workload, ProgressBar bar, PrintStream err, boolean literal) {
    this.workload = workload;
    this.bar = bar;
    this.err = err;
    this.literal = literal;
  }

  /**
   * The configurations measured over one set of queries: the exact plan's row, one row per
   * nprobe and the default's last; each query's exact answer; each query's own row when held out.
   */
  record Results(BenchReport.Row exact, List<BenchReport.Row> rows, Object[][] truth,
      Object[] selfIds) {}

  /**
   * One statement per configuration: the exact plan on {@code exactConn}, each nprobe as a hint
   * and the driver's default on {@code conn}. After the warm-up ({@code warmup} queries each, -1
   * for all of them and 3 for the exact plan), the timed pass is interleaved (query by query,
   * every configuration in rotating order), so a change in machine load during the run affects
   * all configurations alike and the ratios hold.
   */
  Results configurations(Connection exactConn, Connection conn, List<Integer> nprobes,
      int defaultNprobe, int warmup) throws Exception {
    float[][] qs = workload.queries;
    List<Integer> configs = new ArrayList<>();
    configs.add(null);
    configs.addAll(nprobes);
    configs.add(null);
    int n = configs.size();
    Statement[] statements = new Statement[n];
    try {
      for (int c = 0; c < n; c++) {
        Connection on = c == 0 ? exactConn : conn;
        statements[c] = literal ? on.createStatement()
            : on.prepareStatement(workload.sql(c == 0 ? null : configs.get(c)));
      }
      for (int c = 0; c < n; c++) {
        int warm = Math.min(qs.length, warmup >= 0 ? warmup : c == 0 ? 3 : qs.length);
        for (int i = 0; i < warm; i++) {
          progress(c == 0 ? "warm exact" : c == n - 1 ? "warm dflt" : "warm np=" + configs.get(c),
              i, warm);
          runQuery(statements[c], qs[i], configs.get(c));
        }
      }
      double[][] ms = new double[n][qs.length];
      Object[][][] got = new Object[n][qs.length][];
      double[] scored = new double[n];
      double[] probed = new double[n];
      for (int i = 0; i < qs.length; i++) {
        progress("timed", i, qs.length);
        for (int j = 0; j < n; j++) {
          int c = (i + j) % n;
          long t0 = System.nanoTime();
          got[c][i] = runQuery(statements[c], qs[i], configs.get(c));
          ms[c][i] = (System.nanoTime() - t0) / 1e6;
          scored[c] += stat(SearchStats::rowsScored);
          probed[c] += stat(SearchStats::listsProbed);
        }
      }
      Object[] selfIds = null;
      if (workload.holdOut) {
        // The exact top-(k+1) starts with the query's own row (distance 0): leave it out of
        // every configuration's answer and of the ground truth.
        selfIds = new Object[qs.length];
        for (int i = 0; i < qs.length; i++) {
          selfIds[i] = got[0][i].length > 0 ? got[0][i][0] : null;
          for (int c = 0; c < n; c++) {
            got[c][i] = workload.withoutSelf(got[c][i], selfIds[i]);
          }
        }
      }
      Object[][] truth = got[0];
      double exactMedian = percentile(ms[0], 50);
      BenchReport.Row exact = new BenchReport.Row("exact", null, 1, exactMedian,
          percentile(ms[0], 95), 1, scored[0] / qs.length, 0);
      List<BenchReport.Row> rows = new ArrayList<>();
      for (int c = 1; c < n; c++) {
        Integer nprobe = configs.get(c);
        double recall = 0;
        for (int i = 0; i < qs.length; i++) {
          recall += workload.recall(got[c][i], truth[i]);
        }
        double median = percentile(ms[c], 50);
        rows.add(new BenchReport.Row(nprobe == null ? "default(" + defaultNprobe + ")"
            : "nprobe=" + nprobe, nprobe, recall / qs.length, median, percentile(ms[c], 95),
            exactMedian / median, scored[c] / qs.length, probed[c] / qs.length));
      }
      return new Results(exact, rows, truth, selfIds);
    } finally {
      for (Statement st : statements) {
        if (st != null) {
          st.close();
        }
      }
    }
  }

  /** One query: {@code q} bound to the prepared statement's ?, or as a literal in the SQL text. */
  private Object[] runQuery(Statement st, float[] q, Integer nprobe) throws Exception {
    ResultSet answer;
    if (st instanceof PreparedStatement ps) {
      ps.setObject(1, q);
      answer = ps.executeQuery();
    } else {
      answer = st.executeQuery(workload.literalSql(q, "hit", nprobe));
    }
    List<Object> ids = new ArrayList<>();
    try (ResultSet rs = answer) {
      while (rs.next()) {
        ids.add(rs.getObject(1));
      }
    }
    return ids.toArray();
  }

  private static long stat(ToLongFunction<SearchStats> f) {
    SearchStats s = VectorSearch.lastStats();
    return s == null ? 0 : f.applyAsLong(s);
  }

  /**
   * Share of a literal-vector query's time that is planning: prepare vs execute of the query
   * text with the vector as an ARRAY[...] literal. "First time" uses a query text the
   * connection has not planned before (a fresh column alias); "repeated" reuses one text with
   * other vectors, which the driver's plan cache answers without planning again.
   */
  BenchReport.Planning planning(Connection conn) throws Exception {
    float[][] qs = workload.queries;
    int samples = Math.min(qs.length, 5);
    int repeats = Math.min(qs.length, 10);
    double[] firstPrep = new double[samples];
    double[] firstExec = new double[samples];
    String nonce = Long.toString(System.nanoTime() % 1_000_000, 36);
    for (int i = 0; i < samples; i++) {
      progress("planning", i, samples + repeats);
      double[] t = literalQuery(conn, qs[i], "r_" + nonce + "_" + i);
      firstPrep[i] = t[0];
      firstExec[i] = t[1];
    }
    double[] prep = new double[repeats];
    double[] exec = new double[repeats];
    literalQuery(conn, qs[0], "r_" + nonce + "_rep");
    for (int i = 0; i < repeats; i++) {
      progress("planning", samples + i, samples + repeats);
      double[] t = literalQuery(conn, qs[i], "r_" + nonce + "_rep");
      prep[i] = t[0];
      exec[i] = t[1];
    }
    double fp = percentile(firstPrep, 50);
    double fe = percentile(firstExec, 50);
    double rp = percentile(prep, 50);
    double re = percentile(exec, 50);
    return new BenchReport.Planning(fp, fe, 100 * fp / (fp + fe), rp, re, 100 * rp / (rp + re),
        samples, repeats);
  }

  /** Milliseconds to prepare and to execute the literal query for {@code q}. */
  private double[] literalQuery(Connection conn, float[] q, String alias) throws Exception {
    String sql = workload.literalSql(q, alias);
    long t0 = System.nanoTime();
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      long t1 = System.nanoTime();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rs.getObject(1);
        }
      }
      long t2 = System.nanoTime();
      return new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6};
    }
  }

  /** DuckDB's exact query on the same file, timed the same way (warm-up, then all queries). */
  BenchReport.Row duckdb(int dim, Results measured) throws Exception {
    float[][] qs = workload.queries;
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      double[] ms = new double[qs.length];
      double recall = 0;
      int warm = Math.min(qs.length, 3);
      for (int pass = 0; pass < 2; pass++) {
        int n = pass == 0 ? warm : qs.length;
        for (int i = 0; i < n; i++) {
          progress(pass == 0 ? "duckdb w" : "duckdb", i, n);
          String sql = workload.duckdbSql(qs[i], dim);
          long t0 = System.nanoTime();
          List<Object> got = new ArrayList<>();
          try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
              got.add(rs.getObject(1));
            }
          }
          if (pass == 1) {
            ms[i] = (System.nanoTime() - t0) / 1e6;
            Object[] answer = got.toArray();
            recall += workload.recall(workload.holdOut
                ? workload.withoutSelf(answer, measured.selfIds()[i]) : answer,
                measured.truth()[i]);
          }
        }
      }
      double median = percentile(ms, 50);
      return new BenchReport.Row("duckdb exact", null, recall / qs.length, median,
          percentile(ms, 95), measured.exact().medianMs() / median, 0, 0);
    }
  }

  void progress(String phase, long done, long total) {
    if (bar != null) {
      bar.update(phase, done, total);
    }
  }

  void clearProgress() {
    if (bar != null) {
      err.print("\r" + " ".repeat(70) + "\r");
      err.flush();
    }
  }

  /** The median (mean of the middle two for an even count) or the nearest-rank percentile. */
  static double percentile(double[] values, double p) {
    double[] s = values.clone();
    Arrays.sort(s);
    if (s.length == 0) {
      return Double.NaN;
    }
    if (p == 50) {
      int m = s.length / 2;
      return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }
    int idx = (int) Math.ceil(p / 100.0 * s.length) - 1;
    return s[Math.max(0, Math.min(s.length - 1, idx))];
  }
}
