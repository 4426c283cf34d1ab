package io.pqvector.jdbc;

import io.pqvector.storage.HttpObjectStore;
import io.pqvector.storage.s3.S3Tables;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The root folder of a connection to tables in object storage ({@code jdbc:pqvector:s3://bucket/prefix}),
 * or of the one-file table of an http(s) URL ({@code jdbc:pqvector:https://host/path/x.parquet}).
 */
final class ObjectStorage {
  private ObjectStorage() {}

  /** Whether a connection's location is in object storage rather than a local directory. */
  static boolean isRemote(String location) {
    return S3Tables.isS3(location) || HttpObjectStore.isHttp(location);
  }

  /** Lists the folder once, so a missing bucket or refused access fails the connection (08001). */
  static Path root(String location, Properties calcite) throws SQLException {
    Map<String, String> settings = new HashMap<>();
    for (String key : S3Tables.SETTINGS.keySet()) {
      String v = calcite.getProperty("pqvector." + key);
      if (v != null) {
        settings.put(key, v);
      }
    }
    try {
      if (HttpObjectStore.isHttp(location)) {
        return HttpObjectStore.root(location, settings.get("s3.refresh"));
      }
      return S3Tables.root(location, settings);
    } catch (IllegalArgumentException e) {
      throw new SQLException("pqvector: " + e.getMessage(), "08001", e);
    } catch (IOException | RuntimeException e) {
      String why = describe(e);
      throw new SQLException("pqvector: cannot " + (HttpObjectStore.isHttp(location) ? "read " : "list ")
          + location + ": "
          + (why.startsWith(location) ? why.substring(location.length()).replaceFirst("^/?:? *", "") : why),
          "08001", e);
    }
  }

  private static String describe(Exception e) {
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getFile() + ": " + f.getReason();
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }
}
