package io.pqvector.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.calcite.function.TextEmbeddings;
import io.pqvector.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Search in words end to end: DuckDB writes Debian package descriptions (real text shipped with
 * the packages of this machine's distribution, see debian-packages.README) to Parquet, the
 * {@code embed} command adds an indexed embedding column, and SQL through the JDBC driver finds
 * packages by a description in words, planned as IvfTopK.
 */
class SearchInWordsTest {
  static final String QUERY = "SELECT package FROM packages ORDER BY "
      + "array_cosine_distance(embedding, embed(%s)) LIMIT %d";

  @TempDir static Path tmp;
  static Path data;

  @BeforeAll
  static void embedAndIndex() throws Exception {
    Path raw = tmp.resolve("raw.parquet");
    Path tsv = Paths.get(SearchInWordsTest.class.getResource("/debian-packages.tsv").toURI());
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = duck.createStatement()) {
      s.execute("COPY (SELECT * FROM read_csv('" + tsv + "', delim='\t', header=true,"
          + " quote='', escape='', columns={'package': 'VARCHAR', 'section': 'VARCHAR',"
          + " 'description': 'VARCHAR'})) TO '" + raw + "' (FORMAT parquet)");
    }
    data = tmp.resolve("data");
    Cli r = cli("embed", raw.toString(), data.resolve("packages.parquet").toString(),
        "--text-column", "description", "--batch", "16", "--threads", "2", "--index");
    assertEquals(0, r.code, r.err);
    assertTrue(r.out.contains("embedded ") && r.out.contains("all-MiniLM-L6-v2")
        && r.out.contains("rows/s"), r.out);
    assertTrue(r.out.contains("indexed ") && r.out.contains("metric cosine"), r.out);
  }

  record Cli(int code, String out, String err) {}

  static Cli cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Connection connect(String... properties) throws SQLException {
    return DriverManager.getConnection("jdbc:pqvector:" + data
        + (properties.length == 0 ? "" : ";" + String.join(";", properties)));
  }

  static List<String> packages(Connection c, String words, int k) throws SQLException {
    List<String> result = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(String.format(QUERY, "'" + words + "'", k))) {
      while (rs.next()) {
        result.add(rs.getString(1));
      }
    }
    return result;
  }

  @Test
  void aQueryInWordsFindsTheExpectedPackages() throws SQLException {
    // Each query paraphrases what a package does without its name; an answer counts when one
    // of the packages that do it ranks in the first three.
    Object[][] labelled = {
        {"download a file from a web server over HTTP", Set.of("wget", "curl")},
        {"track changes to source code in a repository", Set.of("git")},
        {"filter and transform JSON on the command line", Set.of("jq")},
        {"step through a crashing C program and inspect variables", Set.of("gdb")},
        {"make files smaller by compressing them", Set.of("gzip", "bzip2", "xz-utils", "zip")},
        {"log in to a remote machine securely", Set.of("openssh-client")},
        {"split one terminal into several windows", Set.of("tmux")},
        {"relational SQL database server", Set.of("postgresql", "postgresql-15",
            "postgresql-contrib", "sqlite3")},
    };
    try (Connection c = connect()) {
      for (Object[] q : labelled) {
        List<String> top = packages(c, (String) q[0], 3);
        @SuppressWarnings("unchecked") Set<String> expected = (Set<String>) q[1];
        assertTrue(top.stream().anyMatch(expected::contains),
            "'" + q[0] + "' gave " + top + ", expected one of " + expected);
      }
    }
  }

  @Test
  void theQueryIsPlannedAsIvfTopK() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("EXPLAIN PLAN FOR "
            + String.format(QUERY, "'http client library'", 5))) {
      StringBuilder plan = new StringBuilder();
      while (rs.next()) {
        plan.append(rs.getString(1));
      }
      assertTrue(plan.toString().contains("IvfTopK"), plan.toString());
      assertTrue(plan.toString().contains("metric=[cosine]"), plan.toString());
    }
  }

  @Test
  void thePreparedFormEmbedsItsParameterAndAgreesWithTheLiteral() throws SQLException {
    try (Connection c = connect();
        PreparedStatement ps = c.prepareStatement(String.format(QUERY, "?", 5))) {
      for (String words : List.of("compile C programs", "secure shell client")) {
        ps.setString(1, words);
        List<String> prepared = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            prepared.add(rs.getString(1));
          }
        }
        assertEquals(packages(c, words, 5), prepared, words);
      }
    }
  }

  @Test
  void theTextIsEmbeddedOncePerQueryNotPerRow() throws SQLException {
    try (Connection c = connect()) {
      long before = TextEmbeddings.queryModelCalls();
      // A text no other test uses; the Project above the top-k evaluates embed() again for
      // each of the 20 rows, and a plan without LIMIT would for each of 218.
      packages(c, "a pager to read long text one screen at a time", 20);
      assertEquals(1, TextEmbeddings.queryModelCalls() - before);
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
          "SELECT COUNT(*) FROM packages WHERE array_cosine_similarity(embedding,"
              + " embed('unique text for the exact plan')) > 0.3")) {
        assertTrue(rs.next());
      }
      assertEquals(2, TextEmbeddings.queryModelCalls() - before);
    }
  }

  @Test
  void sqlEmbedGivesTheSameVectorsAsTheCommand() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs =
        s.executeQuery("SELECT MIN(array_cosine_similarity(embedding, embed(description))),"
            + " COUNT(*) FROM packages")) {
      assertTrue(rs.next());
      assertTrue(rs.getFloat(1) >= 0.99999f, "min similarity " + rs.getFloat(1));
      assertEquals(218, rs.getLong(2));
    }
  }

  @Test
  void otherColumnsAndRowOrderAreUnchanged() throws SQLException {
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = duck.createStatement(); ResultSet rs = s.executeQuery(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE a.package IS NOT DISTINCT FROM b.package"
                + " AND a.section IS NOT DISTINCT FROM b.section AND a.description IS NOT"
                + " DISTINCT FROM b.description), COUNT(b.embedding), MIN(len(b.embedding))"
                + " FROM (SELECT *, row_number() OVER () AS r FROM '" + tmp.resolve("raw.parquet")
                + "') a JOIN (SELECT *, row_number() OVER () AS r FROM '"
                + data.resolve("packages.parquet") + "') b USING (r)")) {
      assertTrue(rs.next());
      assertEquals(218, rs.getLong(1));
      assertEquals(218, rs.getLong(2));
      assertEquals(218, rs.getLong(3));
      assertEquals(384, rs.getInt(4));
    }
  }

  @Test
  void nullAndEmptyTextGiveNullVectors() throws Exception {
    Path in = tmp.resolve("gaps.parquet");
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = duck.createStatement()) {
      s.execute("COPY (SELECT * FROM (VALUES (1, 'a text'), (2, NULL), (3, ''), (4, '   '),"
          + " (5, 'another text')) t(id, body)) TO '" + in + "' (FORMAT parquet)");
    }
    Path dir = tmp.resolve("gaps");
    Cli r = cli("embed", in.toString(), dir.resolve("gaps.parquet").toString(),
        "--text-column", "body", "--column", "vec");
    assertEquals(0, r.code, r.err);
    assertTrue(r.out.contains("5 rows (2 vectors, 3 NULL)"), r.out);
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + dir);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, vec, embed(body) FROM gaps ORDER BY id")) {
      int nulls = 0;
      while (rs.next()) {
        Array v = rs.getArray(2);
        if (v == null) {
          nulls++;
          assertNull(rs.getArray(3), "embed() of row " + rs.getInt(1));
        } else {
          assertEquals(384, ((Object[]) v.getArray()).length);
        }
      }
      assertEquals(3, nulls);
    }
  }

  @Test
  void commandErrorsNameTheFileAndColumn() throws Exception {
    Path raw = tmp.resolve("raw.parquet");
    Cli noColumn = cli("embed", raw.toString(), tmp.resolve("x.parquet").toString(),
        "--text-column", "summary");
    assertEquals(1, noColumn.code);
    assertTrue(noColumn.err.contains("raw.parquet") && noColumn.err.contains("'summary'")
        && noColumn.err.contains("description"), noColumn.err);
    Cli exists = cli("embed", raw.toString(), data.resolve("packages.parquet").toString(),
        "--text-column", "description");
    assertEquals(1, exists.code);
    assertTrue(exists.err.contains("already exists"), exists.err);
    assertTrue(Files.notExists(tmp.resolve("x.parquet")));
  }

  @Test
  void aQueryWithAnotherModelThanTheColumnsIsAnError() throws Exception {
    Path model = tmp.resolve("minilm-cls");
    Files.createDirectories(model);
    Files.write(model.resolve("model.onnx"),
        OnnxEmbedderProvider.resource(OnnxEmbedderProvider.DEFAULT_ONNX));
    Files.write(model.resolve("tokenizer.json"),
        OnnxEmbedderProvider.resource(OnnxEmbedderProvider.DEFAULT_TOKENIZER));
    // Same network and dimension, another pooling: a different model the length check alone
    // could not tell apart.
    Files.writeString(model.resolve("embed.json"),
        "{\"name\": \"minilm-cls\", \"pooling\": \"cls\", \"normalize\": true}");
    try (Connection c = connect("embedModel=" + model)) {
      SQLException e = assertThrows(SQLException.class, () -> packages(c, "a text editor", 3));
      assertEquals("22000", e.getSQLState());
      String m = String.valueOf(e.getMessage());
      assertTrue(m.contains("'all-MiniLM-L6-v2'") && m.contains("'minilm-cls'")
          && m.contains("embedding") && m.contains("embedModel"), m);
    }
  }
}
