package io.pqvector.server;

import io.pqvector.jdbc.PqVectorDriver;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.AvaticaStatement;
import org.apache.calcite.avatica.MissingResultsException;
import org.apache.calcite.avatica.NoSuchStatementException;
import org.apache.calcite.avatica.jdbc.JdbcMeta;
import org.apache.calcite.avatica.jdbc.StatementAccess;
import org.apache.calcite.avatica.jdbc.StatementInfo;
import org.apache.calcite.avatica.remote.TypedValue;

/**
 * Avatica's JDBC-backed server side over pqvector connections, with the server's rules: which
 * connection properties a remote client may set, per-connection limits, and cancelling every
 * running query when the server stops.
 */
final class ServerMeta extends JdbcMeta {
  /** What a remote client may tune for its own queries. */
  static final Set<String> CLIENT_TUNABLE = Set.of("nprobe", "recall", "useIndex");
  /** Sent by JDBC clients (DBeaver, sqlline) with every connection; not ours to interpret. */
  private static final Set<String> CLIENT_IGNORED = Set.of("user", "password");

  private final ServerLimits limits;
  private final Map<String, Semaphore> running = new ConcurrentHashMap<>();
  private final Set<Statement> executing = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;

  /**
   * @param url the served directory with the server-owned properties in it
   * @param defaults the server's defaults of the client-tunable properties
   */
  ServerMeta(String url, Properties defaults, ServerLimits limits) throws SQLException {
    super(url, defaults);
    this.limits = limits;
  }

  @Override public void openConnection(ConnectionHandle ch, Map<String, String> info) {
    Map<String, String> allowed = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    if (info != null) {
      for (Map.Entry<String, String> e : info.entrySet()) {
        String key = e.getKey();
        if (CLIENT_IGNORED.contains(key.toLowerCase(Locale.ROOT))) {
          continue;
        }
        String tunable = CLIENT_TUNABLE.stream().filter(key::equalsIgnoreCase).findFirst()
            .orElse(null);
        if (tunable == null) {
          throw RemoteErrors.of(new SQLException("pqvector server: the connection"
              + " property '" + key + "' is set by the server, not by a remote client; a client"
              + " may set " + String.join(", ", new java.util.TreeSet<>(CLIENT_TUNABLE)),
              "08001"));
        }
        allowed.put(tunable, e.getValue());
      }
    }
    super.openConnection(ch, allowed);
    running.put(ch.id, new Semaphore(limits.maxConcurrentQueries()));
  }

  @Override protected Connection createConnection(String url, Properties info)
      throws SQLException {
    Properties forDriver = new Properties();
    for (String key : info.stringPropertyNames()) {
      if (!key.startsWith("avatica.")) {
        forDriver.setProperty(key, info.getProperty(key));
      }
    }
    if (stopping) {
      throw new SQLException("pqvector server is shutting down", "08001");
    }
    // A connection opened by a JSON client serves a JSON client all its life.
    return ArraysByValue.wrap(new PqVectorDriver().connect(url, forDriver),
        AvaticaRequestHandler.requestSerialization() == Serialization.JSON);
  }

  @Override public void closeConnection(ConnectionHandle ch) {
    running.remove(ch.id);
    super.closeConnection(ch);
  }

  @Override public StatementHandle createStatement(ConnectionHandle ch) {
    StatementHandle h = super.createStatement(ch);
    applyTimeout(h);
    return h;
  }

  @Override public StatementHandle prepare(ConnectionHandle ch, String sql, long maxRowCount) {
    StatementHandle h = super.prepare(ch, sql, rowCap(maxRowCount));
    applyTimeout(h);
    return h;
  }

  @Override public ExecuteResult prepareAndExecute(StatementHandle h, String sql,
      long maxRowCount, int maxRowsInFirstFrame, PrepareCallback callback)
      throws NoSuchStatementException {
    Statement s = statement(h);
    acquire(h.connectionId);
    executing.add(s);
    DisconnectWatch.attach(s);
    try {
      return checkRows(super.prepareAndExecute(h, sql, rowCap(maxRowCount),
          maxRowsInFirstFrame, callback));
    } finally {
      DisconnectWatch.detach(s);
      executing.remove(s);
      release(h.connectionId);
    }
  }

  @Override public ExecuteResult execute(StatementHandle h, List<TypedValue> parameterValues,
      int maxRowsInFirstFrame) throws NoSuchStatementException {
    Statement s = statement(h);
    acquire(h.connectionId);
    executing.add(s);
    DisconnectWatch.attach(s);
    try {
      return checkRows(super.execute(h, parameterValues,
          maxRowsInFirstFrame));
    } finally {
      DisconnectWatch.detach(s);
      executing.remove(s);
      release(h.connectionId);
    }
  }

  @Override public Frame fetch(StatementHandle h, long offset, int fetchMaxRowCount)
      throws NoSuchStatementException, MissingResultsException {
    Statement s = statement(h);
    executing.add(s);
    DisconnectWatch.attach(s);
    try {
      Frame f = super.fetch(h, offset, fetchMaxRowCount);
      if (limits.maxRows() > 0 && offset + count(f.rows) > limits.maxRows()) {
        throw tooManyRows();
      }
      return f;
    } finally {
      DisconnectWatch.detach(s);
      executing.remove(s);
    }
  }

  /** Queries running now (executing or fetching), over all connections. */
  int runningQueries() {
    return executing.size();
  }

  int openConnections() {
    return (int) getConnectionCache().size();
  }

  /** Stops accepting connections and cancels every query that is running. */
  void stop() {
    stopping = true;
    for (Statement s : executing) {
      cancel(s);
    }
  }

  /**
   * Cancels the query {@code s} runs, from any thread, without waiting. Avatica's
   * {@code Statement.cancel()} is synchronized on the statement, which the running query holds
   * while it computes (an aggregate binds eagerly), so it would wait for the very query it should
   * stop; this raises the statement's cancel flag, which the query polls, as cancel() does.
   */
  static void cancel(Statement s) {
    try {
      AvaticaStatement a = s.unwrap(AvaticaStatement.class);
      a.getConnection().unwrap(AvaticaConnection.class).getCancelFlag(a.handle).set(true);
    } catch (SQLException | NoSuchStatementException | RuntimeException e) {
      // Closed meanwhile: nothing runs any more.
    }
  }

  /** Closes every open connection (after {@link #stop}). */
  void closeAll() {
    for (String id : new ArrayList<>(getConnectionCache().asMap().keySet())) {
      try {
        super.closeConnection(new ConnectionHandle(id));
      } catch (RuntimeException ignored) {
        // Already gone.
      }
    }
  }

  private Statement statement(StatementHandle h) throws NoSuchStatementException {
    StatementInfo info = getStatementCache().getIfPresent(h.id);
    if (info == null) {
      throw new NoSuchStatementException(h);
    }
    return StatementAccess.statement(info);
  }

  private void applyTimeout(StatementHandle h) {
    if (limits.queryTimeoutSeconds() <= 0) {
      return;
    }
    StatementInfo info = getStatementCache().getIfPresent(h.id);
    if (info != null && StatementAccess.statement(info) != null) {
      try {
        StatementAccess.statement(info).setQueryTimeout(limits.queryTimeoutSeconds());
      } catch (SQLException e) {
        throw RemoteErrors.of(e);
      }
    }
  }

  private void acquire(String connectionId) {
    if (stopping) {
      throw RemoteErrors.of(new SQLException("pqvector server is shutting down; the"
          + " query was not run", "08006"));
    }
    Semaphore s = running.get(connectionId);
    if (s != null && !s.tryAcquire()) {
      throw RemoteErrors.of(new SQLException("pqvector server: this connection already"
          + " runs " + limits.maxConcurrentQueries() + " queries, the most the server allows"
          + " (--max-concurrent-queries); wait for one to finish or open another connection",
          "53000"));
    }
  }

  private void release(String connectionId) {
    Semaphore s = running.get(connectionId);
    if (s != null) {
      s.release();
    }
  }

  /** Asks for one row more than the limit, so that a larger result is seen and refused. */
  private long rowCap(long requested) {
    long max = limits.maxRows();
    if (max <= 0) {
      return requested;
    }
    return requested <= 0 || requested > max ? max + 1 : requested;
  }

  private ExecuteResult checkRows(ExecuteResult r) {
    if (limits.maxRows() > 0) {
      for (MetaResultSet rs : r.resultSets) {
        if (rs.firstFrame != null && count(rs.firstFrame.rows) > limits.maxRows()) {
          throw tooManyRows();
        }
      }
    }
    return r;
  }

  private RuntimeException tooManyRows() {
    return RemoteErrors.of(new SQLException("pqvector server: the result has more than "
        + limits.maxRows() + " rows, the most one query may return here (--max-rows); add a"
        + " LIMIT or a WHERE clause", "54000"));
  }

  private static long count(Iterable<Object> rows) {
    if (rows instanceof java.util.Collection<?> c) {
      return c.size();
    }
    long n = 0;
    for (Object ignored : rows) {
      n++;
    }
    return n;
  }
}
