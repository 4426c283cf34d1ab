package io.pqvector.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver without pqvector-embed.jar: embed() in SQL and the embed command fail with a
 * message naming the jar to add. Runs a JVM whose class path is this test's minus the module's
 * own classes and the model, ONNX Runtime, tokenizer and langchain4j jars.
 */
class WithoutTheModuleTest {
  @TempDir Path tmp;

  @Test
  void sqlAndTheCommandNameTheJarToAdd() throws Exception {
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = duck.createStatement()) {
      s.execute("COPY (SELECT 1 AS id, 'some text' AS body, [0.5, 0.5]::FLOAT[] AS vec) TO '"
          + tmp.resolve("docs.parquet") + "' (FORMAT parquet)");
    }
    List<String> kept = new ArrayList<>();
    int dropped = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String e = entry.replace('\\', '/');
      if (e.endsWith("embed/target/classes") || e.contains("langchain4j")
          || e.contains("onnxruntime") || e.contains("/ai/djl/")) {
        dropped++;
      } else {
        kept.add(entry);
      }
    }
    assertTrue(dropped >= 4, "expected the module and its jars on this test's class path");
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-cp",
        String.join(File.pathSeparator, kept), NoModuleProbe.class.getName(), tmp.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("SQL: 0A000 ") && out.contains("pqvector-embed.jar"), out);
    assertTrue(out.contains("pqvector embed: embed needs the optional module pqvector-embed.jar"),
        out);
    assertTrue(out.contains("CLI exit 1"), out);
    assertTrue(Files.notExists(tmp.resolve("out.parquet")));
  }
}
