package io.pqvector.storage.s3;

import io.pqvector.storage.ObjectFileSystem;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * The folder named by {@code s3://bucket/prefix} as the root {@link Path} of a table directory,
 * with the connection settings {@code s3.endpoint}, {@code s3.region}, {@code s3.pathStyle},
 * {@code s3.accessKeyId}, {@code s3.secretAccessKey}, {@code s3.sessionToken}, {@code s3.profile},
 * {@code s3.anonymous} and {@code s3.refresh}. Connections with the same location and settings share
 * one file system, hence one listing and one cache of footers per object version.
 */
public final class S3Tables {
  public static final String SCHEME = "s3://";
  /** Connection settings this class reads, with their descriptions. */
  public static final Map<String, String> SETTINGS = Map.of(
      "s3.endpoint", "S3-compatible endpoint URL, e.g. http://127.0.0.1:9000 (default: AWS, or"
          + " AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)",
      "s3.region", "region (default: the AWS SDK's chain, e.g. AWS_REGION; else us-east-1)",
      "s3.pathStyle", "true for path-style requests (default: true for an IP or localhost endpoint)",
      "s3.accessKeyId", "access key (default: the AWS SDK's credential chain)",
      "s3.secretAccessKey", "secret key, with s3.accessKeyId",
      "s3.sessionToken", "session token of temporary credentials, with s3.accessKeyId",
      "s3.profile", "named profile of ~/.aws/config and ~/.aws/credentials",
      "s3.anonymous", "true sends unsigned requests (public buckets)",
      "s3.refresh", "seconds between checks of the listing and object versions (default 10; 0 ="
          + " every query)");

  private static final Map<String, ObjectFileSystem> OPEN = new ConcurrentHashMap<>();

  private S3Tables() {}

  public static boolean isS3(String location) {
    return location.regionMatches(true, 0, SCHEME, 0, SCHEME.length());
  }

  /**
   * The root folder of {@code location}; {@code settings} maps the keys of {@link #SETTINGS} (other
   * keys are ignored). Lists the folder, so a missing bucket or refused access fails here.
   *
   * @throws IllegalArgumentException for a malformed location or setting
   * @throws IOException when the folder cannot be listed (the message names it)
   */
  public static Path root(String location, Map<String, String> settings) throws IOException {
    Location where = Location.parse(location);
    Map<String, String> own = new TreeMap<>();
    settings.forEach((k, v) -> {
      if (SETTINGS.containsKey(k) && v != null) {
        own.put(k, v);
      }
    });
    String cacheKey = where.bucket + "\u0000" + where.prefix + "\u0000" + own;
    ObjectFileSystem fs = OPEN.get(cacheKey);
    if (fs == null) {
      long refreshMillis = refreshMillis(own.get("s3.refresh"));
      S3ObjectStore store = new S3ObjectStore(client(own), where.bucket);
      try {
        fs = new ObjectFileSystem(store, where.prefix, refreshMillis);
      } catch (IOException | RuntimeException e) {
        store.close();
        throw e;
      }
      ObjectFileSystem raced = OPEN.putIfAbsent(cacheKey, fs);
      if (raced != null) {
        fs.close();
        fs = raced;
      }
    } else {
      fs.root().toRealPath(); // reconnecting checks the folder can still be read
    }
    return fs.root();
  }

  /** {@code s3://bucket/prefix} split into the bucket and a folder prefix ("" or ending in '/'). */
  record Location(String bucket, String prefix) {
    static Location parse(String location) {
      if (!isS3(location)) {
        throw new IllegalArgumentException("not an s3:// location: " + location);
      }
      String rest = location.substring(SCHEME.length());
      int slash = rest.indexOf('/');
      String bucket = slash < 0 ? rest : rest.substring(0, slash);
      String prefix = slash < 0 ? "" : rest.substring(slash + 1);
      if (bucket.isEmpty()) {
        throw new IllegalArgumentException("the location " + location + " names no bucket; expected"
            + " s3://bucket/prefix");
      }
      while (prefix.startsWith("/")) {
        prefix = prefix.substring(1);
      }
      if (!prefix.isEmpty() && !prefix.endsWith("/")) {
        prefix = prefix + "/";
      }
      return new Location(bucket, prefix);
    }
  }

  static long refreshMillis(String text) {
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

  private static boolean flag(Map<String, String> s, String key) {
    String v = s.get(key);
    if (v == null) {
      return false;
    }
    if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
      throw new IllegalArgumentException(key + " must be true or false but is '" + v + "'");
    }
    return Boolean.parseBoolean(v);
  }

  static S3Client client(Map<String, String> s) {
    S3ClientBuilder b = S3Client.builder()
        // (a client passed in is not closed with the S3 client; this one holds nothing to close)
        .httpClient(new AbortableHttpClient(UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(10))
            .socketTimeout(Duration.ofSeconds(30)).build()))
        // A stuck request must not hold a query forever; the SDK retries throttling and 5xx
        // responses (standard retry mode, with backoff) inside this budget.
        .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofMinutes(2))
            .apiCallAttemptTimeout(Duration.ofSeconds(40)))
        // Ranged reads carry no whole-object checksum, and S3-compatible stores differ in which
        // checksum headers they accept: check only where the API requires it.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    String endpoint = s.get("s3.endpoint");
    if (endpoint == null) {
      // The SDK reads these itself; reading them here too lets a local endpoint get path style.
      endpoint = firstNonBlank(System.getenv("AWS_ENDPOINT_URL_S3"), System.getenv("AWS_ENDPOINT_URL"));
    }
    boolean pathStyle = false;
    if (endpoint != null) {
      URI uri;
      try {
        uri = new URI(endpoint.trim());
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("s3.endpoint must be a URL such as http://127.0.0.1:9000 but is '"
            + endpoint + "'");
      }
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new IllegalArgumentException("s3.endpoint must be a URL such as http://127.0.0.1:9000 but is '"
            + endpoint + "'");
      }
      b.endpointOverride(uri);
      String host = uri.getHost();
      // Virtual-host-style requests put the bucket in the host name, which an IP address cannot carry.
      pathStyle = host.equals("localhost") || host.matches("[0-9.]+") || host.startsWith("[");
    }
    if (s.containsKey("s3.pathStyle")) {
      pathStyle = flag(s, "s3.pathStyle");
    }
    b.forcePathStyle(pathStyle);
    b.region(region(s.get("s3.region")));
    b.credentialsProvider(credentials(s));
    return b.build();
  }

  private static String firstNonBlank(String a, String b) {
    return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : null;
  }

  private static Region region(String configured) {
    if (configured != null && !configured.isBlank()) {
      return Region.of(configured.trim());
    }
    try {
      return new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkClientException e) {
      return Region.US_EAST_1;
    }
  }

  private static AwsCredentialsProvider credentials(Map<String, String> s) {
    if (flag(s, "s3.anonymous")) {
      return AnonymousCredentialsProvider.create();
    }
    String key = s.get("s3.accessKeyId");
    String secret = s.get("s3.secretAccessKey");
    if (key != null || secret != null) {
      if (key == null || secret == null) {
        throw new IllegalArgumentException("s3.accessKeyId and s3.secretAccessKey go together; one is missing");
      }
      String token = s.get("s3.sessionToken");
      return StaticCredentialsProvider.create(token == null
          ? AwsBasicCredentials.create(key, secret)
          : AwsSessionCredentials.create(key, secret, token));
    }
    String profile = s.get("s3.profile");
    if (profile != null) {
      return ProfileCredentialsProvider.create(profile);
    }
    return DefaultCredentialsProvider.builder().build();
  }
}
