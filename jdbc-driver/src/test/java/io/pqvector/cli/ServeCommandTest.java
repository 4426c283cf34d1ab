package io.pqvector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.server.UsersFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serve and users commands' arguments, refusals and users file. */
class ServeCommandTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    out.reset();
    err.reset();
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private int users(String input, String... args) throws Exception {
    out.reset();
    err.reset();
    String[] command = new String[args.length + 1];
    command[0] = "users";
    System.arraycopy(args, 0, command, 1, args.length);
    return Main.run(command, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test void connectionPropertiesAreValueFlagsNamedLikeTheProperties() {
    assertEquals("cacheSize", ServeCommand.propertyName("--cache-size"));
    assertEquals("useIndex", ServeCommand.propertyName("--use-index"));
    assertEquals("recall", ServeCommand.propertyName("--recall"));
    assertEquals("nprobe", ServeCommand.propertyName("--nprobe"));
  }

  @Test void badFlagsAndUnsafeBindingsAreRefusedBeforeListening() {
    assertEquals(1, run("serve", dir.toString(), "--port", "0", "--cache-sise", "1g"));
    assertTrue(err.toString().contains("unknown connection property 'cacheSise'"),
        err.toString());
    assertEquals(1, run("serve", dir.toString(), "--port", "0", "--nprobe", "zero"));
    assertTrue(err.toString().contains("nprobe must be a positive integer"), err.toString());
    assertEquals(1, run("serve", dir.toString(), "--port", "0", "--host", "0.0.0.0"));
    assertTrue(err.toString().contains("without --users"), err.toString());
    assertEquals(2, run("serve", dir.toString(), "--tls-keystore", "k.p12"));
    assertTrue(err.toString().contains("PQVECTOR_TLS_PASSWORD"), err.toString());
    assertEquals(1, run("serve", dir.resolve("missing").toString(), "--port", "0"));
    assertTrue(err.toString().contains("does not exist"), err.toString());
    assertEquals(2, run("serve"));
    assertEquals(2, run("serve", dir.toString(), "--serialization", "xml"));
    assertTrue(err.toString().contains("protobuf or json"), err.toString());
    assertTrue(out.toString().isEmpty());
  }

  @Test void usersAddAndRemoveKeepSaltedSlowHashes() throws Exception {
    Path file = dir.resolve("users");
    assertEquals(0, users("correct horse\n", "add", file.toString(), "alice"));
    assertEquals(0, users("battery staple\n", "add", file.toString(), "bob"));
    String text = Files.readString(file);
    assertFalse(text.contains("correct horse") || text.contains("battery"), text);
    assertTrue(text.lines().allMatch(l -> l.matches("\\w+:pbkdf2-sha256:210000:[^:]+:[^:]+")),
        text);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    UsersFile u = UsersFile.load(file);
    assertTrue(u.verify("alice", "correct horse".toCharArray()));
    assertFalse(u.verify("alice", "battery staple".toCharArray()));
    assertFalse(u.verify("carol", "correct horse".toCharArray()));
    // The same password twice gives two different hashes (salted).
    assertEquals(0, users("correct horse\n", "add", file.toString(), "carol"));
    String[] lines = Files.readString(file).split("\n");
    assertFalse(lines[0].split(":")[4].equals(lines[2].split(":")[4]));
    assertEquals(0, users("", "remove", file.toString(), "bob"));
    assertFalse(UsersFile.load(file).verify("bob", "battery staple".toCharArray()));
    assertEquals(1, users("", "remove", file.toString(), "bob"));
    assertTrue(err.toString().contains("no user 'bob'"), err.toString());
    assertEquals(2, users("", "add", file.toString(), "dave"));
    assertTrue(err.toString().contains("password on standard input"), err.toString());
    assertEquals(2, users("pw\n", "add", file.toString(), "bad:name"));
  }
}
