package io.pqvector.sqltests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.server.PqVectorServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * 32 concurrent remote clients (Avatica's client jar, protobuf) against one server, mixed exact,
 * indexed and filtered vector queries, every answer checked against the embedded driver's; then
 * the same load on the embedded driver. Prints throughput and p50/p99 of both. Each phase runs
 * {@code -Dpqvector.serve.loadSeconds} seconds (60 by default). One kind of client writes its
 * vector into the SQL text, so every query is new text: they share one plan on the server.
 */
class ServeLoadBenchmarkTest {
  static final int CLIENTS = 32;
  static final String[] KINDS = {"exact", "indexed", "filtered", "literal"};
  static final String[] SQL = {
      "SELECT id FROM docs ORDER BY array_distance(embedding, ?) LIMIT 10",
      "SELECT id FROM docs ORDER BY array_distance(embedding, ?) LIMIT 10",
      "SELECT id FROM docs WHERE cat IN (1, 2, 3, 4, 5) ORDER BY array_distance(embedding, ?)"
          + " LIMIT 10",
      // A new SQL text each time (the vector written in it), as tools send: one shared plan.
      "SELECT id FROM docs WHERE cat < 40 ORDER BY array_distance(embedding, %s) LIMIT 10"};
  static final int LITERAL = 3;

  /** The query of {@code kind} for vector {@code q}: a prepared statement's, or literal SQL. */
  static List<String> answer(Connection c, PreparedStatement ps, int kind, float[] q)
      throws SQLException {
    if (kind == LITERAL) {
      try (java.sql.Statement s = c.createStatement();
           ResultSet rs = s.executeQuery(String.format(SQL[kind], Fixtures.pqArray(q)))) {
        return ServedData.rows(rs);
      }
    }
    ps.setArray(1, c.createArrayOf("REAL", ServedData.boxed(q)));
    try (ResultSet rs = ps.executeQuery()) {
      return ServedData.rows(rs);
    }
  }

  interface Connector {
    Connection open(int kind) throws Exception;
  }

  /** Latencies (ns) and counts of one phase. */
  record Phase(String name, long[] latencies, int wrong, int errors, int[] perKind,
      double seconds) {
    String summary() {
      long[] l = latencies.clone();
      Arrays.sort(l);
      return String.format("%-8s %7d queries in %.1f s = %7.1f q/s, p50 %6.2f ms, p99 %7.2f ms"
          + " (exact/indexed/filtered/literal %s), %d wrong, %d errors", name, l.length, seconds,
          l.length / seconds, pct(l, 0.50) / 1e6, pct(l, 0.99) / 1e6, Arrays.toString(perKind),
          wrong, errors);
    }

    static long pct(long[] sorted, double p) {
      return sorted.length == 0 ? 0
          : sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }
  }

  @Test void thirtyTwoRemoteClientsAgainstTheEmbeddedDriver() throws Exception {
    int seconds = Integer.getInteger("pqvector.serve.loadSeconds", 60);
    Path dir = ServedData.shared();
    List<float[]> queries = new ArrayList<>();
    List<List<List<String>>> expected = new ArrayList<>();
    for (int kind = 0; kind < KINDS.length; kind++) {
      expected.add(new ArrayList<>());
    }
    try (Connection local = DriverManager.getConnection("jdbc:pqvector:" + dir);
         Connection localExact = DriverManager.getConnection("jdbc:pqvector:" + dir
             + ";useIndex=false")) {
      for (int i = 0; i < 32; i++) {
        float[] q = ServedData.vector(local, "docs", 311L * i + 5);
        q[i % q.length] += 0.05f;
        queries.add(q);
        for (int kind = 0; kind < KINDS.length; kind++) {
          Connection c = kind == 0 ? localExact : local;
          try (PreparedStatement ps = kind == LITERAL ? null : c.prepareStatement(SQL[kind])) {
            expected.get(kind).add(answer(c, ps, kind, q));
          }
        }
      }
    }
    PqVectorServer.Options o = new PqVectorServer.Options();
    o.root = dir.toString();
    o.port = 0;
    o.properties.put("cacheSize", "256m");
    Phase remote;
    long plansBefore;
    long plansAfter;
    try (PqVectorServer server = PqVectorServer.start(o)) {
      plansBefore = ServerProcess.status(server.url()).get("plansBuilt");
      remote = run("remote", seconds, queries, expected, kind -> kind == 0
          ? AvaticaClient.connect(server.url(), "useIndex", "false")
          : AvaticaClient.connect(server.url()));
      plansAfter = ServerProcess.status(server.url()).get("plansBuilt");
    }
    Phase embedded = run("embedded", seconds, queries, expected,
        kind -> DriverManager.getConnection("jdbc:pqvector:" + dir
            + (kind == 0 ? ";useIndex=false" : "") + ";cacheSize=256m"));
    System.out.println("serve load, " + CLIENTS + " clients, " + Runtime.getRuntime()
        .availableProcessors() + " cores:");
    System.out.println("  " + remote.summary());
    System.out.println("  " + embedded.summary());
    System.out.println("  remote: " + (plansAfter - plansBefore) + " plan(s) made for "
        + CLIENTS + " clients (" + remote.perKind()[LITERAL] + " literal-vector queries of "
        + CLIENTS / KINDS.length + " of them)");
    // The clients of each kind share one plan, the prepared kinds' statements as the literal
    // queries (the server's settings differ from the embedded connections' above, so they are
    // made during the run): one per kind, where per-connection plans would be 32.
    assertTrue(plansAfter - plansBefore <= KINDS.length, (plansAfter - plansBefore) + " plans");
    for (Phase p : List.of(remote, embedded)) {
      assertEquals(0, p.wrong(), p.name() + ": wrong answers");
      assertEquals(0, p.errors(), p.name() + ": errors");
      for (int n : p.perKind()) {
        assertTrue(n > 0, p.summary());
      }
    }
  }

  static Phase run(String name, int seconds, List<float[]> queries,
      List<List<List<String>>> expected, Connector connector) throws Exception {
    AtomicInteger wrong = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    List<long[]> perThread = new ArrayList<>();
    int[] perKind = new int[KINDS.length];
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < CLIENTS; t++) {
      int id = t;
      int kind = t % KINDS.length;
      long[][] mine = {new long[1024]};
      int[] count = {0};
      Thread th = new Thread(() -> {
        try (Connection c = connector.open(kind);
             PreparedStatement ps = kind == LITERAL ? null : c.prepareStatement(SQL[kind])) {
          for (int i = id; System.nanoTime() < end; i++) {
            int k = i % queries.size();
            long t0 = System.nanoTime();
            List<String> got;
            try {
              got = answer(c, ps, kind, queries.get(k));
            } catch (SQLException e) {
              errors.incrementAndGet();
              continue;
            }
            long took = System.nanoTime() - t0;
            if (!got.equals(expected.get(kind).get(k))) {
              wrong.incrementAndGet();
            }
            if (count[0] == mine[0].length) {
              mine[0] = Arrays.copyOf(mine[0], count[0] * 2);
            }
            mine[0][count[0]++] = took;
          }
        } catch (Exception e) {
          errors.incrementAndGet();
          e.printStackTrace();
        }
        synchronized (perThread) {
          perThread.add(Arrays.copyOf(mine[0], count[0]));
          perKind[kind] += count[0];
        }
      }, name + "-client-" + t);
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    double took = (System.nanoTime() - start) / 1e9;
    long[] all = perThread.stream().flatMapToLong(Arrays::stream).toArray();
    return new Phase(name, all, wrong.get(), errors.get(), perKind, took);
  }
}
