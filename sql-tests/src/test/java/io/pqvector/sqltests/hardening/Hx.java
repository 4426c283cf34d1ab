package io.pqvector.sqltests.hardening;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.KeyValue;
import org.apache.parquet.format.Util;

/** Shared helpers of the hardening suite: DuckDB fixtures, pqvector connections, footer surgery. */
final class Hx {
  private Hx() {}

  static Connection duckdb() throws SQLException {
    return DriverManager.getConnection("jdbc:duckdb:");
  }

  static void duck(String sql) throws SQLException {
    try (Connection c = duckdb(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** A pqvector connection on {@code dir} plus {@code ;k=v} options. */
  static Connection pq(Path dir, String... options) throws SQLException {
    return DriverManager.getConnection("jdbc:pqvector:" + dir + String.join("", options));
  }

  static String lit(Object path) {
    return "'" + path.toString().replace("'", "''") + "'";
  }

  /** DuckDB expression of a deterministic number in [-1, 1) for row i, component j and a salt. */
  static String component(String i, String j, long salt) {
    return "((hash(" + i + " * 7919 + " + j + " * 104729 + " + salt + ") % 20000)::FLOAT"
        + " / 10000.0 - 1.0)::FLOAT";
  }

  /**
   * DuckDB writes {@code rows} rows: id BIGINT (= idBase + i), gen BIGINT (= salt), lang VARCHAR,
   * year INTEGER and a FLOAT[dim] embedding that is a function of (salt, i) only.
   */
  static Path writeVectors(Path file, int rows, int dim, int rowGroup, long salt, long idBase)
      throws SQLException {
    duck("COPY (SELECT (" + idBase + " + i)::BIGINT AS id, " + salt + "::BIGINT AS gen,"
        + " CASE i % 5 WHEN 0 THEN 'de' WHEN 1 THEN 'fr' ELSE 'en' END AS lang,"
        + " (2000 + i % 26)::INTEGER AS year,"
        + " list_transform(range(" + dim + "), lambda j: " + component("i", "j", salt)
        + ")::FLOAT[" + dim + "] AS embedding"
        + " FROM range(" + rows + ") t(i))"
        + " TO " + lit(file) + " (FORMAT parquet, ROW_GROUP_SIZE " + rowGroup + ")");
    return file;
  }

  /** A deterministic query vector with four decimals per component. */
  static float[] queryVector(long seed, int dim) {
    Random r = new Random(seed);
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = Math.round((r.nextFloat() * 2 - 1) * 10000) / 10000f;
    }
    return v;
  }

  static String pqArray(float[] v) {
    List<String> parts = new ArrayList<>();
    for (float f : v) {
      parts.add(new java.math.BigDecimal(Float.toString(f)).toPlainString());
    }
    return "ARRAY[" + String.join(", ", parts) + "]";
  }

  /** The first column of every row, as longs. */
  static List<Long> longs(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      List<Long> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getLong(1));
      }
      return out;
    }
  }

  /** Row count and an order-independent checksum of every column of every row, read by DuckDB. */
  static String duckChecksum(Path file) throws SQLException {
    try (Connection c = duckdb(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*)::VARCHAR || ':' || sum(hash(id, gen, lang,"
            + " year, embedding))::VARCHAR FROM read_parquet(" + lit(file) + ")")) {
      rs.next();
      return rs.getString(1);
    }
  }

  // ---- Footer surgery -------------------------------------------------------------------

  /** The parsed live footer of a Parquet file and where it starts. */
  record Tail(FileMetaData metadata, int footerStart, byte[] bytes) {
    String value(String key) {
      if (metadata.isSetKey_value_metadata()) {
        for (KeyValue kv : metadata.getKey_value_metadata()) {
          if (kv.getKey().equals(key)) {
            return kv.getValue();
          }
        }
      }
      return null;
    }
  }

  static Tail tail(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    int footerLength = ByteBuffer.wrap(all, all.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    int footerStart = all.length - 8 - footerLength;
    FileMetaData md = Util.readFileMetaData(new ByteArrayInputStream(all, footerStart, footerLength));
    return new Tail(md, footerStart, all);
  }

  /** Rewrites the live footer of {@code file} after {@code edit} changed its metadata. */
  static void editFooter(Path file, Consumer<FileMetaData> edit) throws IOException {
    Tail t = tail(file);
    FileMetaData md = t.metadata().deepCopy();
    edit.accept(md);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(t.bytes(), 0, t.footerStart());
    ByteArrayOutputStream footer = new ByteArrayOutputStream();
    Util.writeFileMetaData(md, footer);
    footer.writeTo(out);
    out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footer.size()).array());
    out.write("PAR1".getBytes(StandardCharsets.US_ASCII));
    Files.write(file, out.toByteArray());
  }

  /** Sets (or, with a null value, removes) a footer key-value entry. */
  static void setKey(FileMetaData md, String key, String value) {
    List<KeyValue> kvs = md.isSetKey_value_metadata()
        ? new ArrayList<>(md.getKey_value_metadata()) : new ArrayList<>();
    boolean found = false;
    for (int i = 0; i < kvs.size(); i++) {
      if (kvs.get(i).getKey().equals(key)) {
        found = true;
        if (value == null) {
          kvs.remove(i--);
        } else {
          kvs.set(i, new KeyValue(key).setValue(value));
        }
      }
    }
    if (!found && value != null) {
      kvs.add(new KeyValue(key).setValue(value));
    }
    md.setKey_value_metadata(kvs);
  }

  /** The value of a footer key in a file's bytes. */
  static String tailValue(byte[] file, String key) {
    try {
      int footerLength = ByteBuffer.wrap(file, file.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
      int footerStart = file.length - 8 - footerLength;
      return new Tail(Util.readFileMetaData(new ByteArrayInputStream(file, footerStart, footerLength)),
          footerStart, file).value(key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Fails with the test's message if {@code t} is an Error (OOM, stack overflow...). */
  static void rethrowErrors(Throwable t, String context) {
    if (t instanceof AssertionError) {
      throw (AssertionError) t;
    }
    if (t instanceof Error) {
      throw new AssertionError(context + ": JVM Error " + t, t);
    }
  }

  /** The L2 distance of two vectors, in double (to check a returned row's own distance). */
  static double l2(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      double d = a[i] - b[i];
      sum += d * d;
    }
    return Math.sqrt(sum);
  }

  /** A SQL array of numbers as floats. */
  static float[] floats(java.sql.Array array) throws SQLException {
    Object[] values = (Object[]) array.getArray();
    float[] out = new float[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values[i]).floatValue();
    }
    return out;
  }
}
