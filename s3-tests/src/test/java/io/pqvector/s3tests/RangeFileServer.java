package io.pqvector.s3tests;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A static file server on 127.0.0.1 (the JDK's HttpServer) as web servers and CDNs behave for
 * Parquet files: single byte ranges ({@code a-b}, {@code a-}, {@code -n}), a strong ETag and
 * Last-Modified, {@code If-Match} (412) and {@code If-None-Match} (304). Files under
 * {@code /private/} answer 403; under {@code /noranges/} Range is ignored (200 with the whole file).
 */
final class RangeFileServer implements AutoCloseable {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  private final HttpServer server;
  private final Path root;
  final AtomicInteger requests = new AtomicInteger();
  final URI base;

  RangeFileServer(Path root) throws IOException {
    this.root = root;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(Executors.newFixedThreadPool(16, r -> {
      Thread t = new Thread(r, "range-file-server");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", this::handle);
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void handle(HttpExchange x) throws IOException {
    requests.incrementAndGet();
    try (x) {
      String path = x.getRequestURI().getPath();
      Path file = root.resolve(path.substring(1)).normalize();
      if (path.startsWith("/private/")) {
        x.sendResponseHeaders(403, -1);
        return;
      }
      if (!file.startsWith(root) || !Files.isRegularFile(file)) {
        x.sendResponseHeaders(404, -1);
        return;
      }
      byte[] bytes = Files.readAllBytes(file);
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      String etag = "\"" + Long.toHexString(a.size()) + "-" + Long.toHexString(a.lastModifiedTime().toMillis())
          + "-" + Integer.toHexString(java.util.Arrays.hashCode(bytes)) + "\"";
      x.getResponseHeaders().set("ETag", etag);
      x.getResponseHeaders().set("Last-Modified", DateTimeFormatter.RFC_1123_DATE_TIME.format(
          Instant.ofEpochMilli(a.lastModifiedTime().toMillis()).atZone(ZoneOffset.UTC)));
      String ifMatch = x.getRequestHeaders().getFirst("If-Match");
      if (ifMatch != null && !ifMatch.equals(etag)) {
        x.sendResponseHeaders(412, -1);
        return;
      }
      String ifNoneMatch = x.getRequestHeaders().getFirst("If-None-Match");
      if (ifNoneMatch != null && ifNoneMatch.equals(etag)) {
        x.sendResponseHeaders(304, -1);
        return;
      }
      String range = x.getRequestHeaders().getFirst("Range");
      Matcher m = range == null || path.startsWith("/noranges/") ? null : RANGE.matcher(range.trim());
      if (m == null || !m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
        x.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
          out.write(bytes);
        }
        return;
      }
      x.getResponseHeaders().set("Accept-Ranges", "bytes");
      long n = bytes.length;
      long first;
      long last;
      if (m.group(1).isEmpty()) {
        first = Math.max(0, n - Long.parseLong(m.group(2)));
        last = n - 1;
      } else {
        first = Long.parseLong(m.group(1));
        last = m.group(2).isEmpty() ? n - 1 : Math.min(n - 1, Long.parseLong(m.group(2)));
      }
      if (first >= n || last < first) {
        x.getResponseHeaders().set("Content-Range", "bytes */" + n);
        x.sendResponseHeaders(416, -1);
        return;
      }
      x.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + last + "/" + n);
      x.sendResponseHeaders(206, last - first + 1);
      try (OutputStream out = x.getResponseBody()) {
        out.write(bytes, (int) first, (int) (last - first + 1));
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
