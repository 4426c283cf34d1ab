package io.pqvector.jdbc;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import io.pqvector.storage.s3.S3Tables;

/**
 * Parses {@code jdbc:pqvector:<directory>[;key=value]...} plus {@link Properties} into the root
 * directory and validated options. Keys of other components (standard client properties such as
 * ApplicationName) are ignored; a key within a small edit distance of a known one is an error naming
 * it, so a typo never silently falls back to a default.
 */
public final class ConnectionSettings {
  public static final String PREFIX = "jdbc:pqvector:";

  /** Known connection properties with their descriptions (also shown by getPropertyInfo). */
  public static final Map<String, String> KNOWN;

  static {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("nprobe", "IVF lists probed per query (default: chosen per file for the recall target)");
    m.put("recall", "recall@k each file's build-time curve should reach (default 0.95); an"
        + " explicit nprobe wins");
    m.put("useIndex", "false forces exact search (default true)");
    m.put("cacheSize", "bytes of decoded vectors kept in memory, e.g. 512m; 0 turns it off");
    m.put("followSymlinks", "true follows symbolic links that lead outside the root directory");
    m.put("embedModel", "directory of the model embed() uses (model.onnx, tokenizer.json,"
        + " embed.json); default all-MiniLM-L6-v2 from pqvector-embed.jar");
    m.putAll(new java.util.TreeMap<>(S3Tables.SETTINGS));
    m.put("user", "ignored (files need no login)");
    m.put("password", "ignored (files need no login)");
    KNOWN = m;
  }

  private final Path root;
  private final String location;
  private final Map<String, String> options;

  private ConnectionSettings(Path root, String location, Map<String, String> options) {
    this.root = root;
    this.location = location;
    this.options = options;
  }

  /** The local root directory, or null for a location in object storage ({@link #location()}). */
  public Path root() {
    return root;
  }

  /** Where the tables are: a local directory, or {@code s3://bucket/prefix}. */
  public String location() {
    return location;
  }

  public Map<String, String> options() {
    return options;
  }

  public static ConnectionSettings parse(String url, Properties info) throws SQLException {
    String rest = url.substring(PREFIX.length());
    String[] parts = rest.split(";", -1);
    Map<String, String> options = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    if (info != null) {
      for (String key : info.stringPropertyNames()) {
        options.put(key, info.getProperty(key));
      }
    }
    for (int i = 1; i < parts.length; i++) {
      if (parts[i].isBlank()) {
        continue;
      }
      int eq = parts[i].indexOf('=');
      if (eq <= 0) {
        throw new SQLException("pqvector: expected key=value after ';' in the URL but found '"
            + parts[i] + "'", "08001");
      }
      options.put(parts[i].substring(0, eq).trim(), parts[i].substring(eq + 1).trim());
    }
    Map<String, String> canonical = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : options.entrySet()) {
      String known = canonicalKey(e.getKey());
      if (known == null) {
        rejectTypo(e.getKey());
        continue; // another component's property (ApplicationName, ...): not ours to judge
      }
      canonical.put(known, e.getValue());
    }
    validate(canonical);
    if (ObjectStorage.isRemote(parts[0].trim())) {
      return new ConnectionSettings(null, parts[0].trim(), canonical);
    }
    Path dir = resolveDirectory(parts[0]);
    return new ConnectionSettings(dir, dir.toString(), canonical);
  }

  /**
   * Clients and pools send standard properties of their own, which are ignored; but a key a typing
   * error or two away from one of ours ({@code nprobes}) would silently fall back to a default.
   */
  private static void rejectTypo(String key) throws SQLException {
    String lower = key.toLowerCase(Locale.ROOT);
    int allowed = lower.length() < 6 ? 1 : 2;
    for (String k : KNOWN.keySet()) {
      if (editDistance(lower, k.toLowerCase(Locale.ROOT)) <= allowed) {
        throw new SQLException("pqvector: unknown connection property '" + key
            + "'; did you mean '" + k + "'? known properties: " + String.join(", ",
            KNOWN.keySet()), "08001");
      }
    }
  }

  /** Levenshtein distance. */
  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static String canonicalKey(String key) {
    for (String k : KNOWN.keySet()) {
      if (k.equalsIgnoreCase(key)) {
        return k;
      }
    }
    return null;
  }

  private static void validate(Map<String, String> options) throws SQLException {
    String nprobe = options.get("nprobe");
    if (nprobe != null) {
      try {
        if (Integer.parseInt(nprobe) < 1) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new SQLException("pqvector: nprobe must be a positive integer but is '" + nprobe
            + "'", "08001");
      }
    }
    String recall = options.get("recall");
    if (recall != null) {
      double r;
      try {
        r = Double.parseDouble(recall);
      } catch (NumberFormatException e) {
        r = Double.NaN;
      }
      if (!(r > 0 && r <= 1)) {
        throw new SQLException("pqvector: recall must be a number above 0 and at most 1 (such as"
            + " 0.95) but is '" + recall + "'", "08001");
      }
    }
    for (String flag : new String[] {"useIndex", "followSymlinks"}) {
      String v = options.get(flag);
      if (v != null && !v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
        throw new SQLException("pqvector: " + flag + " must be true or false but is '" + v + "'",
            "08001");
      }
    }
    String cache = options.get("cacheSize");
    if (cache != null) {
      try {
        parseBytes(cache);
      } catch (IllegalArgumentException e) {
        throw new SQLException("pqvector: " + e.getMessage(), "08001");
      }
    }
  }

  /** Parses sizes such as {@code 0}, {@code 1048576}, {@code 512k}, {@code 512m}, {@code 2g}. */
  public static long parseBytes(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (t.endsWith("b")) {
      t = t.substring(0, t.length() - 1);
    }
    if (t.endsWith("k")) {
      unit = 1L << 10;
    } else if (t.endsWith("m")) {
      unit = 1L << 20;
    } else if (t.endsWith("g")) {
      unit = 1L << 30;
    }
    if (unit != 1) {
      t = t.substring(0, t.length() - 1);
    }
    try {
      long v = Long.parseLong(t.trim());
      if (v < 0) {
        throw new NumberFormatException();
      }
      return Math.multiplyExact(v, unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("cacheSize must be a size such as 0, 64m or 2g but is '"
          + text + "'");
    }
  }

  private static Path resolveDirectory(String raw) throws SQLException {
    String text = raw.trim();
    if (text.isEmpty()) {
      throw new SQLException("pqvector: the URL names no directory; expected "
          + "jdbc:pqvector:/path/to/dir", "08001");
    }
    if (text.equals("~") || text.startsWith("~/")) {
      text = System.getProperty("user.home") + text.substring(1);
    }
    Path dir;
    try {
      dir = Paths.get(text).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new SQLException("pqvector: invalid directory path '" + raw + "': "
          + e.getMessage(), "08001");
    }
    if (!Files.exists(dir)) {
      throw new SQLException("pqvector: directory does not exist: " + dir, "08001");
    }
    if (!Files.isDirectory(dir)) {
      throw new SQLException("pqvector: not a directory: " + dir
          + " (point the URL at the folder that holds the Parquet files)", "08001");
    }
    if (!Files.isReadable(dir)) {
      throw new SQLException("pqvector: directory is not readable: " + dir, "08001");
    }
    return dir;
  }
}
