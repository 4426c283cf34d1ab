package io.pqvector.sqltests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code pqvector serve} in a JVM of its own, as users run it. */
final class ServerProcess implements AutoCloseable {
  final Process process;
  final String url;
  private final StringBuilder output = new StringBuilder();

  ServerProcess(Path dir, String... options) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-cp",
        System.getProperty("java.class.path"), "io.pqvector.cli.Main", "serve", dir.toString()));
    command.addAll(List.of(options));
    process = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8));
    CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        return null;
      }
    });
    String line = first.get(180, TimeUnit.SECONDS);
    if (line == null || !line.startsWith("jdbc:avatica:remote:url=")) {
      process.destroyForcibly();
      throw new IllegalStateException("serve did not print its URL first but: " + line);
    }
    url = line;
    Thread pump = new Thread(() -> {
      try {
        for (String l; (l = out.readLine()) != null; ) {
          synchronized (output) {
            output.append(l).append('\n');
          }
        }
      } catch (IOException ignored) {
        // The process ended.
      }
    }, "serve-output");
    pump.setDaemon(true);
    pump.start();
  }

  String output() {
    synchronized (output) {
      return output.toString();
    }
  }

  @Override public void close() throws Exception {
    process.destroyForcibly();
    process.waitFor(60, TimeUnit.SECONDS);
  }

  /**
   * The server's {@code GET /status} figures (queries running, connections, plans made and
   * reused, ...), read as any monitoring tool would, by plain HTTP.
   */
  static java.util.Map<String, Long> status(String clientUrl) throws Exception {
    String address = clientUrl.replaceAll(".*url=([^;]+).*", "$1");
    java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(address + "/status")).GET()
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET /status: " + r.statusCode() + " " + r.body());
    }
    java.util.Map<String, Long> figures = new java.util.TreeMap<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"(\\w+)\":(-?\\d+)")
        .matcher(r.body());
    while (m.find()) {
      figures.put(m.group(1), Long.parseLong(m.group(2)));
    }
    return figures;
  }

  static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
