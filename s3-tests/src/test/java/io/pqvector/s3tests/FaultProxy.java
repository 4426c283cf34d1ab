package io.pqvector.s3tests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of the S3 (or HTTP) server that can answer requests itself with 503
 * SlowDown, as a throttling store does, add latency, hold a ranged GET, cut its body short or
 * reset the connection in the middle of it. One request per connection (it forwards with {@code Connection: close},
 * a header requests are not signed over), so it needs no parsing of responses.
 */
final class FaultProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int upstreamPort;
  /** Requests still to be refused with 503. */
  final AtomicInteger refuseNext = new AtomicInteger();
  final AtomicInteger refused = new AtomicInteger();
  final URI endpoint;

  // Faults of ranged GETs (requests with a Range header), for reads rather than listings.
  /** Added before every request is forwarded: a store far away. */
  volatile int latencyMillis;
  /** Ranged GETs still to be held this long before forwarding (a stuck store), unless the client gives up. */
  final AtomicInteger holdNext = new AtomicInteger();
  volatile int holdMillis = 30_000;
  /** Held requests whose client closed the connection while waiting. */
  final AtomicInteger abandoned = new AtomicInteger();
  /** Ranged GETs still to be answered with half their body and then a closed connection. */
  final AtomicInteger truncateNext = new AtomicInteger();
  final AtomicInteger truncated = new AtomicInteger();
  /** Ranged GETs still to be answered with part of their body and then a reset (RST). */
  final AtomicInteger resetNext = new AtomicInteger();
  final AtomicInteger resets = new AtomicInteger();
  /** Start and end (nanoTime) of every forwarded request, to count sequential round trips. */
  final java.util.List<long[]> timings = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
  /** The forwarded requests, as "start-end ms, request line, range". */
  final java.util.List<String> log = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
  private final long born = System.nanoTime();

  FaultProxy(URI upstream) throws IOException {
    this.upstreamPort = upstream.getPort();
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.endpoint = URI.create("http://127.0.0.1:" + server.getLocalPort());
    Thread acceptor = new Thread(this::accept, "fault-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Thread t = new Thread(() -> serve(client), "fault-proxy-connection");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      String head = readHead(in);
      if (head == null) {
        return;
      }
      long length = 0;
      StringBuilder forwarded = new StringBuilder();
      for (String line : head.split("\r\n")) {
        String lower = line.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        }
        if (!lower.startsWith("connection:") && !lower.startsWith("expect:")) {
          forwarded.append(line).append("\r\n");
        }
      }
      forwarded.append("Connection: close\r\n\r\n");
      if (injected(head, forwarded.toString(), length, client)) {
        return;
      }
      byte[] body = in.readNBytes((int) length);
      long started = System.nanoTime();
      OutputStream toClient = client.getOutputStream();
      boolean ranged = head.toLowerCase(java.util.Locale.ROOT).contains("\r\nrange:");
      if (ranged && take(holdNext) && held(client)) {
        return;
      }
      if (latencyMillis > 0) {
        Thread.sleep(latencyMillis);
      }
      if (refuseNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        refused.incrementAndGet();
        byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
            + "<Message>Please reduce your request rate.</Message></Error>").getBytes(StandardCharsets.UTF_8);
        toClient.write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: "
            + xml.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        toClient.write(xml);
        toClient.flush();
        return;
      }
      try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
        OutputStream toUpstream = upstream.getOutputStream();
        toUpstream.write(forwarded.toString().getBytes(StandardCharsets.ISO_8859_1));
        toUpstream.write(body);
        toUpstream.flush();
        InputStream fromUpstream = upstream.getInputStream();
        boolean truncate = ranged && take(truncateNext);
        boolean reset = !truncate && ranged && take(resetNext);
        if (truncate || reset) {
          String responseHead = readHead(fromUpstream);
          long bodyLength = 0;
          for (String line : responseHead.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
              bodyLength = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
          toClient.write((responseHead + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          toClient.write(fromUpstream.readNBytes((int) (bodyLength / 2)));
          toClient.flush();
          if (reset) {
            resets.incrementAndGet();
            client.setSoLinger(true, 0); // close sends RST
          } else {
            truncated.incrementAndGet();
          }
          return;
        }
        fromUpstream.transferTo(toClient);
        toClient.flush();
        timings.add(new long[] {started, System.nanoTime()});
        String range = head.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("range:"))
            .findFirst().orElse("");
        log.add(String.format(java.util.Locale.ROOT, "%d-%d ms %s %s", (started - born) / 1_000_000,
            (System.nanoTime() - born) / 1_000_000, head.lines().findFirst().orElse("").replaceAll(" HTTP/1.1$", "")
            .replaceAll("\\?.*", ""), range));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client went away; nothing to clean up beyond the sockets
    }
  }

  private static boolean take(AtomicInteger counter) {
    return counter.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
  }

  /** Holds the request for {@link #holdMillis}; true if the client closed the connection meanwhile. */
  private boolean held(Socket client) throws IOException {
    client.setSoTimeout(20);
    long until = System.nanoTime() + holdMillis * 1_000_000L;
    while (System.nanoTime() < until) {
      try {
        if (client.getInputStream().read() < 0) {
          abandoned.incrementAndGet();
          return true;
        }
      } catch (java.net.SocketTimeoutException e) {
        // still waiting
      } catch (IOException e) {
        abandoned.incrementAndGet();
        return true;
      }
    }
    client.setSoTimeout(0);
    return false;
  }

  /**
   * The longest chain of forwarded requests each of which started after the one before it
   * ended: the round trips a client waited for one after another.
   */
  int sequentialRoundTrips() {
    java.util.List<long[]> all;
    synchronized (timings) {
      all = new java.util.ArrayList<>(timings);
    }
    all.sort((a, b) -> Long.compare(a[1], b[1]));
    int[] chain = new int[all.size()];
    int best = 0;
    for (int i = 0; i < all.size(); i++) {
      chain[i] = 1;
      for (int j = 0; j < i; j++) {
        if (all.get(j)[1] <= all.get(i)[0]) {
          chain[i] = Math.max(chain[i], chain[j] + 1);
        }
      }
      best = Math.max(best, chain[i]);
    }
    return best;
  }

  /** The most forwarded requests that were in flight at one moment. */
  int maxConcurrent() {
    java.util.List<long[]> all;
    synchronized (timings) {
      all = new java.util.ArrayList<>(timings);
    }
    int best = 0;
    for (long[] t : all) {
      int at = 0;
      for (long[] u : all) {
        if (u[0] <= t[0] && t[0] < u[1]) {
          at++;
        }
      }
      best = Math.max(best, at);
    }
    return best;
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
          ? matched + 1 : (b == '\r' ? 1 : 0);
      if (matched == 4) {
        String s = head.toString(StandardCharsets.ISO_8859_1);
        return s.substring(0, s.length() - 4);
      }
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  // Faults aimed at one kind of request (a writer's multipart upload), by its request line and headers.

  /** Requests whose head matches are answered 503 SlowDown, every time (retries included). */
  volatile java.util.function.Predicate<String> refuseMatching = head -> false;
  private volatile java.util.function.Predicate<String> triggerMatching = head -> false;
  private volatile Runnable trigger;

  /** Runs {@code action} once, before forwarding the first request whose head matches. */
  void beforeFirst(java.util.function.Predicate<String> matching, Runnable action) {
    trigger = action;
    triggerMatching = matching;
  }

  /** Requests whose head matches are forwarded, their answers then lost (connection reset), while responsesToLose lasts. */
  volatile java.util.function.Predicate<String> loseResponseMatching = head -> false;
  final AtomicInteger responsesToLose = new AtomicInteger();
  final AtomicInteger lostResponses = new AtomicInteger();

  /** Requests whose head matches have their connection reset without an answer, while matchingResetsLeft lasts. */
  volatile java.util.function.Predicate<String> resetMatching = head -> false;
  final AtomicInteger matchingResetsLeft = new AtomicInteger();
  final AtomicInteger matchingResets = new AtomicInteger();

  /**
   * Answers {@code Expect: 100-continue} (uploads ask it; the header is not signed and not
   * forwarded: the body is read before anything is forwarded, and without an answer the client
   * waits seconds before sending it), then applies the faults aimed at matching requests. True
   * when the request was answered (or cut off) here, its body read.
   */
  private boolean injected(String head, String forwarded, long length, Socket client) throws IOException {
    OutputStream toClient = client.getOutputStream();
    if (head.toLowerCase(java.util.Locale.ROOT).contains("\r\nexpect: 100-continue")) {
      toClient.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      toClient.flush();
    }
    Runnable action = trigger;
    if (action != null && triggerMatching.test(head)) {
      synchronized (this) {
        if (trigger == action) {
          trigger = null;
          action.run();
        }
      }
    }
    if (loseResponseMatching.test(head) && responsesToLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      byte[] body = client.getInputStream().readNBytes((int) length);
      try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
        upstream.getOutputStream().write(forwarded.getBytes(StandardCharsets.ISO_8859_1));
        upstream.getOutputStream().write(body);
        upstream.getOutputStream().flush();
        upstream.getInputStream().readAllBytes(); // done upstream; the answer never reaches the client
      }
      lostResponses.incrementAndGet();
      client.setSoLinger(true, 0);
      client.close();
      return true;
    }
    boolean reset = resetMatching.test(head) && matchingResetsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    if (!reset && !refuseMatching.test(head)) {
      return false;
    }
    client.getInputStream().readNBytes((int) length);
    if (reset) {
      matchingResets.incrementAndGet();
      client.setSoLinger(true, 0); // close with RST: "connection reset" on the client
      client.close();
      return true;
    }
    refused.incrementAndGet();
    byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
        + "<Message>Please reduce your request rate.</Message></Error>").getBytes(StandardCharsets.UTF_8);
    toClient.write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: "
        + xml.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    toClient.write(xml);
    toClient.flush();
    return true;
  }
}
