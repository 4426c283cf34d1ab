package io.pqvector.sqltests;

import static io.pqvector.sqltests.ServeRemoteTest.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults around a served directory, with the server and some clients in processes of their own:
 * SIGTERM during a query, the server killed and restarted under load, a client killed mid-query.
 */
class ServeFaultTest {
  static Path dir;
  static final String SLOW = "SELECT count(*) FROM v768 a CROSS JOIN v768 b"
      + " WHERE array_distance(a.embedding, b.embedding) < 0.0001";

  @BeforeAll static void data() throws Exception {
    dir = ServedData.shared();
  }

  @Test void sigtermCancelsTheRunningQueryAndStops() throws Exception {
    try (ServerProcess server = new ServerProcess(dir, "--port", "0")) {
      assertTrue(server.url.matches(
          "jdbc:avatica:remote:url=http://127\\.0\\.0\\.1:\\d+;serialization=protobuf"),
          server.url);
      AtomicBoolean answered = new AtomicBoolean();
      String[] error = new String[1];
      Thread client = new Thread(() -> error[0] = failure(() -> {
        try (Connection c = AvaticaClient.connect(server.url);
             ResultSet rs = c.createStatement().executeQuery(SLOW)) {
          rs.next();
          answered.set(true);
        }
      }));
      client.start();
      // Long enough for the client to connect and the query to run (it takes minutes).
      Thread.sleep(10_000);
      long start = System.nanoTime();
      server.process.destroy(); // SIGTERM
      assertTrue(server.process.waitFor(60, TimeUnit.SECONDS), "serve did not stop on SIGTERM");
      client.join(60_000);
      assertTrue(!answered.get(), "the query must not answer after SIGTERM");
      assertTrue(error[0] != null && (error[0].contains("cancelled") && error[0].contains("HY008")
          || error[0].contains("shutting down")), error[0]);
      System.out.printf("serve: SIGTERM to exit %.1f s; the client saw: %s%n",
          (System.nanoTime() - start) / 1e9, error[0].substring(0,
              Math.min(200, error[0].length())));
    }
  }

  @Test void serverKilledAndRestartedUnderLoad() throws Exception {
    int port = ServerProcess.freePort();
    String sql = "SELECT id FROM docs WHERE cat < 25 ORDER BY array_distance(embedding, ?)"
        + " LIMIT 10";
    List<float[]> queries = new ArrayList<>();
    List<List<String>> expected = new ArrayList<>();
    try (Connection local = DriverManager.getConnection("jdbc:pqvector:" + dir)) {
      for (int i = 0; i < 8; i++) {
        float[] q = ServedData.vector(local, "docs", 100 + i * 37);
        queries.add(q);
        expected.add(ServeRemoteTest.query(local, sql, q));
      }
    }
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicBoolean restarted = new AtomicBoolean();
    AtomicInteger wrong = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    Map<Integer, Integer> rightAfterRestart = new ConcurrentHashMap<>();
    ServerProcess[] server = {new ServerProcess(dir, "--port", Integer.toString(port))};
    String url = server[0].url;
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int id = t;
      Thread th = new Thread(() -> {
        Connection c = null;
        int i = 0;
        while (running.get()) {
          try {
            if (c == null) {
              c = AvaticaClient.connect(url);
            }
            int k = (i++ + id) % queries.size();
            List<String> got;
            try (PreparedStatement ps = c.prepareStatement(sql)) {
              ps.setArray(1, c.createArrayOf("REAL", ServedData.boxed(queries.get(k))));
              try (ResultSet rs = ps.executeQuery()) {
                got = ServedData.rows(rs);
              }
            }
            if (!got.equals(expected.get(k))) {
              wrong.incrementAndGet();
            } else if (restarted.get()) {
              rightAfterRestart.merge(id, 1, Integer::sum);
            }
          } catch (Exception e) {
            errors.incrementAndGet();
            try {
              if (c != null) {
                c.close();
              }
            } catch (Exception ignored) {
              // The server that knew this connection is gone.
            }
            c = null;
            try {
              Thread.sleep(200);
            } catch (InterruptedException ie) {
              return;
            }
          }
        }
      });
      th.start();
      clients.add(th);
    }
    try {
      Thread.sleep(6000);
      server[0].process.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
      Thread.sleep(2000);
      int errorsWhileDown = errors.get();
      server[0] = new ServerProcess(dir, "--port", Integer.toString(port));
      restarted.set(true);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (rightAfterRestart.size() < clients.size() && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      Thread.sleep(2000);
      running.set(false);
      for (Thread th : clients) {
        th.join(60_000);
      }
      assertEquals(0, wrong.get(), "wrong answers");
      assertTrue(errorsWhileDown > 0, "the clients saw the server die");
      assertEquals(clients.size(), rightAfterRestart.size(),
          "every client reconnected and got right answers: " + rightAfterRestart);
      System.out.printf("serve: killed and restarted under load: %d client errors, %s right"
          + " answers per client after the restart, 0 wrong%n", errors.get(),
          rightAfterRestart);
    } finally {
      running.set(false);
      server[0].close();
    }
  }

  /**
   * A client killed mid-query: the server sees its connection close and cancels the query at
   * once (the query would run for hours, the timeout is ten minutes), and goes on serving.
   */
  @Test void aClientKilledMidQueryHasItsQueryCancelled() throws Exception {
    String hours = SLOW.replace("CROSS JOIN v768 b", "CROSS JOIN v768 b CROSS JOIN v4096 x");
    try (ServerProcess server = new ServerProcess(dir, "--port", "0", "--query-timeout",
        "600")) {
      Process client = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
          AvaticaClient.classPath(Path.of("target", "test-classes").toAbsolutePath().toString()),
          RemoteQueryMain.class.getName(), server.url, hours).redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(),
          StandardCharsets.UTF_8));
      String line;
      do {
        line = out.readLine(); // slf4j-api alone prints a notice first
      } while (line != null && !line.equals("started"));
      assertEquals("started", line);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (ServerProcess.status(server.url).get("runningQueries") < 1
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(1L, ServerProcess.status(server.url).get("runningQueries"),
          "the client's query runs on the server");
      Thread.sleep(1000);
      assertEquals(1L, ServerProcess.status(server.url).get("runningQueries"));
      long kill = System.nanoTime();
      assertTrue(client.destroyForcibly().waitFor(30, TimeUnit.SECONDS));
      long killed = System.nanoTime();
      Map<String, Long> st = ServerProcess.status(server.url);
      double noticed = st.get("cancelledForDisconnect") > 0
          ? (System.nanoTime() - killed) / 1e9 : -1;
      while (st.get("runningQueries") > 0
          && System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(120)) {
        Thread.sleep(50);
        st = ServerProcess.status(server.url);
        if (noticed < 0 && st.get("cancelledForDisconnect") > 0) {
          noticed = (System.nanoTime() - killed) / 1e9;
        }
      }
      double seconds = (System.nanoTime() - killed) / 1e9;
      assertEquals(0L, st.get("runningQueries"), "the query of the killed client still runs");
      assertEquals(1L, st.get("cancelledForDisconnect"), st.toString());
      // Noticed within a fraction of a second on a quiet machine; generous for a loaded one.
      assertTrue(noticed >= 0 && noticed < 15, "cancelled " + noticed + " s after its death");
      assertTrue(seconds < 90, "stopped " + seconds + " s after the client died");
      // The query stops at its next check of the flag, which a cross join makes only per row
      // of its outer side: seconds here.
      System.out.printf("serve: a killed client (dead %.2f s after SIGKILL) had its query"
          + " cancelled %.2f s after its death; it stopped %.2f s after it%n",
          (killed - kill) / 1e9, noticed, seconds);
      try (Connection c = AvaticaClient.connect(server.url);
           Connection local = DriverManager.getConnection("jdbc:pqvector:" + dir)) {
        String sql = "SELECT id FROM v768 ORDER BY array_distance(embedding, ?) LIMIT 5";
        float[] q = ServedData.vector(local, "v768", 77);
        assertEquals(ServeRemoteTest.query(local, sql, q), ServeRemoteTest.query(c, sql, q));
      }
      assertTrue(server.process.isAlive());
      assertEquals(0L, ServerProcess.status(server.url).get("runningQueries"));
    }
  }
}
