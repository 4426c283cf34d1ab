package org.apache.calcite.jdbc;

import io.pqvector.calcite.cancel.QueryCancellation;
import io.pqvector.calcite.prepare.SqlErrors;
import io.pqvector.calcite.search.QueryWarnings;
import io.pqvector.storage.ObjectRequests;
import java.sql.Array;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TimeZone;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.AvaticaDatabaseMetaData;
import org.apache.calcite.avatica.AvaticaFactory;
import org.apache.calcite.avatica.AvaticaPreparedStatement;
import org.apache.calcite.avatica.AvaticaResultSetMetaData;
import org.apache.calcite.avatica.AvaticaStatement;
import org.apache.calcite.avatica.ColumnMetaData;
import org.apache.calcite.avatica.Meta;
import org.apache.calcite.avatica.QueryState;
import org.apache.calcite.avatica.UnregisteredDriver;
import org.apache.calcite.avatica.remote.TypedValue;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.EnumerableDefaults;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.linq4j.Enumerator;

/**
 * Calcite's JDBC objects with what clients expect of them: errors carry a standard SQLState,
 * client info (which DBeaver and pools set) is kept instead of refused,
 * {@code setMaxRows} holds for prepared statements too, {@code getWarnings} reports files searched
 * exactly instead of through their index, {@code getURL()} is the URL as given, arrays read back as
 * {@code float[]} and as an (INDEX, VALUE) result set. It lives in Calcite's package because the
 * classes it extends are package-private there.
 */
public class PqVectorJdbcFactory extends CalciteFactory {
  /** Connection property carrying the URL as the user gave it (Calcite is handed a bare prefix). */
  public static final String URL_PROPERTY = "pqvector.url";

  public PqVectorJdbcFactory() {
    super(4, 1);
  }

  @Override public CalciteConnectionImpl newConnection(UnregisteredDriver driver,
      AvaticaFactory factory, String url, Properties info, CalciteSchema rootSchema,
      JavaTypeFactory typeFactory) {
    return new Connection((Driver) driver, factory, info.getProperty(URL_PROPERTY, url), info,
        rootSchema, typeFactory);
  }

  @Override public AvaticaDatabaseMetaData newDatabaseMetaData(AvaticaConnection connection) {
    return new DatabaseMetaDataImpl(connection);
  }

  @Override public java.sql.ResultSetMetaData newResultSetMetaData(AvaticaStatement statement,
      Meta.Signature signature) {
    return new AvaticaResultSetMetaData(statement, null, signature);
  }

  @Override public AvaticaStatement newStatement(AvaticaConnection connection,
      Meta.StatementHandle h, int resultSetType, int resultSetConcurrency,
      int resultSetHoldability) {
    return new Statement((CalciteConnectionImpl) connection, h, resultSetType,
        resultSetConcurrency, resultSetHoldability);
  }

  @Override public AvaticaPreparedStatement newPreparedStatement(AvaticaConnection connection,
      Meta.StatementHandle h, Meta.Signature signature, int resultSetType,
      int resultSetConcurrency, int resultSetHoldability) throws SQLException {
    return new PreparedStatementImpl((CalciteConnectionImpl) connection, h, signature,
        resultSetType, resultSetConcurrency, resultSetHoldability);
  }

  @Override public CalciteResultSet newResultSet(AvaticaStatement statement, QueryState state,
      Meta.Signature signature, TimeZone timeZone, Meta.Frame firstFrame) throws SQLException {
    return new ResultSetImpl(statement, (CalcitePrepare.CalciteSignature) signature,
        newResultSetMetaData(statement, signature), timeZone, firstFrame);
  }

  /** Rethrows with a standard SQLState (and subclass) when the error has none. */
  static SQLException translate(SQLException e) {
    if (e.getSQLState() != null) {
      return e;
    }
    return SqlErrors.withState(e.getMessage(), SqlErrors.sqlState(e), e);
  }

  /** Calcite's database metadata (its own class is private). */
  static final class DatabaseMetaDataImpl extends AvaticaDatabaseMetaData {
    DatabaseMetaDataImpl(AvaticaConnection connection) {
      super(connection);
    }
  }

  /** A statement that collects the query's warnings. */
  interface WarningSink {
    void clearQueryWarnings();

    void addQueryWarning(String message);
  }

  /** The connection: the URL as given, maxRows and warnings applied where rows are produced. */
  static final class Connection extends CalciteConnectionImpl {
    /** Client info (ApplicationName, ...) that tools and pools set; kept and returned, not used. */
    private final Properties clientInfo = new Properties();

    /** Tables in object storage: each query reports its requests. */
    private final boolean remote;

    Connection(Driver driver, AvaticaFactory factory, String url, Properties info,
        CalciteSchema rootSchema, JavaTypeFactory typeFactory) {
      super(driver, factory, url, info, rootSchema, typeFactory);
      String location = info.getProperty("pqvector.directory", "");
      remote = location.contains("://");
    }

    @Override public <T> Enumerable<T> enumerable(Meta.StatementHandle handle,
        CalcitePrepare.CalciteSignature<T> signature, List<TypedValue> parameterValues)
        throws SQLException {
      AvaticaStatement statement = statementMap.get(handle.id);
      WarningSink sink = statement instanceof WarningSink ? (WarningSink) statement : null;
      if (sink != null) {
        sink.clearQueryWarnings();
      }
      QueryWarnings.drain();
      // Requests to object storage: counted for the statement's warnings, stopped by its cancel.
      java.util.concurrent.atomic.AtomicBoolean cancelFlag;
      try {
        cancelFlag = getCancelFlag(handle);
      } catch (org.apache.calcite.avatica.NoSuchStatementException e) {
        cancelFlag = null;
      }
      ObjectRequests requests = new ObjectRequests(QueryCancellation.of(cancelFlag)::check);
      Enumerable<T> rows;
      try (ObjectRequests.Entered in = requests.enter()) {
        rows = super.enumerable(handle, signature, parameterValues);
      }
      // Calcite applies maxRows only to a plain Statement (at prepare time); a
      // PreparedStatement's setMaxRows comes after preparing, so apply it here.
      long maxRows = statement == null ? 0 : statement.getLargeMaxRows();
      if (maxRows > 0) {
        rows = EnumerableDefaults.take(rows, maxRows);
      }
      return sink == null ? rows : reportingWarnings(rows, sink, requests,
          remote && signature.statementType == Meta.StatementType.SELECT);
    }

    @Override public void setClientInfo(String name, String value) {
      if (value == null) {
        clientInfo.remove(name);
      } else {
        clientInfo.setProperty(name, value);
      }
    }

    @Override public void setClientInfo(Properties properties) {
      clientInfo.clear();
      clientInfo.putAll(properties);
    }

    @Override public Properties getClientInfo() throws SQLException {
      super.getClientInfo(); // checks that the connection is open
      Properties copy = new Properties();
      copy.putAll(clientInfo);
      return copy;
    }

    @Override public CalcitePreparedStatement prepareStatement(String sql, int resultSetType,
        int resultSetConcurrency, int resultSetHoldability) throws SQLException {
      try {
        return super.prepareStatement(sql, resultSetType, resultSetConcurrency,
            resultSetHoldability);
      } catch (SQLException e) {
        throw translate(e);
      }
    }
  }

  /**
   * Hands warnings raised while rows are produced (on this thread) to the statement; with
   * {@code report}, the last one, once the rows are read, counts the query's object-storage requests.
   */
  static <T> Enumerable<T> reportingWarnings(Enumerable<T> rows, WarningSink sink,
      ObjectRequests requests, boolean report) {
    return new AbstractEnumerable<T>() {
      @Override public Enumerator<T> enumerator() {
        Enumerator<T> e;
        try (ObjectRequests.Entered in = requests.enter()) {
          e = rows.enumerator();
        } finally {
          QueryWarnings.drain().forEach(sink::addQueryWarning);
        }
        return new Enumerator<T>() {
          private boolean reported;

          @Override public T current() {
            return e.current();
          }

          @Override public boolean moveNext() {
            boolean more = false;
            try (ObjectRequests.Entered in = requests.enter()) {
              more = e.moveNext();
              return more;
            } finally {
              QueryWarnings.drain().forEach(sink::addQueryWarning);
              if (!more) {
                finish();
              }
            }
          }

          private void finish() {
            if (!reported) {
              reported = true;
              requests.close();
              if (report) {
                sink.addQueryWarning(requests.summary());
              }
            }
          }

          @Override public void reset() {
            e.reset();
          }

          @Override public void close() {
            try {
              e.close();
            } finally {
              finish();
            }
          }
        };
      }
    };
  }

  /** Chains warnings in the order they were raised. */
  static SQLWarning chain(SQLWarning head, String message) {
    SQLWarning w = new SQLWarning(message, "01000");
    if (head == null) {
      return w;
    }
    head.setNextWarning(w);
    return head;
  }

  /** A plain statement with SQLStates and warnings. */
  static final class Statement extends CalciteStatement implements WarningSink {
    private volatile SQLWarning warnings;

    Statement(CalciteConnectionImpl connection, Meta.StatementHandle h, int resultSetType,
        int resultSetConcurrency, int resultSetHoldability) {
      super(connection, h, resultSetType, resultSetConcurrency, resultSetHoldability);
    }

    @Override public synchronized void clearQueryWarnings() {
      warnings = null;
    }

    @Override public synchronized void addQueryWarning(String message) {
      warnings = chain(warnings, message);
    }

    @Override public SQLWarning getWarnings() throws SQLException {
      super.getWarnings();
      return warnings;
    }

    @Override public void clearWarnings() throws SQLException {
      super.clearWarnings();
      clearQueryWarnings();
    }

    @Override public ResultSet executeQuery(String sql) throws SQLException {
      try {
        return super.executeQuery(sql);
      } catch (SQLException e) {
        throw translate(e);
      }
    }

    @Override public boolean execute(String sql) throws SQLException {
      try {
        return super.execute(sql);
      } catch (SQLException e) {
        throw translate(e);
      }
    }

    // executeUpdate(String) is final in Avatica and calls this.
    @Override public long executeLargeUpdate(String sql) throws SQLException {
      try {
        return super.executeLargeUpdate(sql);
      } catch (SQLException e) {
        throw translate(e);
      }
    }

  }

  /** A prepared statement with SQLStates and warnings. */
  static final class PreparedStatementImpl extends CalcitePreparedStatement
      implements WarningSink {
    private volatile SQLWarning warnings;

    PreparedStatementImpl(CalciteConnectionImpl connection, Meta.StatementHandle h,
        Meta.Signature signature, int resultSetType, int resultSetConcurrency,
        int resultSetHoldability) throws SQLException {
      super(connection, h, signature, resultSetType, resultSetConcurrency, resultSetHoldability);
    }

    @Override public synchronized void clearQueryWarnings() {
      warnings = null;
    }

    @Override public synchronized void addQueryWarning(String message) {
      warnings = chain(warnings, message);
    }

    @Override public SQLWarning getWarnings() throws SQLException {
      super.getWarnings();
      return warnings;
    }

    @Override public void clearWarnings() throws SQLException {
      super.clearWarnings();
      clearQueryWarnings();
    }

    @Override public ResultSet executeQuery() throws SQLException {
      requireEveryParameterSet();
      try {
        return super.executeQuery();
      } catch (SQLException e) {
        throw translate(e);
      }
    }

    @Override public boolean execute() throws SQLException {
      requireEveryParameterSet();
      try {
        return super.execute();
      } catch (SQLException e) {
        throw translate(e);
      }
    }

    /**
     * Names the first unset parameter with SQLState 07001 (wrong number of parameter values);
     * Avatica's own check says only "unbound parameter", with no SQLState.
     */
    private void requireEveryParameterSet() throws SQLException {
      for (int i = 0; i < slots.length; i++) {
        if (slots[i] == null) {
          throw new SQLException("parameter " + (i + 1) + " of " + slots.length
              + " has no value: set it (setObject, setNull) before executing", "07001");
        }
      }
    }

    // executeUpdate() is final in Avatica and calls this.
    @Override public long executeLargeUpdate() throws SQLException {
      requireEveryParameterSet();
      try {
        return super.executeLargeUpdate();
      } catch (SQLException e) {
        throw translate(e);
      }
    }

  }

  /** Result sets whose arrays read back as primitive arrays and as (INDEX, VALUE) rows. */
  static final class ResultSetImpl extends CalciteResultSet {
    ResultSetImpl(AvaticaStatement statement, CalcitePrepare.CalciteSignature signature,
        java.sql.ResultSetMetaData metaData, TimeZone timeZone, Meta.Frame firstFrame)
        throws SQLException {
      super(statement, signature, metaData, timeZone, firstFrame);
    }

    @Override public boolean next() throws SQLException {
      try {
        return super.next();
      } catch (SQLException e) {
        throw translate(e);
      }
    }

    /**
     * {@code Array.getResultSet()}: JDBC defines one row per element with two columns, the
     * 1-based INDEX and the VALUE (of the array's own element type, so REAL stays REAL).
     */
    @SuppressWarnings("unchecked")
    @Override public ResultSet create(ColumnMetaData.AvaticaType elementType,
        Iterable<Object> iterable) throws SQLException {
      if (elementType instanceof ColumnMetaData.StructType) {
        return super.create(elementType, iterable);
      }
      List<ColumnMetaData> columns = List.of(
          column(0, "INDEX", ColumnMetaData.scalar(Types.INTEGER, "INTEGER",
              ColumnMetaData.Rep.INTEGER), false),
          column(1, "VALUE", elementType, true));
      List<Object> rows = new ArrayList<>();
      int index = 1;
      for (Object value : iterable) {
        rows.add(new Object[] {index++, value});
      }
      // Calcite's own create() gives the new rows the parent query's column types, which reads
      // REAL elements through the parent's first column (a BIGINT: floats cut to integers).
      CalcitePrepare.CalciteSignature<Object> parent = getSignature();
      CalcitePrepare.CalciteSignature<Object> signature = new CalcitePrepare.CalciteSignature<>(
          parent.sql, parent.parameters, parent.internalParameters, parent.rowType, columns,
          Meta.CursorFactory.ARRAY, parent.rootSchema, List.of(), -1, null,
          statement.getStatementType());
      ResultSetImpl resultSet = new ResultSetImpl(statement, signature,
          new AvaticaResultSetMetaData(statement, null, signature),
          localCalendar.getTimeZone(), new Meta.Frame(0, true, rows));
      return resultSet.execute2(
          new org.apache.calcite.runtime.ArrayEnumeratorCursor(
              Linq4j.iterableEnumerator((List<Object[]>) (List<?>) rows)),
          columns);
    }

    private static ColumnMetaData column(int ordinal, String name,
        ColumnMetaData.AvaticaType type, boolean nullable) {
      return new ColumnMetaData(ordinal, false, true, false, false,
          nullable ? DatabaseMetaData.columnNullable : DatabaseMetaData.columnNoNulls, true, -1,
          name, name, null, -1, -1, null, null, type, true, false, false,
          type.columnClassName());
    }

    @Override public <T> T getObject(int columnIndex, Class<T> type) throws SQLException {
      if (type == float[].class || type == double[].class) {
        return type.cast(primitive(getArray(columnIndex), type));
      }
      return super.getObject(columnIndex, type);
    }

    @Override public <T> T getObject(String columnLabel, Class<T> type) throws SQLException {
      return getObject(findColumn(columnLabel), type);
    }

    private static Object primitive(Array array, Class<?> type) throws SQLException {
      if (array == null) {
        return null;
      }
      Object[] values = (Object[]) array.getArray();
      if (type == float[].class) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
          out[i] = element(values, i).floatValue();
        }
        return out;
      }
      double[] out = new double[values.length];
      for (int i = 0; i < values.length; i++) {
        out[i] = element(values, i).doubleValue();
      }
      return out;
    }

    private static Number element(Object[] values, int i) throws SQLException {
      if (values[i] instanceof Number) {
        return (Number) values[i];
      }
      throw new SQLException("cannot read the array as a primitive array: element " + (i + 1)
          + " is " + (values[i] == null ? "NULL" : values[i].getClass().getSimpleName()),
          SqlErrors.DATA);
    }
  }
}
