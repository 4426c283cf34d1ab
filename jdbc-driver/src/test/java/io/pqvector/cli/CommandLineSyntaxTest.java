package io.pqvector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.server.PqVectorServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The argument syntax every command keeps from before picocli: {@code --name value} and
 * {@code --name=value}, the last of a repeated option, serve's pass-through of connection
 * properties in any position, sql's pass-through to sqlline, and exit code 2 for a wrong line.
 */
class CommandLineSyntaxTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private Streams streams() {
    return new Streams(new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  /** The command object picocli filled from {@code args}, without running it. */
  @SuppressWarnings("unchecked")
  private <T> T parsed(String... args) {
    CommandLine.ParseResult result = Main.commandLine(streams()).parseArgs(args);
    while (result.hasSubcommand()) {
      result = result.subcommand();
    }
    return (T) result.commandSpec().userObject();
  }

  @Test void bothValueFormsAndTheLastRepeatCount() {
    IndexCommand index = parsed("index", "f.parquet", "--column=a", "--lists", "7",
        "--column", "b", "--seed=3");
    assertEquals("b", index.indexOptions.column);
    assertEquals(7, index.indexOptions.lists);
    assertEquals(3, index.indexOptions.seed);
    assertEquals("f.parquet", index.target);
  }

  @Test void negativeNumbersAndAtSignsAreValues() {
    BenchCommand bench = parsed("bench", "@data.parquet", "--column", "v", "--warmup", "-1",
        "--noise=-0.5");
    assertEquals("@data.parquet", bench.fileName);
    assertEquals(-1, bench.warmup);
    assertEquals(-0.5, bench.noise);
  }

  @Test void serveTakesUnknownOptionsAsConnectionPropertiesAnywhere() throws Exception {
    ServeCommand serve = parsed("serve", "--cache-size", "1g", "/data", "--use-index=false",
        "--port", "0", "--nprobe", "16");
    PqVectorServer.Options o = serve.options(null);
    assertEquals("/data", o.root);
    assertEquals(0, o.port);
    assertEquals(Map.of("cacheSize", "1g", "useIndex", "false", "nprobe", "16"), o.properties);
  }

  @Test void serveNeedsAValueForEachProperty() {
    assertEquals(2, Main.run(new String[] {"serve", "/data", "--nprobe"},
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("option --nprobe needs a value"),
        err.toString(StandardCharsets.UTF_8));
  }

  @Test void sqlHandsOtherArgumentsToSqlline() {
    SqlCommand sql = parsed("sql", "/data", "--outputformat=csv", "-e", "SELECT 1");
    assertEquals("/data", sql.directory);
    assertEquals(List.of("SELECT 1"), sql.statements);
    assertEquals(List.of("--outputformat=csv"), sql.sqllineArguments);
  }

  @Test void wrongLinesExitWithTwoAndNameTheProblem() {
    String[][] lines = {
        {"demo", "--rows", "many"},
        {"demo", "--colour", "blue"},
        {"index", "f.parquet", "--threads"},
        {"bench", "f.parquet", "--k", "ten"},
        {"users"},
        {"users", "add", "only-a-file"},
    };
    String[] expected = {"'--rows'", "'--colour'", "--threads", "'--k'",
        "expected: users add <file> <name>", "expected: users add <file> <name>"};
    for (int i = 0; i < lines.length; i++) {
      out.reset();
      err.reset();
      int code = Main.run(lines[i], new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8));
      String message = err.toString(StandardCharsets.UTF_8);
      assertEquals(2, code, String.join(" ", lines[i]) + ": " + message);
      assertTrue(message.startsWith("pqvector " + lines[i][0] + ": ")
          && message.contains(expected[i]), String.join(" ", lines[i]) + ": " + message);
      assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
  }
}
