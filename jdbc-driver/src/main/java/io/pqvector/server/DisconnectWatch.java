package io.pqvector.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.EndPoint;

/**
 * Cancels the query of a client that went away. Jetty does not read a connection while its
 * request is being handled, so a client killed mid-query goes unnoticed until the answer is
 * written, after the query has run to its end or its timeout. Avatica's client sends nothing
 * while it waits for an answer (one request at a time, no pipelining), so while a request runs
 * this looks at its socket a few times a second with a non-blocking read: end of stream (or an
 * error) means the client is gone and the statement it runs is cancelled. Bytes where none may
 * come (a pipelined request, a TLS close alert) also end it: they have been consumed, so the
 * connection is closed rather than left to parse a stream with a hole in it.
 */
final class DisconnectWatch implements AutoCloseable {
  private static final ThreadLocal<Watched> CURRENT = new ThreadLocal<>();
  /** {@code -Dpqvector.serve.debug=true} reports each client that went away on stderr. */
  private static final boolean DEBUG = Boolean.getBoolean("pqvector.serve.debug");

  private final Set<Watched> watched = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;
  private final AtomicLong cancelled = new AtomicLong();

  /** One request being handled, on the thread that handles it. */
  static final class Watched {
    private final DisconnectWatch owner;
    private final EndPoint endPoint;
    private final SocketChannel channel;
    private Statement statement;
    private boolean gone;
    private boolean done;

    Watched(DisconnectWatch owner, EndPoint endPoint, SocketChannel channel) {
      this.owner = owner;
      this.endPoint = endPoint;
      this.channel = channel;
    }
  }

  DisconnectWatch(long periodMillis) {
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "pqvector-serve-disconnects");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::poll, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
  }

  /** Starts watching the request handled on this thread (after its body has been read). */
  Watched begin(EndPoint endPoint) {
    SocketChannel channel = socket(endPoint);
    if (channel == null) {
      return null;
    }
    Watched w = new Watched(this, endPoint, channel);
    watched.add(w);
    CURRENT.set(w);
    return w;
  }

  /** Stops watching; no read of the socket happens after this returns. */
  void end(Watched w) {
    if (w == null) {
      return;
    }
    synchronized (w) {
      w.done = true;
    }
    watched.remove(w);
    CURRENT.remove();
  }

  /** The statement the current request runs; cancelled at once if its client is already gone. */
  static void attach(Statement s) {
    Watched w = CURRENT.get();
    if (w != null) {
      synchronized (w) {
        w.statement = s;
        if (w.gone) {
          cancel(s);
          w.owner.cancelled.incrementAndGet();
        }
      }
    }
  }

  static void detach(Statement s) {
    Watched w = CURRENT.get();
    if (w != null) {
      synchronized (w) {
        if (w.statement == s) {
          w.statement = null;
        }
      }
    }
  }

  /** Queries cancelled because their client went away, since the server started. */
  long cancelled() {
    return cancelled.get();
  }

  private void poll() {
    for (Watched w : watched) {
      synchronized (w) {
        if (w.done || w.gone) {
          continue;
        }
        int read = probe(w.channel);
        if (read == 0) {
          continue;
        }
        w.gone = true;
        if (DEBUG) {
          System.err.println("pqvector serve: " + System.currentTimeMillis() + " client "
              + w.endPoint.getRemoteAddress() + " went away (read " + read + ")");
        }
        if (w.statement != null) {
          cancel(w.statement);
          cancelled.incrementAndGet();
        }
        if (read > 0) {
          w.endPoint.close();
        }
      }
    }
  }

  /** 0: nothing to read (the client waits); -1: gone; 1: a byte arrived that no client sends. */
  private static int probe(SocketChannel channel) {
    if (!channel.isOpen()) {
      return -1;
    }
    try {
      int n = channel.read(ByteBuffer.allocate(1));
      return n < 0 ? -1 : n;
    } catch (IOException e) {
      return -1;
    }
  }

  private static void cancel(Statement s) {
    ServerMeta.cancel(s);
  }

  /** The TCP socket under an endpoint (under TLS too), if it is non-blocking as Jetty's are. */
  private static SocketChannel socket(EndPoint endPoint) {
    Object t = endPoint;
    for (int depth = 0; depth < 4 && t instanceof EndPoint e; depth++) {
      t = e.getTransport();
    }
    return t instanceof SocketChannel c && !c.isBlocking() ? c : null;
  }

  @Override public void close() {
    timer.shutdownNow();
  }
}
