package io.pqvector.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * How to abort the request an {@link ObjectStore} is making on the calling thread. The file system
 * runs each read under one; a store registers what stops its request (closing the connection,
 * cancelling the exchange) with {@link #onAbort}, and checks {@link #aborted()} before a retry.
 */
public final class RequestAbort {
  private static final ThreadLocal<RequestAbort> CURRENT = new ThreadLocal<>();

  private final List<Runnable> actions = new ArrayList<>();
  private boolean aborted;

  RequestAbort() {}

  /** Runs {@code read} on this thread with this as the current abort. */
  <T extends Exception> void run(ThrowingRunnable<T> read) throws T {
    RequestAbort previous = CURRENT.get();
    CURRENT.set(this);
    try {
      read.run();
    } finally {
      CURRENT.set(previous);
      synchronized (this) {
        actions.clear();
      }
    }
  }

  interface ThrowingRunnable<T extends Exception> {
    void run() throws T;
  }

  /**
   * Registers how to stop the calling thread's request in progress; runs it at once if the read
   * was aborted already. A no-op outside a file system's read.
   */
  public static void onAbort(Runnable action) {
    RequestAbort a = CURRENT.get();
    if (a == null) {
      return;
    }
    boolean now;
    synchronized (a) {
      now = a.aborted;
      if (!now) {
        a.actions.add(action);
      }
    }
    if (now) {
      action.run();
    }
  }

  /** Whether the calling thread's read was aborted (a store does not retry then). */
  public static boolean aborted() {
    RequestAbort a = CURRENT.get();
    if (a == null) {
      return false;
    }
    synchronized (a) {
      return a.aborted;
    }
  }

  synchronized boolean isAborted() {
    return aborted;
  }

  void abort() {
    List<Runnable> run;
    synchronized (this) {
      if (aborted) {
        return;
      }
      aborted = true;
      run = new ArrayList<>(actions);
    }
    for (Runnable r : run) {
      try {
        r.run();
      } catch (RuntimeException e) {
        // best effort: the request fails or times out by itself
      }
    }
  }
}
