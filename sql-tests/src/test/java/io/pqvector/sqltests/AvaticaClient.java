package io.pqvector.sqltests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The remote JDBC client exactly as users take it: Avatica's standalone client jar
 * ({@code org.apache.calcite.avatica:avatica:1.28.0}, the one DBeaver's Avatica driver uses) plus
 * slf4j-api, copied by Maven into {@code target/serve-clients} and loaded in a class loader of
 * their own whose parent is the platform loader, so none of the pqvector jar's classes (which
 * include avatica-core) can stand in for them.
 */
final class AvaticaClient {
  static final Path JARS = Paths.get("target", "serve-clients");
  static final String AVATICA_JAR = "avatica-1.28.0.jar";
  static final String SLF4J_JAR = "slf4j-api-1.7.36.jar";
  static final String SQLLINE_JAR = "sqlline-1.12.0-jar-with-dependencies.jar";

  private static Driver driver;

  private AvaticaClient() {}

  static synchronized Driver driver() throws Exception {
    if (driver == null) {
      List<URL> urls = new ArrayList<>();
      for (String jar : List.of(AVATICA_JAR, SLF4J_JAR)) {
        Path p = JARS.resolve(jar);
        assertTrue(Files.isRegularFile(p), p + " is missing (Maven copies it before the tests)");
        urls.add(p.toUri().toURL());
      }
      ClassLoader loader = new URLClassLoader("avatica-client", urls.toArray(new URL[0]),
          ClassLoader.getPlatformClassLoader());
      Class<?> c = Class.forName("org.apache.calcite.avatica.remote.Driver", true, loader);
      assertEquals(loader, c.getClassLoader());
      assertTrue(c.getProtectionDomain().getCodeSource().getLocation().toString()
          .endsWith(AVATICA_JAR), "the client driver comes from " + AVATICA_JAR);
      driver = (Driver) c.getDeclaredConstructor().newInstance();
    }
    return driver;
  }

  static Connection connect(String url, String... keyValues) throws Exception {
    Properties p = new Properties();
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      p.setProperty(keyValues[i], keyValues[i + 1]);
    }
    Connection c = driver().connect(url, p);
    if (c == null) {
      throw new SQLException("the Avatica driver does not accept " + url);
    }
    return c;
  }

  /** The class path of a separate JVM that runs only Avatica's client (and {@code extra}). */
  static String classPath(String... extra) {
    List<String> parts = new ArrayList<>();
    for (String e : extra) {
      parts.add(e);
    }
    parts.add(JARS.resolve(AVATICA_JAR).toAbsolutePath().toString());
    parts.add(JARS.resolve(SLF4J_JAR).toAbsolutePath().toString());
    return String.join(java.io.File.pathSeparator, parts);
  }
}
