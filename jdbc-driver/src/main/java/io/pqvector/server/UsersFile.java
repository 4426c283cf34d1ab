package io.pqvector.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The users file of {@code serve --users}: one line per user,
 * {@code name:pbkdf2-sha256:<iterations>:<salt base64>:<hash base64>}. Salted, slow hashes
 * (PBKDF2 from the JDK), so a stolen file does not give away the passwords cheaply.
 */
public final class UsersFile {
  static final String SCHEME = "pbkdf2-sha256";
  /** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
  static final int ITERATIONS = 210_000;
  private static final int SALT_BYTES = 16;
  private static final int HASH_BITS = 256;

  private final Map<String, Entry> users;

  private record Entry(int iterations, byte[] salt, byte[] hash) {}

  private UsersFile(Map<String, Entry> users) {
    this.users = users;
  }

  public int size() {
    return users.size();
  }

  /** Reads a users file; a malformed line is an error naming the file and the line. */
  public static UsersFile load(Path file) throws IOException {
    Map<String, Entry> users = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split(":", -1);
      try {
        if (f.length != 5 || !f[1].equals(SCHEME)) {
          throw new IllegalArgumentException("expected name:" + SCHEME
              + ":iterations:salt:hash");
        }
        users.put(f[0], new Entry(Integer.parseInt(f[2]), Base64.getDecoder().decode(f[3]),
            Base64.getDecoder().decode(f[4])));
      } catch (IllegalArgumentException e) {
        throw new IOException("users file " + file + ", line " + (i + 1) + ": "
            + e.getMessage());
      }
    }
    return new UsersFile(users);
  }

  /** Checks a password; takes the same (slow) time whether or not the user exists. */
  public boolean verify(String name, char[] password) {
    Entry e = users.get(name);
    if (password.length == 0) {
      return false;
    }
    Entry against = e != null ? e : new Entry(ITERATIONS, new byte[SALT_BYTES],
        new byte[HASH_BITS / 8]);
    byte[] hash = pbkdf2(password, against.salt, against.iterations, against.hash.length * 8);
    return MessageDigest.isEqual(hash, against.hash) && e != null;
  }

  /** Adds a user or replaces its password; creates the file (owner-only) if needed. */
  public static void add(Path file, String name, char[] password) throws IOException {
    checkName(name);
    if (password.length == 0) {
      throw new IllegalArgumentException("the password is empty");
    }
    byte[] salt = new byte[SALT_BYTES];
    new SecureRandom().nextBytes(salt);
    byte[] hash = pbkdf2(password, salt, ITERATIONS, HASH_BITS);
    String line = name + ":" + SCHEME + ":" + ITERATIONS + ":"
        + Base64.getEncoder().encodeToString(salt) + ":"
        + Base64.getEncoder().encodeToString(hash);
    List<String> lines = Files.exists(file) ? withoutUser(file, name) : new ArrayList<>();
    lines.add(line);
    write(file, lines);
  }

  /** Removes a user; returns false if the file has no such user. */
  public static boolean remove(Path file, String name) throws IOException {
    if (!Files.exists(file)) {
      return false;
    }
    List<String> before = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<String> after = withoutUser(file, name);
    if (after.size() == before.size()) {
      return false;
    }
    write(file, after);
    return true;
  }

  private static List<String> withoutUser(Path file, String name) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.strip().startsWith(name + ":")) {
        out.add(line);
      }
    }
    return out;
  }

  private static void write(Path file, List<String> lines) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, ".users", ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // Windows: the directory's ACL applies.
      }
      Files.write(tmp, lines, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static void checkName(String name) {
    if (name.isEmpty() || !name.matches("[A-Za-z0-9._@-]+")) {
      throw new IllegalArgumentException("a user name must be letters, digits and . _ @ - but"
          + " is '" + name + "'");
    }
  }

  private static byte[] pbkdf2(char[] password, byte[] salt, int iterations, int bits) {
    try {
      PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, bits);
      try {
        return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec)
            .getEncoded();
      } finally {
        spec.clearPassword();
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
    }
  }
}
