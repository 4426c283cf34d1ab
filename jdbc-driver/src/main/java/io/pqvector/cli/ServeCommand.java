package io.pqvector.cli;

import io.pqvector.server.PqVectorServer;
import io.pqvector.server.Serialization;
import io.pqvector.server.ServerLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code serve <dir> [--port 8765] [--host 127.0.0.1] ... [--<connection-property> <value>]...}:
 * serves a directory over Avatica's remote protocol until SIGTERM or Ctrl-C.
 */
@Command(name = "serve", description = "serve a directory to JDBC clients (Avatica)",
    footer = {"", "Any other --<property> <value> is a connection property in kebab-case, e.g.",
        "--nprobe 16, --use-index false, --cache-size 1g, --follow-symlinks true, --recall 0.95."})
final class ServeCommand extends CliCommand {
  /**
   * The directory and the connection properties, in the order given: picocli hands over every
   * option it does not know (see Main), so {@code --cache-size 1g} needs no declaration here.
   */
  @Parameters(paramLabel = "<dir> [--<connection-property> <value>]...", hideParamSyntax = true,
      description = "the directory to serve, then any connection properties")
  List<String> arguments = new ArrayList<>();

  @Option(names = "--port", paramLabel = "N", description = "port to listen on (default 8765)")
  Integer port;

  @Option(names = "--host", paramLabel = "H",
      description = "address to listen on; without --users only a loopback address (default 127.0.0.1)")
  String host;

  @Option(names = "--serialization", paramLabel = "protobuf|json", defaultValue = "protobuf",
      description = "Avatica wire format; clients must name the same (default: ${DEFAULT-VALUE})")
  String serialization;

  @Option(names = "--users", paramLabel = "<file>",
      description = "require HTTP BASIC logins from this users file (see users)")
  String users;

  @Option(names = "--tls-keystore", paramLabel = "<file>",
      description = "serve HTTPS with this keystore; its password comes from PQVECTOR_TLS_PASSWORD"
          + " or --tls-password-file")
  String tlsKeystore;

  @Option(names = "--tls-password-file", paramLabel = "<file>",
      description = "a file holding the keystore's password")
  String tlsPasswordFile;

  @Option(names = "--max-rows", paramLabel = "N",
      description = "rows one query may return; more is an error (default 1,000,000)")
  Long maxRows;

  @Option(names = "--max-concurrent-queries", paramLabel = "N",
      description = "queries one connection may run at the same time (default 4)")
  Integer maxConcurrentQueries;

  @Option(names = "--query-timeout", paramLabel = "S",
      description = "seconds before a query is cancelled (default 300)")
  Integer queryTimeout;

  @Option(names = "--max-request-bytes", paramLabel = "N",
      description = "size of one request (default 64 MiB)")
  Long maxRequestBytes;

  ServeCommand(Streams streams) {
    super(streams);
  }

  @Override public Integer call() throws Exception {
    PqVectorServer.Options o = options(System.getenv("PQVECTOR_TLS_PASSWORD"));
    PqVectorServer server = PqVectorServer.start(o);
    out().println(server.url());
    out().println("serving " + o.root + " on port " + server.port() + " ("
        + (o.usersFile == null ? "no login" : "users from " + o.usersFile)
        + "); SIGTERM or Ctrl-C stops");
    out().flush();
    Thread stopper = new Thread(() -> {
      try {
        server.close();
      } catch (Exception e) {
        err().println("pqvector serve: stopping: " + e);
      }
    }, "pqvector-serve-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    server.join();
    return 0;
  }

  PqVectorServer.Options options(String tlsPasswordEnv) throws UsageException, IOException {
    List<String> positionals = new ArrayList<>();
    Map<String, String> properties = new TreeMap<>();
    for (int i = 0; i < arguments.size(); i++) {
      String a = arguments.get(i);
      if (!a.startsWith("--")) {
        positionals.add(a);
      } else if (a.equals("--s3-path-style")) {
        properties.put("s3.pathStyle", "true"); // a bare switch, as in sql and bench
      } else if (a.contains("=")) {
        properties.put(propertyName(a.substring(0, a.indexOf('='))),
            a.substring(a.indexOf('=') + 1));
      } else if (i + 1 < arguments.size()) {
        properties.put(propertyName(a), arguments.get(++i));
      } else {
        throw new UsageException("option " + a + " needs a value");
      }
    }
    if (positionals.size() != 1) {
      throw new UsageException("expected one directory: serve <dir, s3://bucket/prefix or http(s) URL of a file> [options]");
    }
    PqVectorServer.Options o = new PqVectorServer.Options();
    String location = positionals.get(0);
    boolean remote = location.startsWith("s3://") || location.startsWith("http://")
        || location.startsWith("https://");
    o.root = remote ? location : Paths.get(location).toString();
    o.host = host == null ? o.host : host;
    o.port = port == null ? o.port : port;
    try {
      o.serialization = Serialization.parse(serialization);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    o.usersFile = users == null ? null : Paths.get(users);
    if (tlsKeystore != null) {
      o.tlsKeystore = Paths.get(tlsKeystore);
      if (tlsPasswordFile != null) {
        String text = Files.readString(Path.of(tlsPasswordFile), StandardCharsets.UTF_8);
        o.tlsPassword = text.strip().toCharArray();
      } else if (tlsPasswordEnv != null) {
        o.tlsPassword = tlsPasswordEnv.toCharArray();
      } else {
        throw new UsageException("--tls-keystore needs its password in the"
            + " environment variable PQVECTOR_TLS_PASSWORD or in a file named by"
            + " --tls-password-file (never on the command line)");
      }
    }
    ServerLimits d = ServerLimits.DEFAULT;
    o.limits = new ServerLimits(maxRows == null ? d.maxRows() : maxRows,
        maxConcurrentQueries == null ? d.maxConcurrentQueries() : maxConcurrentQueries,
        queryTimeout == null ? d.queryTimeoutSeconds() : queryTimeout,
        maxRequestBytes == null ? d.maxRequestBytes() : maxRequestBytes);
    o.properties = properties;
    return o;
  }

  /** {@code --cache-size} is the connection property {@code cacheSize}. */
  static String propertyName(String option) {
    String name = option.startsWith("--") ? option.substring(2) : option;
    if (name.equals("s3-endpoint") || name.equals("s3-region")) {
      return "s3." + name.substring(3); // the switches sql and bench take
    }
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
}
