package io.pqvector.sqltests;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Test fixtures: Parquet files written by DuckDB (as users' pipelines write them) and by
 * parquet-mr, plus small helpers to run SQL on pqvector and on DuckDB and compare.
 */
final class Fixtures {
  static final int DIM = 32;

  private Fixtures() {}

  /** A fresh in-memory DuckDB connection. */
  static Connection duckdb() throws SQLException {
    return DriverManager.getConnection("jdbc:duckdb:");
  }

  /** A pqvector connection on {@code dir} (plus optional {@code ;k=v} options). */
  static Connection pqvector(Path dir, String... options) throws SQLException {
    return DriverManager.getConnection("jdbc:pqvector:" + dir + String.join("", options));
  }

  static void duck(String sql) throws SQLException {
    try (Connection c = duckdb(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** A single-quoted SQL string literal. */
  static String lit(Object path) {
    return "'" + path.toString().replace("'", "''") + "'";
  }

  /**
   * The DuckDB expression of a deterministic pseudo-random number in [-1, 1) for row {@code i}
   * and component {@code j}: hash based, so the same on every run and thread.
   */
  static String component(String i, String j, int salt) {
    return "((hash(" + i + " * 7919 + " + j + " * 104729 + " + salt + ") % 20000)::FLOAT"
        + " / 10000.0 - 1.0)::FLOAT";
  }

  /**
   * {@code rows} documents with id, title, lang, year and a {@code FLOAT[dim]} embedding
   * (NULL for every 97th row), row groups of {@code rowGroup} rows.
   */
  static Path writeDocs(Path file, int rows, int dim, int rowGroup) throws SQLException {
    duck("COPY (SELECT i::BIGINT AS id,"
        + " CASE WHEN i % 50 = 7 THEN NULL ELSE 'doc ' || i END AS title,"
        + " CASE i % 5 WHEN 0 THEN 'de' WHEN 1 THEN 'fr' ELSE 'en' END AS lang,"
        + " (2000 + i % 26)::INTEGER AS year,"
        + " CASE WHEN i % 97 = 3 THEN NULL ELSE list_transform(range(" + dim + "), lambda j: "
        + component("i", "j", 1) + ")::FLOAT[" + dim + "] END AS embedding"
        + " FROM range(" + rows + ") t(i))"
        + " TO " + lit(file) + " (FORMAT parquet, ROW_GROUP_SIZE " + rowGroup + ")");
    return file;
  }

  /** The standard documents table: 3000 rows, 32 dimensions, 3 row groups. */
  static Path writeDocs(Path dir) throws SQLException {
    return writeDocs(dir.resolve("docs.parquet"), 3000, DIM, 1000);
  }

  /** A deterministic query vector; {@code seed} selects it. */
  static float[] queryVector(int seed, int dim) {
    Random r = new Random(seed);
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      // Four decimals, so the literal is exact in both engines' parsers.
      v[i] = Math.round((r.nextFloat() * 2 - 1) * 10000) / 10000f;
    }
    return v;
  }

  /** {@code a, b, c} with each float in plain decimal notation. */
  static String numbers(float[] v) {
    List<String> parts = new ArrayList<>();
    for (float f : v) {
      parts.add(new java.math.BigDecimal(Float.toString(f)).toPlainString());
    }
    return String.join(", ", parts);
  }

  /** pqvector's literal: {@code ARRAY[...]}. */
  static String pqArray(float[] v) {
    return "ARRAY[" + numbers(v) + "]";
  }

  /** DuckDB's literal: {@code [...]::FLOAT[n]}. */
  static String duckArray(float[] v) {
    return "[" + numbers(v) + "]::FLOAT[" + v.length + "]";
  }

  /** All rows as lists of column values (getObject). */
  static List<List<Object>> rows(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    List<List<Object>> rows = new ArrayList<>();
    while (rs.next()) {
      List<Object> row = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        row.add(rs.getObject(i));
      }
      rows.add(row);
    }
    return rows;
  }

  static List<List<Object>> query(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rows(rs);
    }
  }

  /** A parquet-mr (ExampleParquetWriter) file: id, lang, embedding as optional float list. */
  static final MessageType MR_SCHEMA = Types.buildMessage()
      .required(PrimitiveTypeName.INT64).named("id")
      .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("lang")
      .optionalList().optionalElement(PrimitiveTypeName.FLOAT).named("embedding")
      .named("mr");

  /**
   * Writes {@code rows} rows with parquet-mr, UNCOMPRESSED. Row 5 has a NULL embedding, row 6 an
   * embedding holding a NULL element; other embeddings are deterministic pseudo-random.
   */
  static Path writeParquetMr(Path file, int rows, int dim) throws IOException {
    Random r = new Random(7);
    SimpleGroupFactory groups = new SimpleGroupFactory(MR_SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(MR_SCHEMA)
        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .build()) {
      for (int i = 0; i < rows; i++) {
        Group g = groups.newGroup();
        g.add("id", (long) i);
        g.add("lang", i % 3 == 0 ? "de" : "en");
        if (i != 5) {
          Group embedding = g.addGroup("embedding");
          for (int d = 0; d < dim; d++) {
            Group element = embedding.addGroup("list");
            float value = Math.round((r.nextFloat() * 2 - 1) * 1000) / 1000f;
            if (!(i == 6 && d == 1)) {
              element.add("element", value);
            }
          }
        }
        writer.write(g);
      }
    }
    return file;
  }

  static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }
}
