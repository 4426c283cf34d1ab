package io.pqvector.sqltests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.vector.Metric;
import java.io.Reader;
import java.io.Writer;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.hydromatic.quidem.Quidem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every {@code sql/*.iq} script (Calcite's Quidem convention: SQL in, expected rows out, a
 * script per feature) twice: on connection {@code docs} over files that carry IVF indexes,
 * queried with every list probed so the answers are exact through the index, and on the same
 * files without indexes ({@code useIndex=false}). Both outputs must equal the script. Scripts
 * show plans where the plan matters, inside {@code !if (indexed) {...!}} and
 * {@code !if (exact) {...!}}. The actual output goes to {@code target/quidem/<mode>/<name>.iq}.
 */
class QuidemTest {
  /** Lists of the fixture's indexes; the indexed connection probes all of them. */
  static final int LISTS = 3;

  @TempDir static Path dir;

  /**
   * 12 documents, all values from formulas: embedding [i, i % 4, 10 - i, (i * i) % 7] for
   * i = 0..10 and NULL for i = 11. Small integers keep the expected distances checkable by hand.
   * Table {@code docs} carries an l2 index, {@code docs_cosine} (the same rows) a cosine one.
   */
  @BeforeAll static void fixture() throws Exception {
    Path plain = Files.createDirectories(dir.resolve("exact"));
    Path indexed = Files.createDirectories(dir.resolve("indexed"));
    Fixtures.duck("COPY (SELECT i::BIGINT AS id, 'doc ' || i AS title,"
        + " CASE i % 3 WHEN 0 THEN 'de' WHEN 1 THEN 'en' ELSE 'fr' END AS lang,"
        + " (2000 + i)::INTEGER AS year,"
        + " CASE WHEN i = 11 THEN NULL"
        + " ELSE [i, i % 4, 10 - i, (i * i) % 7]::FLOAT[4] END AS embedding"
        + " FROM range(12) t(i)) TO " + Fixtures.lit(plain.resolve("docs.parquet"))
        + " (FORMAT parquet, ROW_GROUP_SIZE 5)");
    Files.copy(plain.resolve("docs.parquet"), plain.resolve("docs_cosine.parquet"));
    for (String table : List.of("docs", "docs_cosine")) {
      Path file = indexed.resolve(table + ".parquet");
      Files.copy(plain.resolve("docs.parquet"), file);
      IvfIndexBuilder.forFile(file).column("embedding").lists(LISTS)
          .metric(table.equals("docs") ? Metric.L2 : Metric.COSINE).build();
    }
  }

  @TestFactory Stream<DynamicTest> scripts() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path f : scripts("/sql")) {
      tests.add(DynamicTest.dynamicTest(f.getFileName() + " (indexed)",
          () -> run(f, "indexed", dir.resolve("indexed"), ";nprobe=" + LISTS)));
      tests.add(DynamicTest.dynamicTest(f.getFileName() + " (useIndex=false)",
          () -> run(f, "exact", dir.resolve("exact"), ";useIndex=false")));
    }
    return tests.stream();
  }

  /** The {@code .iq} scripts in a classpath folder, sorted. */
  static List<Path> scripts(String folder) throws Exception {
    URL url = QuidemTest.class.getResource(folder);
    Path scripts = Paths.get(url.toURI());
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(scripts)) {
      s.filter(p -> p.toString().endsWith(".iq")).sorted().forEach(files::add);
    }
    assertFalse(files.isEmpty(), "no .iq scripts under " + scripts);
    return files;
  }

  private static void run(Path script, String mode, Path root, String options) throws Exception {
    run(script, mode, "docs", () -> Fixtures.pqvector(root, options));
  }

  /** A connection a script may {@code !use}. */
  interface ConnectionSource {
    Connection open() throws Exception;
  }

  /**
   * Runs a script on connection {@code connectionName} with {@code mode} ("indexed" or "exact")
   * true for {@code !if}; fails with the first difference unless the output equals the script.
   */
  static void run(Path script, String mode, String connectionName, ConnectionSource source)
      throws Exception {
    Path out = Paths.get("target", "quidem", mode, script.getParent().getFileName().toString(),
        script.getFileName().toString());
    Files.createDirectories(out.getParent());
    try (Reader r = Files.newBufferedReader(script, StandardCharsets.UTF_8);
        Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      Quidem.Config config = Quidem.configBuilder()
          .withReader(r)
          .withWriter(w)
          .withEnv(name -> name.equals("indexed") || name.equals("exact")
              ? (Object) name.equals(mode) : null)
          .withConnectionFactory((name, reference) -> {
            if (!name.equals(connectionName)) {
              throw new IllegalArgumentException("unknown connection '" + name + "'");
            }
            // Quidem also asks for a reference connection (for !verify); the scripts' expected
            // rows were checked against DuckDB instead, so there is none.
            return reference ? null : source.open();
          })
          .build();
      new Quidem(config).execute();
    }
    String expected = Files.readString(script, StandardCharsets.UTF_8);
    String actual = Files.readString(out, StandardCharsets.UTF_8);
    if (!expected.equals(actual)) {
      fail("Quidem output (" + mode + ") differs from " + script.getFileName() + "; compare with\n"
          + "  diff " + script.toAbsolutePath() + " " + out.toAbsolutePath() + "\n"
          + firstDifference(expected, actual));
    }
  }

  /** The first differing line with a little context, so the failure message is readable. */
  static String firstDifference(String expected, String actual) {
    String[] e = expected.split("\n", -1);
    String[] a = actual.split("\n", -1);
    for (int i = 0; i < Math.max(e.length, a.length); i++) {
      String el = i < e.length ? e[i] : "<end of file>";
      String al = i < a.length ? a[i] : "<end of file>";
      if (!el.equals(al)) {
        StringBuilder b = new StringBuilder("first difference at line " + (i + 1) + ":\n");
        for (int j = Math.max(0, i - 3); j < Math.min(a.length, i + 8); j++) {
          b.append(j == i ? "> " : "  ").append(a[j]).append('\n');
        }
        b.append("expected line ").append(i + 1).append(": ").append(el);
        return b.toString();
      }
    }
    return "";
  }
}
