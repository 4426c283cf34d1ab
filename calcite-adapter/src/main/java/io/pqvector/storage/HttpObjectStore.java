package io.pqvector.storage;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Parquet file behind an {@code http://} or {@code https://} URL, read by plain HTTP range
 * requests (no listing, no signing; a pre-signed URL works as it is): the one-file table
 * {@code jdbc:pqvector:https://host/path/x.parquet}. Built on the JDK's HTTP client, so reading it
 * needs no library.
 *
 * <p>The object's version is its strong ETag, else its Last-Modified time, with its length (from
 * {@code Content-Range}). The "listing" is a ranged GET of the file's last {@link ObjectFileSystem#TAIL}
 * bytes (a HEAD is not allowed on a pre-signed GET URL), whose bytes serve the footer read, and
 * which later refreshes send with {@code If-None-Match} (a 304 costs no body). Every ranged GET
 * asks for that version ({@code If-Match}, or {@code If-Unmodified-Since} without an ETag) and the
 * response's validators and {@code Content-Range} are checked too, so a replaced object, a
 * server that ignores the conditions, or a body cut short is never read as the old one.
 * 5xx, 429 and broken connections are retried with backoff, four attempts in all.
 */
public final class HttpObjectStore implements ObjectStore {
  private static final int ATTEMPTS = 4;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(40);
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  private static final Map<String, ObjectFileSystem> OPEN = new ConcurrentHashMap<>();

  private final URI url;
  private final String name;
  private final String key;
  private final HttpClient client;
  private volatile StoredObject last;
  private volatile Fetched lastTail;

  HttpObjectStore(URI url) {
    this.url = url;
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    int slash = path.lastIndexOf('/');
    this.key = URLDecoder.decode(path.substring(slash + 1), StandardCharsets.UTF_8);
    this.name = url.getScheme() + "://" + url.getRawAuthority() + path.substring(0, slash);
    // h2 where TLS negotiates it; no cleartext upgrade dance on http://
    this.client = "https".equalsIgnoreCase(url.getScheme()) ? HTTPS : HTTP;
  }

  /** One client per protocol for every file (each client keeps a selector thread and a connection pool). */
  private static final HttpClient HTTPS = client(HttpClient.Version.HTTP_2);
  private static final HttpClient HTTP = client(HttpClient.Version.HTTP_1_1);

  private static HttpClient client(HttpClient.Version version) {
    return HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NORMAL).build();
  }

  public static boolean isHttp(String location) {
    String l = location.toLowerCase(Locale.ROOT);
    return l.startsWith("http://") || l.startsWith("https://");
  }

  /**
   * The folder of the one-file table {@code location} (an http or https URL of a {@code .parquet}
   * file), holding that file only. Reads the file's end once, so a missing file, refused access or
   * a server without range requests fails here, naming the URL.
   *
   * @param refresh seconds between checks of the object's version (null: 10)
   * @throws IllegalArgumentException for a malformed URL or setting
   */
  public static Path root(String location, String refresh) throws IOException {
    URI uri;
    try {
      uri = new URI(location);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URL: " + location + " (" + e.getReason() + ")");
    }
    if (uri.getHost() == null || uri.getRawPath() == null
        || !uri.getRawPath().toLowerCase(Locale.ROOT).endsWith(".parquet")) {
      throw new IllegalArgumentException("an http(s) location must be the URL of one Parquet file,"
          + " such as https://host/path/x.parquet, but is " + location);
    }
    long refreshMillis = refreshMillis(refresh);
    String cacheKey = location + "\u0000" + refreshMillis;
    ObjectFileSystem fs = OPEN.get(cacheKey);
    if (fs == null) {
      fs = new ObjectFileSystem(new HttpObjectStore(uri), "", refreshMillis);
      ObjectFileSystem raced = OPEN.putIfAbsent(cacheKey, fs);
      if (raced != null) {
        fs = raced;
      }
    } else {
      fs.root().toRealPath(); // reconnecting checks the file can still be read
    }
    return fs.root();
  }

  private static long refreshMillis(String text) {
    if (text == null) {
      return 10_000;
    }
    try {
      double seconds = Double.parseDouble(text.trim().toLowerCase(Locale.ROOT).replaceAll("s$", ""));
      if (seconds < 0 || Double.isNaN(seconds) || Double.isInfinite(seconds)) {
        throw new NumberFormatException();
      }
      return Math.round(seconds * 1000);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("s3.refresh must be a number of seconds such as 10 or 0 but is '"
          + text + "'");
    }
  }

  @Override
  public String name() {
    return name;
  }

  private String object() {
    return name + "/" + key;
  }

  @Override
  public List<StoredObject> list(String prefix) throws IOException {
    return key.startsWith(prefix) ? List.of(stat(key)) : List.of();
  }

  /** A ranged GET of the end: its Content-Range gives the length, its bytes serve the footer. */
  @Override
  public StoredObject stat(String key) throws IOException {
    if (!key.equals(this.key)) {
      throw new NoSuchFileException(name + "/" + key, null, "not the file of this URL");
    }
    StoredObject known = last;
    HttpRequest.Builder request = HttpRequest.newBuilder(url).GET().timeout(REQUEST_TIMEOUT)
        .header("Range", "bytes=-" + ObjectFileSystem.TAIL);
    if (known != null && isStrong(known.tag())) {
      request.header("If-None-Match", known.tag());
    }
    return send(request.build(), (status, headers, body) -> {
      if (status == 304 && known != null) {
        return known;
      }
      if (status == 416) {
        Matcher m = CONTENT_RANGE_UNSATISFIED.matcher(headers.firstValue("Content-Range").orElse(""));
        if (m.matches() && Long.parseLong(m.group(1)) == 0) {
          return remember(version(headers, 0), null);
        }
      }
      if (status == 200) {
        long length = headers.firstValueAsLong("Content-Length").orElse(-1);
        if (length < 0 || length > ObjectFileSystem.TAIL) {
          throw noRanges();
        }
        byte[] bytes = readBody(body, (int) length);
        return remember(version(headers, length), new Fetched(0, bytes));
      }
      if (status != 206) {
        throw failed(status, "reading");
      }
      long[] range = contentRange(headers);
      long length = range[2];
      byte[] bytes = readBody(body, (int) (range[1] - range[0] + 1));
      if (range[1] != length - 1) {
        throw new IOException(object() + ": asked for the last bytes, the server sent bytes "
            + range[0] + "-" + range[1] + " of " + length);
      }
      return remember(version(headers, length), new Fetched(range[0], bytes));
    });
  }

  private static final Pattern CONTENT_RANGE_UNSATISFIED = Pattern.compile("bytes \\*/(\\d+)");

  private StoredObject remember(StoredObject version, Fetched tail) {
    last = version;
    lastTail = tail;
    return version;
  }

  @Override
  public Fetched fetchedWithListing(StoredObject version) {
    Fetched tail = lastTail;
    lastTail = null;
    return tail != null && version.equals(last) ? tail : null;
  }

  @Override
  public void read(StoredObject version, long offset, ByteBuffer dst) throws IOException {
    int n = dst.remaining();
    HttpRequest.Builder request = HttpRequest.newBuilder(url).GET().timeout(REQUEST_TIMEOUT)
        .header("Range", "bytes=" + offset + "-" + (offset + n - 1));
    if (isStrong(version.tag())) {
      request.header("If-Match", version.tag());
    } else if (version.modifiedMillis() > 0) {
      request.header("If-Unmodified-Since", DateTimeFormatter.RFC_1123_DATE_TIME.format(
          java.time.Instant.ofEpochMilli(version.modifiedMillis()).atZone(java.time.ZoneOffset.UTC)));
    }
    send(request.build(), (status, headers, body) -> {
      if (status == 412) {
        throw new ObjectChangedException(object());
      }
      if (status == 200) {
        // The whole object instead of the range: changed (and the condition ignored) or no ranges.
        throw sameVersion(version, headers, headers.firstValueAsLong("Content-Length").orElse(-1))
            ? noRanges() : new ObjectChangedException(object());
      }
      if (status != 206) {
        throw failed(status, "reading");
      }
      long[] range = contentRange(headers);
      if (!sameVersion(version, headers, range[2])) {
        throw new ObjectChangedException(object());
      }
      if (range[0] != offset || range[1] != offset + n - 1) {
        throw new IOException(object() + ": asked for bytes " + offset + "-" + (offset + n - 1)
            + ", the server sent " + range[0] + "-" + range[1]);
      }
      dst.put(readBody(body, n));
      return null;
    });
  }

  /** What to make of one response; the body is closed afterwards. */
  private interface Reply<T> {
    T apply(int status, HttpHeaders headers, InputStream body) throws IOException;
  }

  /**
   * Sends {@code request} (retrying 5xx, 429 and broken connections, including a body cut short),
   * so that the file system's abort (cancel, timeout) stops it at any point.
   */
  private <T> T send(HttpRequest request, Reply<T> reply) throws IOException {
    IOException lastError = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (RequestAbort.aborted()) {
        throw new RequestAbortedException(object());
      }
      if (attempt > 1) {
        backoff(attempt);
      }
      CompletableFuture<HttpResponse<InputStream>> exchange =
          client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
      RequestAbort.onAbort(() -> exchange.cancel(true));
      HttpResponse<InputStream> response;
      try {
        response = exchange.get();
      } catch (InterruptedException e) {
        exchange.cancel(true);
        Thread.currentThread().interrupt();
        throw new RequestAbortedException(object());
      } catch (java.util.concurrent.CancellationException e) {
        throw new RequestAbortedException(object());
      } catch (ExecutionException e) {
        lastError = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        continue; // could not connect, connection reset before the response
      }
      InputStream body = response.body();
      RequestAbort.onAbort(() -> closeQuietly(body));
      int status = response.statusCode();
      try (body) {
        if (status >= 500 || status == 429) {
          lastError = failed(status, "reading");
          continue;
        }
        return reply.apply(status, response.headers(), body);
      } catch (ObjectChangedException | NoSuchFileException | AccessDeniedException
          | NoRangesException e) {
        throw e;
      } catch (IOException e) {
        if (RequestAbort.aborted()) {
          throw new RequestAbortedException(object());
        }
        lastError = e; // body cut short, connection reset while reading: ask again
      }
    }
    throw new IOException(object() + ": reading failed after " + ATTEMPTS + " attempts: "
        + lastError.getMessage(), lastError);
  }

  private static void backoff(int attempt) throws IOException {
    long millis = Math.min(2000, 100L << (attempt - 2));
    try {
      Thread.sleep(millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted");
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // aborting anyway
    }
  }

  /** Exactly {@code n} bytes, or an error: a body cut short is never passed on as data. */
  private byte[] readBody(InputStream body, int n) throws IOException {
    byte[] bytes = body.readNBytes(n);
    if (bytes.length < n) {
      throw new EOFException(object() + ": the response ended after " + bytes.length + " of " + n + " bytes");
    }
    if (body.read() >= 0) {
      throw new IOException(object() + ": the response is longer than the " + n + " bytes asked for");
    }
    return bytes;
  }

  private long[] contentRange(HttpHeaders headers) throws IOException {
    String value = headers.firstValue("Content-Range").orElse("");
    Matcher m = CONTENT_RANGE.matcher(value.trim());
    if (!m.matches() || m.group(3).equals("*")) {
      throw new IOException(object() + ": a partial response without a usable Content-Range ('" + value + "')");
    }
    return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
  }

  private StoredObject version(HttpHeaders headers, long length) {
    String etag = headers.firstValue("ETag").orElse("");
    long modified = lastModified(headers);
    String tag = isStrong(etag) ? etag : (etag.isEmpty() ? "" : etag + ";") + "modified=" + modified;
    return new StoredObject(key, length, tag, modified);
  }

  private static long lastModified(HttpHeaders headers) {
    try {
      return headers.firstValue("Last-Modified")
          .map(v -> ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli())
          .orElse(0L);
    } catch (DateTimeParseException e) {
      return 0;
    }
  }

  /** Whether a response describes {@code version}: same validators and length. */
  private boolean sameVersion(StoredObject version, HttpHeaders headers, long length) {
    return length == version.length() && version(headers, length).tag().equals(version.tag());
  }

  /** A strong ETag is the only validator If-Match may use. */
  private static boolean isStrong(String etag) {
    return etag.startsWith("\"") && etag.endsWith("\"") && etag.length() >= 2;
  }

  private IOException failed(int status, String doing) {
    if (status == 404 || status == 410) {
      return new NoSuchFileException(object(), null, "no such object (HTTP " + status + ")");
    }
    if (status == 401 || status == 403) {
      return new AccessDeniedException(object(), null, "access denied " + doing + " it (HTTP " + status
          + "); for a private object use a pre-signed URL or s3://");
    }
    return new IOException(object() + ": " + doing + " failed (HTTP " + status + ")");
  }

  private NoRangesException noRanges() {
    return new NoRangesException(object() + ": the server does not support HTTP range requests"
        + " (it answered a Range request with the whole file); download the file instead");
  }

  /** The server sends whole files only. */
  static final class NoRangesException extends IOException {
    NoRangesException(String message) {
      super(message);
    }
  }
}
