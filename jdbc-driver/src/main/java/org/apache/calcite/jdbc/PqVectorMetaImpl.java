package org.apache.calcite.jdbc;

import io.pqvector.calcite.function.VectorOperators;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.NoSuchStatementException;
import org.apache.calcite.avatica.remote.TypedValue;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.schema.lookup.LikePattern;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlOperatorTable;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;

/**
 * Calcite's metadata as SQL clients (DBeaver, frameworks) walk it: no {@code metadata} schema of
 * Calcite internals, the vector functions in {@code getFunctions}, meaningful COLUMN_SIZE and type
 * names that {@code getTypeInfo} lists (arrays included), and transaction calls that a read-only,
 * auto-commit driver can honour ({@code commit()} and {@code rollback()} do nothing). It lives in
 * Calcite's package because the classes it extends are package-private there.
 */
public final class PqVectorMetaImpl extends CalciteMetaImpl {
  /** Calcite's own schema of its catalog tables, which is no part of the user's data. */
  private static final String CALCITE_METADATA_SCHEMA = "metadata";
  /** Element types a Parquet LIST column can have, so getTypeInfo knows every array name. */
  private static final String[][] ARRAY_ELEMENT_TYPES = {
      {"BOOLEAN", "1"}, {"TINYINT", "3"}, {"SMALLINT", "5"}, {"INTEGER", "10"},
      {"BIGINT", "19"}, {"REAL", "7"}, {"DOUBLE", "15"}, {"DECIMAL", "38"},
      {"VARCHAR", "2147483647"}, {"VARBINARY", "2147483647"}, {"DATE", "10"}, {"TIME", "12"},
      {"TIMESTAMP", "23"}};

  public PqVectorMetaImpl(AvaticaConnection connection) {
    super((CalciteConnectionImpl) connection);
  }

  /**
   * A plain {@code Statement} cannot bind {@code ?} markers; without this check Calcite would run
   * the query with every marker NULL and return rows that answer a different question.
   */
  @Override public ExecuteResult prepareAndExecute(StatementHandle h, String sql,
      long maxRowCount, int maxRowsInFirstFrame, PrepareCallback callback)
      throws NoSuchStatementException {
    return super.prepareAndExecute(h, sql, maxRowCount, maxRowsInFirstFrame,
        new PrepareCallback() {
          @Override public Object getMonitor() {
            return callback.getMonitor();
          }

          @Override public void clear() throws SQLException {
            callback.clear();
          }

          @Override public void assign(Signature signature, Frame firstFrame, long updateCount)
              throws SQLException {
            if (signature != null && !signature.parameters.isEmpty()) {
              throw new SQLException("the statement has " + signature.parameters.size()
                  + " parameter marker(s) '?', which a plain Statement cannot bind; use a"
                  + " PreparedStatement", "07001");
            }
            callback.assign(signature, firstFrame, updateCount);
          }

          @Override public void execute() throws SQLException {
            callback.execute();
          }
        });
  }

  /**
   * As Calcite's, but an error keeps its cause (Calcite keeps only the message), so the SQLState
   * and the exception class (SQLTimeoutException) of the error reach the caller.
   */
  @Override Iterable<Object> _createIterable(StatementHandle handle, Signature signature,
      List<TypedValue> parameterValues, Frame firstFrame) {
    try {
      @SuppressWarnings("unchecked")
      CalcitePrepare.CalciteSignature<Object> calciteSignature =
          (CalcitePrepare.CalciteSignature<Object>) signature;
      return getConnection().enumerable(handle, calciteSignature, parameterValues);
    } catch (SQLException e) {
      throw new RuntimeException(e.getMessage(), e);
    }
  }

  @Override Enumerable<MetaSchema> schemas(String catalog, LikePattern pattern) {
    return super.schemas(catalog, pattern)
        .where(schema -> !CALCITE_METADATA_SCHEMA.equals(schema.tableSchem));
  }

  /** The schema's own functions, the vector functions and Calcite's built-in functions. */
  @Override Enumerable<MetaFunction> functions(MetaSchema schema, String catalog) {
    List<MetaFunction> functions = new ArrayList<>();
    for (SqlOperator op : VectorOperators.table().getOperatorList()) {
      functions.add(new MetaFunction(catalog, schema.tableSchem, op.getName(),
          (short) DatabaseMetaData.functionNoTable, op.getName()));
    }
    SqlOperatorTable builtIns = getConnection().config()
        .fun(SqlOperatorTable.class, SqlStdOperatorTable.instance());
    for (SqlOperator op : builtIns.getOperatorList()) {
      if (SqlKind.FUNCTION.contains(op.getKind())) {
        functions.add(new MetaFunction(catalog, schema.tableSchem, op.getName(),
            (short) DatabaseMetaData.functionResultUnknown, op.getName()));
      }
    }
    return super.functions(schema, catalog).concat(Linq4j.asEnumerable(functions));
  }

  /**
   * Columns with the type names getTypeInfo lists ({@code DECIMAL}, {@code REAL ARRAY}, the
   * precision in COLUMN_SIZE) and a COLUMN_SIZE per JDBC: digits for numbers, characters for
   * text and dates, null where no size applies (arrays).
   */
  @Override public Enumerable<MetaColumn> columns(MetaTable table) {
    return super.columns(table).select(c -> {
      Integer size = columnSize(c.dataType, c.columnSize);
      return new MetaColumn(c.tableCat, c.tableSchem, c.tableName, c.columnName, c.dataType,
          baseTypeName(c.typeName), size, c.decimalDigits, c.numPrecRadix, c.nullable,
          c.dataType == Types.VARCHAR || c.dataType == Types.CHAR
              || c.dataType == Types.VARBINARY ? size : null,
          c.ordinalPosition, c.isNullable);
    });
  }

  /** {@code DECIMAL(10, 2)} is {@code DECIMAL}, {@code REAL NOT NULL ARRAY} is {@code REAL ARRAY}. */
  static String baseTypeName(String fullTypeName) {
    return fullTypeName.replaceAll("\\([^)]*\\)", "").replace(" NOT NULL", "").trim()
        .toUpperCase(Locale.ROOT);
  }

  static Integer columnSize(int jdbcType, Integer precision) {
    switch (jdbcType) {
      case Types.BOOLEAN: return 1;
      case Types.TINYINT: return 3;
      case Types.SMALLINT: return 5;
      case Types.INTEGER: return 10;
      case Types.BIGINT: return 19;
      case Types.REAL: case Types.FLOAT: return 7;
      case Types.DOUBLE: return 15;
      case Types.DATE: return 10;
      case Types.TIME: return 12;
      case Types.TIMESTAMP: return 23;
      case Types.DECIMAL: case Types.NUMERIC:
        return precision != null && precision > 0 ? precision : 38;
      case Types.CHAR: case Types.VARCHAR: case Types.BINARY: case Types.VARBINARY:
        return precision != null && precision > 0 ? precision : Integer.MAX_VALUE;
      default: return null;
    }
  }

  /** Calcite's types plus every {@code <type> ARRAY} name that getColumns can report. */
  @Override protected Enumerable<MetaTypeInfo> allTypeInfo() {
    List<MetaTypeInfo> arrays = new ArrayList<>();
    for (String[] element : ARRAY_ELEMENT_TYPES) {
      arrays.add(new MetaTypeInfo(element[0] + " ARRAY", Types.ARRAY,
          Integer.parseInt(element[1]), null, null, (short) DatabaseMetaData.typeNullable,
          false, (short) DatabaseMetaData.typePredBasic, false, false, false, (short) 0,
          (short) 0, 10));
    }
    return super.allTypeInfo().concat(Linq4j.asEnumerable(arrays));
  }

  @Override public void commit(ConnectionHandle ch) {
    // Nothing to commit: every statement is a read.
  }

  @Override public void rollback(ConnectionHandle ch) {
    // Nothing to roll back: every statement is a read.
  }
}
