package io.pqvector.s3tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar pqvector.jar serve ...} in a process of its own, as a user starts it: the
 * client URL it prints first, and a SIGTERM that must stop it when the test is done.
 */
final class JarServer implements AutoCloseable {
  final Process process;
  /** The {@code jdbc:avatica:remote:...} URL the server printed. */
  final String url;

  JarServer(Map<String, String> environment, String... serveArguments) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        System.getProperty("pqvector.jar"), "serve"));
    command.addAll(List.of(serveArguments));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(environment);
    pb.redirectErrorStream(true);
    process = pb.start();
    BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    url = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        return null;
      }
    }).get(120, TimeUnit.SECONDS);
    assertTrue(url != null && url.startsWith("jdbc:avatica:remote:url=http://127.0.0.1:"),
        "serve prints its client URL first, got: " + url);
    Thread pump = new Thread(() -> out.lines().forEach(l -> { }), "serve-output");
    pump.setDaemon(true);
    pump.start();
  }

  @Override public void close() throws InterruptedException {
    process.destroy();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "serve stops on SIGTERM");
  }
}
