package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every common DuckDB type written to Parquet by DuckDB: the SQL type pqvector reports and the
 * values it reads back, compared with DuckDB reading the same file.
 */
class TypesTest {
  /** Column name, DuckDB type, three values (the third row is NULL in every column). */
  static final String[][] COLUMNS = {
      {"c_bool", "BOOLEAN", "true", "false"},
      {"c_tinyint", "TINYINT", "-128", "127"},
      {"c_smallint", "SMALLINT", "-32768", "32767"},
      {"c_int", "INTEGER", "-2147483648", "2147483647"},
      {"c_bigint", "BIGINT", "-9223372036854775808", "9223372036854775807"},
      {"c_utinyint", "UTINYINT", "0", "255"},
      {"c_usmallint", "USMALLINT", "0", "65535"},
      {"c_uinteger", "UINTEGER", "0", "4294967295"},
      {"c_ubigint", "UBIGINT", "0", "18446744073709551615"},
      {"c_float", "FLOAT", "1.5", "-3.4028235e38"},
      {"c_double", "DOUBLE", "0.1", "-1.7976931348623157e308"},
      {"c_dec9", "DECIMAL(9,2)", "1234567.89", "-0.01"},
      {"c_dec18", "DECIMAL(18,4)", "12345678901234.5678", "-0.0001"},
      {"c_dec38", "DECIMAL(38,10)", "123456789.0123456789", "-1.5"},
      {"c_varchar", "VARCHAR", "'héllo, wörld'", "''"},
      {"c_blob", "BLOB", "'\\x00\\xFFab'::BLOB", "''::BLOB"},
      {"c_date", "DATE", "DATE '2024-02-29'", "DATE '1969-12-31'"},
      {"c_time", "TIME", "TIME '12:34:56.789'", "TIME '00:00:00'"},
      {"c_ts", "TIMESTAMP", "TIMESTAMP '2024-02-29 12:34:56.789'", "TIMESTAMP '1960-01-01 00:00:00'"},
      {"c_tstz", "TIMESTAMPTZ", "TIMESTAMPTZ '2024-02-29 12:34:56.789+00'",
          "TIMESTAMPTZ '2000-01-01 00:00:00+00'"},
      {"c_uuid", "UUID", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID",
          "'00000000-0000-0000-0000-000000000001'::UUID"},
      {"c_floats", "FLOAT[]", "[1.5, -2.25, NULL]", "[]"},
      {"c_doubles", "DOUBLE[]", "[0.1, 1e300]", "[NULL]"},
      {"c_ints", "INTEGER[]", "[1, 2, 3]", "[-7]"},
      {"c_strings", "VARCHAR[]", "['a', 'b c', NULL]", "['']"},
      {"c_struct", "STRUCT(name VARCHAR, score INTEGER)", "{'name': 'alice', 'score': 42}",
          "{'name': NULL, 'score': -1}"},
      {"c_map", "MAP(VARCHAR, INTEGER)", "MAP {'k1': 10, 'k2': 20}", "MAP {}"},
  };

  /** The SQL type each column should have in pqvector. */
  static final Map<String, String> EXPECTED_TYPES = new LinkedHashMap<>();

  static {
    EXPECTED_TYPES.put("c_bool", "BOOLEAN");
    EXPECTED_TYPES.put("c_tinyint", "TINYINT");
    EXPECTED_TYPES.put("c_smallint", "SMALLINT");
    EXPECTED_TYPES.put("c_int", "INTEGER");
    EXPECTED_TYPES.put("c_bigint", "BIGINT");
    EXPECTED_TYPES.put("c_utinyint", "SMALLINT");
    EXPECTED_TYPES.put("c_usmallint", "INTEGER");
    EXPECTED_TYPES.put("c_uinteger", "BIGINT");
    // c_ubigint: see unsignedBigintTypeHoldsItsLargestValue.
    EXPECTED_TYPES.put("c_float", "REAL");
    EXPECTED_TYPES.put("c_double", "DOUBLE");
    EXPECTED_TYPES.put("c_dec9", "DECIMAL(9, 2)");
    EXPECTED_TYPES.put("c_dec18", "DECIMAL(18, 4)");
    // Wider than Calcite's maximum DECIMAL precision (19): read as DOUBLE, by design.
    EXPECTED_TYPES.put("c_dec38", "DECIMAL(38, 10)");
    EXPECTED_TYPES.put("c_varchar", "VARCHAR");
    EXPECTED_TYPES.put("c_blob", "VARBINARY");
    EXPECTED_TYPES.put("c_date", "DATE");
    EXPECTED_TYPES.put("c_time", "TIME");
    EXPECTED_TYPES.put("c_ts", "TIMESTAMP");
    EXPECTED_TYPES.put("c_tstz", "TIMESTAMP");
    EXPECTED_TYPES.put("c_uuid", "VARCHAR");
    EXPECTED_TYPES.put("c_floats", "REAL ARRAY");
    EXPECTED_TYPES.put("c_doubles", "DOUBLE ARRAY");
    EXPECTED_TYPES.put("c_ints", "INTEGER ARRAY");
    EXPECTED_TYPES.put("c_strings", "VARCHAR ARRAY");
    EXPECTED_TYPES.put("c_struct", "VARCHAR");
    EXPECTED_TYPES.put("c_map", "VARCHAR");
  }

  @TempDir static Path dir;
  static Path file;
  static Connection pq;
  static Connection duck;

  @BeforeAll static void setUp() throws Exception {
    StringBuilder select = new StringBuilder("SELECT i::INTEGER AS row_id");
    for (String[] c : COLUMNS) {
      select.append(", CASE i WHEN 0 THEN CAST((").append(c[2]).append(") AS ").append(c[1])
          .append(") WHEN 1 THEN CAST((").append(c[3]).append(") AS ").append(c[1]).append(")")
          .append(" ELSE NULL END AS ").append(c[0]);
    }
    select.append(" FROM range(3) t(i)");
    file = dir.resolve("types.parquet");
    Fixtures.duck("COPY (" + select + ") TO " + lit(file) + " (FORMAT parquet)");
    writeInt96(dir.resolve("int96.parquet"));
    pq = Fixtures.pqvector(dir);
    duck = Fixtures.duckdb();
    try (Statement s = duck.createStatement()) {
      s.execute("SET TimeZone = 'UTC'");
    }
  }

  @AfterAll static void tearDown() throws Exception {
    pq.close();
    duck.close();
  }

  @Test void columnTypesInDatabaseMetaData() throws Exception {
    DatabaseMetaData md = pq.getMetaData();
    Map<String, String> actual = new LinkedHashMap<>();
    try (ResultSet rs = md.getColumns(null, "pqvector", "types", null)) {
      while (rs.next()) {
        if (rs.getString("COLUMN_NAME").equals("c_ubigint")) {
          continue;
        }
        // The fractional-seconds precision is checked in temporalTextKeepsMilliseconds.
        // TYPE_NAME is the name getTypeInfo lists; a DECIMAL's digits are in COLUMN_SIZE and
        // DECIMAL_DIGITS.
        String type = rs.getString("TYPE_NAME");
        if (type.equals("DECIMAL")) {
          type += "(" + rs.getInt("COLUMN_SIZE") + ", " + rs.getInt("DECIMAL_DIGITS") + ")";
        }
        actual.put(rs.getString("COLUMN_NAME"),
            type.replaceAll("^(TIME|TIMESTAMP)\\([0-9]\\)$", "$1"));
        assertEquals(DatabaseMetaData.columnNullable, rs.getInt("NULLABLE"),
            rs.getString("COLUMN_NAME"));
      }
    }
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("row_id", "INTEGER");
    expected.putAll(EXPECTED_TYPES);
    assertEquals(expected.toString(), actual.toString());
  }

  /** A comparable text for one value: numbers by value, arrays element-wise, bytes in hex. */
  static String canonical(Object o) throws Exception {
    if (o == null) {
      return "NULL";
    }
    if (o instanceof java.sql.Array) {
      return canonical(((java.sql.Array) o).getArray());
    }
    if (o instanceof Object[]) {
      List<String> parts = new ArrayList<>();
      for (Object e : (Object[]) o) {
        parts.add(canonical(e));
      }
      return parts.toString();
    }
    if (o instanceof List) {
      return canonical(((List<?>) o).toArray());
    }
    if (o instanceof Float || o instanceof Double) {
      return o.toString();
    }
    if (o instanceof Number) {
      return new BigDecimal(o.toString()).stripTrailingZeros().toPlainString();
    }
    if (o instanceof byte[]) {
      StringBuilder b = new StringBuilder("0x");
      for (byte x : (byte[]) o) {
        b.append(String.format("%02x", x & 0xff));
      }
      return b.toString();
    }
    return o.toString();
  }

  static List<String> column(Connection c, String sql, String kind) throws Exception {
    List<String> values = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        Object v;
        switch (kind) {
          case "bytes":
            v = rs.getBytes(1);
            break;
          case "string":
            v = rs.getString(1);
            break;
          case "array":
            v = rs.getArray(1);
            break;
          default:
            v = rs.getObject(1);
        }
        values.add(rs.wasNull() || v == null ? "NULL" : canonical(v));
      }
    }
    return values;
  }

  static String kind(String duckType) {
    if (duckType.endsWith("[]")) {
      return "array";
    }
    if (duckType.equals("BLOB")) {
      return "bytes";
    }
    if (duckType.equals("DATE") || duckType.equals("UUID")) {
      return "string";
    }
    return "object";
  }

  @Test void scalarAndArrayValuesEqualDuckDb() throws Exception {
    List<String> mismatches = new ArrayList<>();
    for (String[] c : COLUMNS) {
      if (c[1].startsWith("STRUCT") || c[1].startsWith("MAP") || c[1].startsWith("TIME")
          || c[1].equals("DECIMAL(38,10)")) {
        continue; // compared in their own tests
      }
      List<String> actual = column(pq, "SELECT " + c[0] + " FROM types ORDER BY row_id", kind(c[1]));
      List<String> expected = column(duck, "SELECT " + c[0] + " FROM read_parquet(" + lit(file)
          + ") ORDER BY row_id", kind(c[1]));
      if (!actual.equals(expected)) {
        mismatches.add(c[0] + " " + c[1] + ": pqvector " + actual + " DuckDB " + expected);
      }
    }
    assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
  }

  /** DECIMAL(38, 10) keeps every digit (pqvector's type system allows 38 digits, as Parquet). */
  @Test void wideDecimalValuesKeepEveryDigit() throws Exception {
    List<String> actual = column(pq, "SELECT c_dec38 FROM types ORDER BY row_id", "string");
    List<String> expected = column(duck, "SELECT c_dec38::VARCHAR FROM read_parquet(" + lit(file)
        + ") ORDER BY row_id", "string");
    assertEquals(List.of("123456789.0123456789", "-1.5000000000", "NULL"), expected);
    assertEquals(expected, actual);
  }

  /** UBIGINT reaches 18446744073709551615 (20 digits): the declared type must hold it. */
  @Test void unsignedBigintTypeHoldsItsLargestValue() throws Exception {
    List<String> actual = column(pq, "SELECT c_ubigint FROM types ORDER BY row_id", "object");
    assertEquals(List.of("0", "18446744073709551615", "NULL"), actual);
    try (ResultSet rs = pq.getMetaData().getColumns(null, "pqvector", "types", "c_ubigint")) {
      assertTrue(rs.next());
      assertTrue(rs.getInt("COLUMN_SIZE") >= 20, "c_ubigint is declared as "
          + rs.getString("TYPE_NAME") + " (COLUMN_SIZE " + rs.getInt("COLUMN_SIZE")
          + ") but holds 20-digit values");
    }
  }

  /**
   * Date and time values as text (what SQL shells show, through getString) equal DuckDB's, with
   * their milliseconds. DuckDB's session is UTC, so TIMESTAMPTZ shows the UTC wall clock.
   */
  @Test void temporalTextKeepsMilliseconds() throws Exception {
    for (String col : new String[] {"c_date", "c_time", "c_ts", "c_tstz"}) {
      List<String> actual = column(pq, "SELECT " + col + " FROM types ORDER BY row_id",
          "string");
      List<String> expected = column(duck, "SELECT strftime(" + col + ", "
          + (col.equals("c_date") ? "'%Y-%m-%d'" : col.equals("c_time") ? "'%H:%M:%S.%g'"
              : "'%Y-%m-%d %H:%M:%S.%g'") + ") FROM (SELECT " + (col.equals("c_time")
                  ? "DATE '2000-01-01' + c_time AS c_time" : col.equals("c_tstz")
                      ? "c_tstz::TIMESTAMP AS c_tstz" : col)
          + ", row_id FROM read_parquet(" + lit(file) + ")) ORDER BY row_id", "string");
      assertEquals(expected.size(), actual.size());
      for (int i = 0; i < expected.size(); i++) {
        String e = expected.get(i);
        String a = actual.get(i);
        if (e.equals("NULL")) {
          assertEquals("NULL", a, col);
          continue;
        }
        // pqvector prints e.g. 12:34:56.789 or 2024-02-29 12:34:56.789; DuckDB %g gives millis.
        assertEquals(stripZeroMillis(e), stripZeroMillis(a), col + " row " + i);
      }
    }
  }

  static String stripZeroMillis(String s) {
    return s.replaceAll("\\.0+$", "").replaceAll("(\\.[0-9]*?)0+$", "$1");
  }

  /** getDate/getTime/getTimestamp (getObject(i, LocalDate.class) is not supported by Avatica). */
  @Test void temporalValuesAsJdbcObjects() throws Exception {
    try (Statement s = pq.createStatement();
        ResultSet rs = s.executeQuery("SELECT c_date, c_time, c_ts, c_tstz FROM types"
            + " ORDER BY row_id")) {
      assertTrue(rs.next());
      assertEquals(java.time.LocalDate.of(2024, 2, 29), rs.getDate(1).toLocalDate());
      assertEquals((12 * 3600 + 34 * 60 + 56) * 1000L + 789,
          Math.floorMod(rs.getTime(2).getTime() + java.util.TimeZone.getDefault()
              .getOffset(rs.getTime(2).getTime()), 86_400_000L));
      assertEquals(java.time.LocalDateTime.of(2024, 2, 29, 12, 34, 56, 789_000_000),
          rs.getTimestamp(3).toLocalDateTime());
      assertEquals(java.time.LocalDateTime.of(2024, 2, 29, 12, 34, 56, 789_000_000),
          rs.getTimestamp(4).toLocalDateTime());
      assertTrue(rs.next());
      assertEquals(java.time.LocalDate.of(1969, 12, 31), rs.getDate(1).toLocalDate());
      assertEquals(java.time.LocalDateTime.of(1960, 1, 1, 0, 0), rs.getTimestamp(3).toLocalDateTime());
      assertTrue(rs.next());
      assertNull(rs.getDate(1));
      assertNull(rs.getTimestamp(3));
    }
  }

  @Test void structsAndMapsAreJsonText() throws Exception {
    List<String> structs = column(pq, "SELECT c_struct FROM types ORDER BY row_id", "string");
    assertTrue(structs.get(0).contains("\"name\"") && structs.get(0).contains("\"alice\"")
        && structs.get(0).contains("\"score\"") && structs.get(0).contains("42"), structs.get(0));
    assertTrue(structs.get(1).contains("\"name\"") && structs.get(1).contains("null")
        && structs.get(1).contains("-1"), structs.get(1));
    assertEquals("NULL", structs.get(2));
    List<String> maps = column(pq, "SELECT c_map FROM types ORDER BY row_id", "string");
    assertTrue(maps.get(0).contains("\"k1\"") && maps.get(0).contains("10")
        && maps.get(0).contains("\"k2\"") && maps.get(0).contains("20"), maps.get(0));
    assertEquals("{}", maps.get(1).replace(" ", ""));
    assertEquals("NULL", maps.get(2));
    // Round trip through a JSON-ish check: DuckDB's struct fields are the same.
    List<String> duckStructs = column(duck, "SELECT c_struct.name || ':' || c_struct.score FROM "
        + "read_parquet(" + lit(file) + ") ORDER BY row_id", "string");
    assertEquals("alice:42", duckStructs.get(0));
  }

  @Test void nullsInEveryColumn() throws Exception {
    try (Statement s = pq.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM types WHERE row_id = 2")) {
      assertTrue(rs.next());
      for (String[] c : COLUMNS) {
        assertNull(rs.getObject(c[0]), c[0]);
      }
    }
  }

  /** INT96 timestamps, as Spark and Impala wrote them: parquet-mr writes, both engines read. */
  static void writeInt96(Path path) throws Exception {
    MessageType schema = Types.buildMessage()
        .required(PrimitiveTypeName.INT32).named("row_id")
        .optional(PrimitiveTypeName.INT96).named("ts")
        .named("int96");
    long[][] values = {{2460370, (12 * 3600 + 34 * 60 + 56) * 1_000_000_000L + 789_000_000L},
        {2440588, 0}, {2415021, 1_000_000L}};
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(path))
        .withConf(new PlainParquetConfiguration()).withType(schema)
        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
      for (int i = 0; i < values.length + 1; i++) {
        Group g = groups.newGroup();
        g.add("row_id", i);
        if (i < values.length) {
          ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
          b.putLong(values[i][1]).putInt((int) values[i][0]);
          g.add("ts", Binary.fromConstantByteArray(b.array()));
        }
        w.write(g);
      }
    }
  }

  @Test void int96TimestampsEqualDuckDb() throws Exception {
    try (ResultSet rs = pq.getMetaData().getColumns(null, "pqvector", "int96", "ts")) {
      assertTrue(rs.next());
      assertTrue(rs.getString("TYPE_NAME").startsWith("TIMESTAMP"), rs.getString("TYPE_NAME"));
    }
    List<String> actual = new ArrayList<>();
    try (Statement s = pq.createStatement();
        ResultSet rs = s.executeQuery("SELECT ts FROM int96 ORDER BY row_id")) {
      while (rs.next()) {
        java.sql.Timestamp t = rs.getTimestamp(1);
        actual.add(t == null ? "NULL" : t.toLocalDateTime().toString().replace('T', ' '));
      }
    }
    List<String> expected = column(duck, "SELECT strftime(ts::TIMESTAMP, '%Y-%m-%d %H:%M:%S.%g')"
        + " FROM read_parquet(" + lit(dir.resolve("int96.parquet")) + ") ORDER BY row_id",
        "string");
    assertEquals(List.of("2024-02-29 12:34:56.789", "1970-01-01 00:00:00.000",
        "1900-01-01 00:00:00.001", "NULL"), expected, "DuckDB's reading");
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(stripZeroMillis(expected.get(i)),
          stripZeroMillis(actual.get(i).replaceAll(" (..:..)$", " $1:00")), "row " + i);
    }
  }
}
