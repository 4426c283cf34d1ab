package io.pqvector.cli;

import io.pqvector.storage.HttpObjectStore;
import io.pqvector.storage.s3.S3Tables;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The object-storage switches of the commands that take a location ({@code --s3-endpoint URL},
 * {@code --s3-region R}, {@code --s3-path-style}; a picocli mixin), turned into connection
 * properties for {@code jdbc:pqvector:s3://...}. Credentials come from the AWS SDK's default chain
 * (environment, profiles, instance roles); without {@code --s3-endpoint} the SDK also reads
 * {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL}.
 */
final class S3Options {
  @Option(names = "--s3-endpoint", paramLabel = "URL",
      description = "S3 endpoint for an s3:// location (default: the AWS SDK's)")
  String endpoint;

  @Option(names = "--s3-region", paramLabel = "R", description = "S3 region for an s3:// location")
  String region;

  @Option(names = "--s3-path-style", description = "path-style S3 requests (bucket in the path)")
  boolean pathStyle;

  /** The switches as a URL suffix ({@code ;s3.endpoint=...}), empty when none is given. */
  String urlSuffix() throws UsageException {
    StringBuilder suffix = new StringBuilder();
    if (endpoint != null) {
      suffix.append(";s3.endpoint=").append(checked("--s3-endpoint", endpoint));
    }
    if (region != null) {
      suffix.append(";s3.region=").append(checked("--s3-region", region));
    }
    if (pathStyle) {
      suffix.append(";s3.pathStyle=true");
    }
    return suffix.toString();
  }

  private static String checked(String option, String value) throws UsageException {
    if (value.contains(";")) {
      throw new UsageException(option + " must not contain ';' but is '" + value + "'");
    }
    return value;
  }

  /**
   * The path of {@code location}: a local path, or an object {@code s3://bucket/prefix/name} in the
   * read-only file system of its folder, made with the settings {@code urlSuffix} carries.
   */
  static Path path(String location, String urlSuffix) throws IOException {
    if (HttpObjectStore.isHttp(location)) {
      Path root = HttpObjectStore.root(location, null);
      return root.resolve(root.getFileSystem().provider().newDirectoryStream(root, p -> true)
          .iterator().next().getFileName().toString());
    }
    if (!S3Tables.isS3(location)) {
      return Paths.get(location).toAbsolutePath().normalize();
    }
    Map<String, String> settings = new HashMap<>();
    for (String kv : urlSuffix.split(";")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        settings.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    int slash = location.lastIndexOf('/');
    return S3Tables.root(location.substring(0, slash), settings)
        .resolve(location.substring(slash + 1));
  }
}
