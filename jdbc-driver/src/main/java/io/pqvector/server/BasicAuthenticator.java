package io.pqvector.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HTTP BASIC against a {@link UsersFile}. Every Avatica request carries the header, so a header
 * that verified is remembered (by its SHA-256) for a while instead of paying PBKDF2 on each
 * request; a changed users file forgets them. Failed attempts are limited per client address
 * and per user name: past {@link #maxFailures} in {@link #windowMillis}, attempts are refused
 * without checking the password until the window has passed.
 */
final class BasicAuthenticator {
  private static final long REMEMBER_MILLIS = 10 * 60_000L;

  private final Path usersFile;
  private final int maxFailures;
  private final long windowMillis;
  private volatile UsersFile users;
  private volatile FileTime loadedAt;
  private final Map<String, Long> verified = new ConcurrentHashMap<>();
  private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

  /** Outcome: the user, or why not and how to answer. */
  record Result(String user, boolean challenge, String error) {
    boolean ok() {
      return user != null;
    }
  }

  BasicAuthenticator(Path usersFile, int maxFailures, long windowMillis) throws IOException {
    this.usersFile = usersFile;
    this.maxFailures = maxFailures;
    this.windowMillis = windowMillis;
    reloadIfChanged();
    if (users.size() == 0) {
      throw new IOException("users file " + usersFile + " has no users; add one with"
          + " `pqvector.jar users add " + usersFile + " <name>`");
    }
  }

  private synchronized void reloadIfChanged() throws IOException {
    FileTime now = Files.getLastModifiedTime(usersFile);
    if (users == null || !now.equals(loadedAt)) {
      users = UsersFile.load(usersFile);
      loadedAt = now;
      verified.clear();
    }
  }

  Result authenticate(String authorization, String remoteAddress) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return new Result(null, true, "this server requires a user and password (HTTP BASIC:"
          + " authentication=BASIC;avatica_user=...;avatica_password=...)");
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
          StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return new Result(null, false, "malformed Authorization header");
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return new Result(null, false, "malformed Authorization header");
    }
    String name = decoded.substring(0, colon);
    try {
      reloadIfChanged();
    } catch (IOException e) {
      return new Result(null, false, "the server cannot read its users file");
    }
    String digest = sha256(authorization);
    long now = System.currentTimeMillis();
    Long until = verified.get(digest);
    if (until != null && until > now) {
      return new Result(name, false, null);
    }
    String addressKey = "addr:" + remoteAddress;
    String userKey = "user:" + name;
    if (throttled(addressKey, now) || throttled(userKey, now)) {
      return new Result(null, false, "too many failed logins from " + remoteAddress
          + " or for user '" + name + "'; try again in " + (windowMillis / 1000) + " s");
    }
    char[] password = decoded.substring(colon + 1).toCharArray();
    if (users.verify(name, password)) {
      verified.put(digest, now + REMEMBER_MILLIS);
      return new Result(name, false, null);
    }
    recordFailure(addressKey, now);
    recordFailure(userKey, now);
    return new Result(null, false, "authentication failed for user '" + name
        + "': wrong user name or password");
  }

  private boolean throttled(String key, long now) {
    Deque<Long> times = failures.get(key);
    if (times == null) {
      return false;
    }
    synchronized (times) {
      while (!times.isEmpty() && times.peekFirst() < now - windowMillis) {
        times.pollFirst();
      }
      return times.size() >= maxFailures;
    }
  }

  private void recordFailure(String key, long now) {
    Deque<Long> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
    synchronized (times) {
      times.addLast(now);
    }
  }

  private static String sha256(String s) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
          .digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
