package io.pqvector.server;

import io.pqvector.calcite.prepare.PqVectorPrepare;
import io.pqvector.jdbc.ConnectionSettings;
import io.pqvector.jdbc.PqVectorDriver;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.calcite.avatica.remote.LocalService;
import org.apache.calcite.avatica.remote.Service;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * {@code pqvector serve}: one directory served to many JDBC clients over Avatica's remote
 * protocol (HTTP or HTTPS, protobuf or JSON). All connections share the process's decoded-page
 * and column caches; each remote connection is a pqvector connection with the server's root and
 * server-owned settings, and only the client-tunable properties of its own.
 */
public final class PqVectorServer implements AutoCloseable {
  /** What to serve and how. */
  public static final class Options {
    /** A directory or an {@code s3://bucket/prefix} URL. */
    public String root;
    public String host = "127.0.0.1";
    public int port = 8765;
    public Serialization serialization = Serialization.PROTOBUF;
    /** Connection properties by their driver names (nprobe, useIndex, cacheSize, ...). */
    public Map<String, String> properties = new LinkedHashMap<>();
    public Path usersFile;
    public Path tlsKeystore;
    public char[] tlsPassword;
    public ServerLimits limits = ServerLimits.DEFAULT;
    public int maxLoginFailures = 5;
    public long loginWindowMillis = 60_000;
  }

  private final Server jetty;
  private final ServerMeta meta;
  private final AvaticaRequestHandler handler;
  private final String url;

  private PqVectorServer(Server jetty, ServerMeta meta, AvaticaRequestHandler handler,
      String url) {
    this.jetty = jetty;
    this.meta = meta;
    this.handler = handler;
    this.url = url;
  }

  /** Validates the options, opens one connection to check them, and starts listening. */
  public static PqVectorServer start(Options o) throws Exception {
    if (o.root == null) {
      throw new IllegalArgumentException("no directory to serve");
    }
    InetAddress bind = InetAddress.getByName(o.host);
    if (o.usersFile == null && !bind.isLoopbackAddress()) {
      throw new IllegalArgumentException("refusing to listen on " + o.host + " without"
          + " --users: anyone who reaches it could read the served files. Add --users <file>"
          + " (see `users add`) or listen on 127.0.0.1");
    }
    StringBuilder url = new StringBuilder(ConnectionSettings.PREFIX).append(o.root);
    Properties defaults = new Properties();
    for (Map.Entry<String, String> e : o.properties.entrySet()) {
      boolean tunable = ServerMeta.CLIENT_TUNABLE.stream().anyMatch(e.getKey()::equalsIgnoreCase);
      if (tunable) {
        defaults.setProperty(e.getKey(), e.getValue());
      } else {
        url.append(';').append(e.getKey()).append('=').append(e.getValue());
      }
    }
    // Fails here, before listening, on a bad directory or property, with the driver's message.
    try (Connection probe = new PqVectorDriver().connect(url.toString(), defaults)) {
      probe.getMetaData();
    }
    BasicAuthenticator auth = o.usersFile == null ? null
        : new BasicAuthenticator(o.usersFile, o.maxLoginFailures, o.loginWindowMillis);
    ServerMeta meta = new ServerMeta(url.toString(), defaults, o.limits);
    Service service = new LocalService(RemoteErrors.translating(meta));
    AvaticaRequestHandler handler = new AvaticaRequestHandler(service, o.serialization, auth,
        o.limits.maxRequestBytes());

    QueuedThreadPool threads = new QueuedThreadPool(200, 8);
    threads.setName("pqvector-serve");
    Server jetty = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    ServerConnector connector;
    String scheme;
    if (o.tlsKeystore != null) {
      if (o.tlsPassword == null) {
        throw new IllegalArgumentException("--tls-keystore needs its password in the environment"
            + " variable PQVECTOR_TLS_PASSWORD or in a file named by --tls-password-file");
      }
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStorePath(o.tlsKeystore.toAbsolutePath().toString());
      ssl.setKeyStorePassword(new String(o.tlsPassword));
      http.addCustomizer(new SecureRequestCustomizer(false));
      connector = new ServerConnector(jetty,
          new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
      scheme = "https";
    } else {
      connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
      scheme = "http";
    }
    connector.setHost(o.host);
    connector.setPort(o.port);
    jetty.addConnector(connector);
    jetty.setHandler(handler);
    jetty.setStopAtShutdown(false);
    try {
      jetty.start();
    } catch (IOException e) {
      jetty.stop();
      throw new IOException("cannot listen on " + o.host + ":" + o.port + ": " + e.getMessage(),
          e);
    }
    String host = o.host.contains(":") ? "[" + o.host + "]" : o.host;
    String address = scheme + "://" + host + ":" + connector.getLocalPort();
    handler.setRpcMetadata(new Service.RpcMetadataResponse(address));
    handler.setStatus(() -> status(meta, handler));
    service.setRpcMetadata(new Service.RpcMetadataResponse(address));
    String clientUrl = "jdbc:avatica:remote:url=" + address + ";serialization="
        + o.serialization.urlName() + (auth != null ? ";authentication=BASIC" : "");
    return new PqVectorServer(jetty, meta, handler, clientUrl);
  }

  /**
   * What {@code GET /status} answers: queries running now, open connections, requests being
   * handled, queries cancelled because their client went away, and the JVM-wide plan cache's
   * plans made, reused and held.
   */
  private static String status(ServerMeta meta, AvaticaRequestHandler handler) {
    PqVectorPrepare.PlanCacheStats plans = PqVectorPrepare.planCacheStats();
    return "{\"runningQueries\":" + meta.runningQueries()
        + ",\"openConnections\":" + meta.openConnections()
        + ",\"requestsInFlight\":" + handler.inFlight()
        + ",\"cancelledForDisconnect\":" + handler.cancelledForDisconnect()
        + ",\"plansBuilt\":" + plans.built()
        + ",\"plansReused\":" + plans.reused()
        + ",\"plansCached\":" + plans.size() + "}\n";
  }

  /** Queries running now (executing or fetching rows), over all connections. */
  public int runningQueries() {
    return meta.runningQueries();
  }

  /** Queries cancelled because their client went away (closed its connection mid-query). */
  public long cancelledForDisconnect() {
    return handler.cancelledForDisconnect();
  }

  /** The JDBC URL a client connects with (add avatica_user/avatica_password with --users). */
  public String url() {
    return url;
  }

  public int port() {
    return ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
  }

  /**
   * Stops: new requests are refused, running queries are cancelled (their clients get an error,
   * never part of an answer), connections are closed, then the listener.
   */
  @Override public void close() throws Exception {
    handler.stopAccepting();
    meta.stop();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (handler.inFlight() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    meta.closeAll();
    jetty.stop();
    handler.close();
  }

  public void join() throws InterruptedException {
    jetty.join();
  }

}
