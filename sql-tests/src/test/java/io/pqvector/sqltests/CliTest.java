package io.pqvector.sqltests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line through {@link Main#run}: exit codes and what it prints. */
class CliTest {
  @TempDir Path dir;

  /**
   * Exit code, what went to the given streams, what leaked to System.out meanwhile, and the
   * status of a System.exit call if the command made one (it must not: run returns the code).
   */
  record Result(int code, String out, String err, String systemOut, Integer systemExit) {}

  /** Thrown instead of letting a System.exit call end the test JVM. */
  static final class ExitAttempt extends SecurityException {
    final int status;

    ExitAttempt(int status) {
      super("System.exit(" + status + ")");
      this.status = status;
    }
  }

  /** Blocks System.exit during a command (Java 17 still allows a SecurityManager). */
  @SuppressWarnings("removal")
  static final class NoExit extends SecurityManager {
    volatile Integer attempted;

    @Override public void checkExit(int status) {
      if (attempted == null) {
        attempted = status;
      }
      throw new ExitAttempt(status);
    }

    @Override public void checkPermission(java.security.Permission perm) {}

    @Override public void checkPermission(java.security.Permission perm, Object context) {}
  }

  static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream sys = new ByteArrayOutputStream();
    PrintStream savedOut = System.out;
    System.setOut(new PrintStream(sys, true, StandardCharsets.UTF_8));
    @SuppressWarnings("removal") SecurityManager savedSecurity = System.getSecurityManager();
    int code;
    Integer exit = null;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      NoExit guard = new NoExit();
      setSecurityManager(guard);
      try {
        code = Main.run(args, o, e);
      } catch (ExitAttempt x) {
        code = x.status;
      }
      exit = guard.attempted;
    } finally {
      setSecurityManager(savedSecurity);
      System.setOut(savedOut);
    }
    return new Result(code, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8), sys.toString(StandardCharsets.UTF_8), exit);
  }

  @SuppressWarnings("removal")
  static void setSecurityManager(SecurityManager sm) {
    System.setSecurityManager(sm);
  }

  @Test void sqlWithOneStatementPrintsTheCount() throws Exception {
    Fixtures.writeDocs(dir.resolve("docs.parquet"), 2345, 8, 1000);
    Result r = run("sql", dir.toString(), "-e", "SELECT COUNT(*) FROM docs");
    assertEquals(null, r.systemExit(), "Main.run must return its exit code, not call System.exit;"
        + " out: '" + r.out() + "', System.out: '" + r.systemOut() + "'");
    assertEquals(0, r.code(), () -> "stderr: " + r.err() + "\nstdout: " + r.out());
    assertTrue(r.out().contains("2345"), "the count on the 'out' stream given to Main.run; got '"
        + r.out() + "'" + (r.systemOut().contains("2345")
            ? " (it went to System.out instead: '" + r.systemOut().trim() + "')" : ""));
  }

  /** A 128-number vector column used to centre its header far past the screen's edge. */
  @Test void sqlShowsTheVectorColumnsHeader() throws Exception {
    Fixtures.writeDocs(dir.resolve("docs.parquet"), 3, 128, 1000);
    Result r = run("sql", dir.toString(), "-e", "SELECT * FROM docs WHERE id = 1");
    assertEquals(0, r.code(), () -> "stderr: " + r.err());
    String header = r.out().lines().filter(l -> l.contains("title")).findFirst().orElse("");
    assertTrue(header.contains("embedding"), r.out());
  }

  @Test void sqlWithAFailingStatementIsNotSuccess() throws Exception {
    Fixtures.writeDocs(dir.resolve("docs.parquet"), 20, 8, 1000);
    Result r = run("sql", dir.toString(), "-e", "SELECT * FROM no_such_table");
    assertTrue(r.code() != 0, "exit code " + r.code());
    assertEquals(null, r.systemExit(), "Main.run must return its exit code, not call System.exit");
  }

  @Test void sqlWithoutDirectoryIsAUsageError() {
    Result r = run("sql");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("directory"), r.err());
  }

  @Test void unknownCommandExitsWithTwoAndUsage() {
    Result r = run("frobnicate");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("frobnicate"), r.err());
    assertTrue(r.err().contains("usage:"), r.err());
    assertTrue(r.err().contains("demo") && r.err().contains("sql"), r.err());
  }

  @Test void noArgumentsExitsWithTwoAndUsage() {
    Result r = run();
    assertEquals(2, r.code());
    assertTrue(r.err().contains("usage:"), r.err());
  }

  @Test void helpPrintsUsage() {
    Result r = run("help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("usage:"), r.out());
  }

  @Test void helpOnEveryCommandPrintsThatCommandsUsage() {
    for (String command : new String[] {"demo", "index", "rewrite", "bench", "sql"}) {
      for (String flag : new String[] {"--help", "-h"}) {
        Result r = run(command, flag);
        assertEquals(0, r.code(), command + " " + flag + ": " + r.err());
        assertTrue(r.out().startsWith("usage: java -jar pqvector.jar " + command + " "),
            command + " " + flag + ": " + r.out());
        assertTrue(r.err().isEmpty(), r.err());
      }
    }
    assertTrue(run("bench", "--help").out().contains("--target-recall"));
  }

  @Test void demoWritesDataAndPrintsRowsAndPlans() throws Exception {
    Path demo = dir.resolve("demo");
    Result r = run("demo", "--dir", demo.toString(), "--rows", "2000", "--dim", "16");
    assertEquals(0, r.code(), () -> "stderr: " + r.err());
    assertTrue(Files.size(demo.resolve("docs.parquet")) > 0);
    assertTrue(r.out().contains("2,000") || r.out().contains("2000"), r.out());
    assertTrue(r.out().contains("(5 rows)"), r.out());
    assertTrue(r.out().contains("(3 rows)"), r.out());
    assertTrue(r.out().contains("plan:"), r.out());
    assertTrue(r.out().contains("ParquetTableScan") || r.out().contains("Scan"), r.out());
    // The demo's nearest neighbour of document 7 (exact search) is document 7 itself.
    assertTrue(r.out().matches("(?s).*\\n7 +\\| .*"), r.out());
  }

  @Test void demoRunsOnASmallTable() {
    // The prepared-statement part takes its query vectors from documents 0, 31, ..., 589: on a
    // table of 300 it must wrap around, not ask for documents that do not exist.
    Result r = run("demo", "--dir", dir.resolve("small").toString(), "--rows", "300", "--dim", "8");
    assertEquals(0, r.code(), () -> "stderr: " + r.err());
    assertTrue(r.out().contains("(fastest of 20 runs"), r.out());
  }

  @Test void demoRejectsBadOptions() {
    assertEquals(2, run("demo", "--rows", "many").code());
    assertEquals(2, run("demo", "--dir", dir.toString(), "--rows", "5").code());
    assertEquals(2, run("demo", "--colour", "blue").code());
  }
}
