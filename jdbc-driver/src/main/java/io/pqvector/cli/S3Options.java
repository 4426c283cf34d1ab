package io.pqvector.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The object-storage switches of the commands that take a location ({@code --s3-endpoint URL},
 * {@code --s3-region R}, {@code --s3-path-style}), turned into connection properties for
 * {@code jdbc:pqvector:s3://...}. Credentials come from the AWS SDK's default chain (environment,
 * profiles, instance roles); without {@code --s3-endpoint} the SDK also reads
 * {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL}.
 */
final class S3Options {
  static final String USAGE = "[--s3-endpoint URL] [--s3-region R] [--s3-path-style]";

  /** The arguments without the switches, and the URL suffix ({@code ;s3.endpoint=...}) they ask for. */
  record Taken(String[] rest, String urlSuffix) {}

  private S3Options() {}

  /**
   * The path of {@code location}: a local path, or an object {@code s3://bucket/prefix/name} in the
   * read-only file system of its folder, made with the settings {@code urlSuffix} carries.
   */
  static java.nio.file.Path path(String location, String urlSuffix) throws java.io.IOException {
    if (!io.pqvector.storage.s3.S3Tables.isS3(location)) {
      return java.nio.file.Paths.get(location).toAbsolutePath().normalize();
    }
    java.util.Map<String, String> settings = new java.util.HashMap<>();
    for (String kv : urlSuffix.split(";")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        settings.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    int slash = location.lastIndexOf('/');
    return io.pqvector.storage.s3.S3Tables.root(location.substring(0, slash), settings)
        .resolve(location.substring(slash + 1));
  }

  static Taken take(String[] args) throws CommandLine.UsageException {
    List<String> rest = new ArrayList<>();
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--s3-endpoint" -> suffix.append(";s3.endpoint=").append(value(args, ++i, "--s3-endpoint"));
        case "--s3-region" -> suffix.append(";s3.region=").append(value(args, ++i, "--s3-region"));
        case "--s3-path-style" -> suffix.append(";s3.pathStyle=true");
        default -> rest.add(args[i]);
      }
    }
    return new Taken(rest.toArray(new String[0]), suffix.toString());
  }

  private static String value(String[] args, int i, String option) throws CommandLine.UsageException {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new CommandLine.UsageException(option + " needs a value");
    }
    if (args[i].contains(";")) {
      throw new CommandLine.UsageException(option + " must not contain ';' but is '" + args[i] + "'");
    }
    return args[i];
  }
}
