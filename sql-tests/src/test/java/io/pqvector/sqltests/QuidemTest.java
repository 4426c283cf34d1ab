package io.pqvector.sqltests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
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
 * Runs every {@code sql/*.iq} script (Calcite's Quidem convention: SQL in, expected rows out)
 * against {@code jdbc:pqvector:<fixture>} as connection {@code docs}; the output must equal the
 * script. The actual output goes to {@code target/quidem/<name>.iq} for diffing.
 */
class QuidemTest {
  @TempDir static Path dir;

  /**
   * 12 documents, all values from formulas: embedding [i, i % 4, 10 - i, (i * i) % 7] for
   * i = 0..10 and NULL for i = 11. Small integers keep the expected distances checkable by hand.
   */
  @BeforeAll static void fixture() throws Exception {
    Fixtures.duck("COPY (SELECT i::BIGINT AS id, 'doc ' || i AS title,"
        + " CASE i % 3 WHEN 0 THEN 'de' WHEN 1 THEN 'en' ELSE 'fr' END AS lang,"
        + " (2000 + i)::INTEGER AS year,"
        + " CASE WHEN i = 11 THEN NULL"
        + " ELSE [i, i % 4, 10 - i, (i * i) % 7]::FLOAT[4] END AS embedding"
        + " FROM range(12) t(i)) TO " + Fixtures.lit(dir.resolve("docs.parquet"))
        + " (FORMAT parquet, ROW_GROUP_SIZE 5)");
  }

  @TestFactory Stream<DynamicTest> scripts() throws Exception {
    URL url = QuidemTest.class.getResource("/sql");
    Path scripts = Paths.get(url.toURI());
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(scripts)) {
      s.filter(p -> p.toString().endsWith(".iq")).sorted().forEach(files::add);
    }
    assertFalse(files.isEmpty(), "no .iq scripts under " + scripts);
    return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(),
        () -> run(f)));
  }

  static Connection connect(String name, boolean reference) throws Exception {
    if (name.equals("docs")) {
      return Fixtures.pqvector(dir);
    }
    throw new IllegalArgumentException("unknown connection '" + name + "'");
  }

  static void run(Path script) throws Exception {
    Path out = Paths.get("target", "quidem", script.getFileName().toString());
    Files.createDirectories(out.getParent());
    try (Reader r = Files.newBufferedReader(script, StandardCharsets.UTF_8);
        Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      Quidem.Config config = Quidem.configBuilder()
          .withReader(r)
          .withWriter(w)
          .withConnectionFactory(QuidemTest::connect)
          .build();
      new Quidem(config).execute();
    }
    String expected = Files.readString(script, StandardCharsets.UTF_8);
    String actual = Files.readString(out, StandardCharsets.UTF_8);
    if (!expected.equals(actual)) {
      fail("Quidem output differs from " + script.getFileName() + "; compare with\n  diff "
          + script.toAbsolutePath() + " " + out.toAbsolutePath() + "\n" + firstDifference(
              expected, actual));
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

  @SuppressWarnings("unused")
  private static File unused() {
    return null;
  }
}
