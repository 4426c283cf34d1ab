package io.pqvector.cli;

import io.pqvector.server.PqVectorServer;
import io.pqvector.server.Serialization;
import io.pqvector.server.ServerLimits;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code serve <dir> [--port 8765] [--host 127.0.0.1] [--serialization protobuf|json]
 * [--users <file>] [--tls-keystore <file>] [--<connection-property> <value>]...}: serves a
 * directory over Avatica's remote protocol until SIGTERM or Ctrl-C.
 */
final class ServeCommand {
  static final String USAGE_LINE = String.join("\n",
      "  serve <dir> [--port 8765] [--host 127.0.0.1] [--serialization protobuf|json]",
      "        [--users <file>] [--tls-keystore <file> [--tls-password-file <file>]]",
      "        [--max-rows N] [--max-concurrent-queries N] [--query-timeout S]",
      "        [--max-request-bytes N] [--nprobe N] [--use-index false] [--cache-size 1g] ...",
      "                                        serve a directory to JDBC clients (Avatica)");

  /** Options of the server itself; every other {@code --name value} is a connection property. */
  private static final Set<String> SERVER_OPTIONS = Set.of("--port", "--host",
      "--serialization", "--users", "--tls-keystore", "--tls-password-file", "--max-rows",
      "--max-concurrent-queries", "--query-timeout", "--max-request-bytes");

  private final PrintStream out;
  private final PrintStream err;

  ServeCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  int run(CommandLine cl) throws Exception {
    if (cl.positionals().size() != 1) {
      throw new CommandLine.UsageException("expected one directory: serve <dir> [options]");
    }
    PqVectorServer.Options o = options(cl, System.getenv("PQVECTOR_TLS_PASSWORD"));
    PqVectorServer server = PqVectorServer.start(o);
    out.println(server.url());
    out.println("serving " + o.root + " on port " + server.port() + " ("
        + (o.usersFile == null ? "no login" : "users from " + o.usersFile)
        + "); SIGTERM or Ctrl-C stops");
    out.flush();
    Thread stopper = new Thread(() -> {
      try {
        server.close();
      } catch (Exception e) {
        err.println("pqvector serve: stopping: " + e);
      }
    }, "pqvector-serve-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    server.join();
    return 0;
  }

  static PqVectorServer.Options options(CommandLine cl, String tlsPasswordEnv)
      throws CommandLine.UsageException, IOException {
    PqVectorServer.Options o = new PqVectorServer.Options();
    o.root = Paths.get(cl.positionals().get(0));
    o.host = cl.option("--host", o.host);
    o.port = cl.intOption("--port", o.port);
    try {
      o.serialization = Serialization.parse(cl.option("--serialization", "protobuf"));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.UsageException(e.getMessage());
    }
    String users = cl.option("--users", null);
    o.usersFile = users == null ? null : Paths.get(users);
    String keystore = cl.option("--tls-keystore", null);
    if (keystore != null) {
      o.tlsKeystore = Paths.get(keystore);
      String passwordFile = cl.option("--tls-password-file", null);
      if (passwordFile != null) {
        String text = Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8);
        o.tlsPassword = text.strip().toCharArray();
      } else if (tlsPasswordEnv != null) {
        o.tlsPassword = tlsPasswordEnv.toCharArray();
      } else {
        throw new CommandLine.UsageException("--tls-keystore needs its password in the"
            + " environment variable PQVECTOR_TLS_PASSWORD or in a file named by"
            + " --tls-password-file (never on the command line)");
      }
    }
    ServerLimits d = ServerLimits.DEFAULT;
    o.limits = new ServerLimits(longOption(cl, "--max-rows", d.maxRows()),
        cl.intOption("--max-concurrent-queries", d.maxConcurrentQueries()),
        cl.intOption("--query-timeout", d.queryTimeoutSeconds()),
        longOption(cl, "--max-request-bytes", d.maxRequestBytes()));
    Map<String, String> properties = new TreeMap<>();
    for (Map.Entry<String, String> e : cl.options().entrySet()) {
      if (!SERVER_OPTIONS.contains(e.getKey())) {
        properties.put(propertyName(e.getKey()), e.getValue());
      }
    }
    o.properties = properties;
    return o;
  }

  /** {@code --cache-size} is the connection property {@code cacheSize}. */
  static String propertyName(String option) {
    String name = option.startsWith("--") ? option.substring(2) : option;
    StringBuilder b = new StringBuilder();
    boolean upper = false;
    for (char c : name.toCharArray()) {
      if (c == '-') {
        upper = true;
      } else {
        b.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return b.toString();
  }

  private static long longOption(CommandLine cl, String name, long fallback)
      throws CommandLine.UsageException {
    String v = cl.option(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new CommandLine.UsageException(name + " expects a whole number but got '" + v + "'");
    }
  }
}
