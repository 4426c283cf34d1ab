package io.pqvector.sqltests.hardening;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.calcite.search.SearchStats;
import io.pqvector.calcite.search.VectorSearch;
import io.pqvector.ivf.FileIndex;
import io.pqvector.ivf.IndexBuildException;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.parquet.appendix.ParquetAppendix;
import io.pqvector.parquet.ParquetFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Index builds killed with SIGKILL, a full disk, a read-only file: nothing the data readers see
 * is ever lost or changed.
 *
 * <p>Kills: a separate JVM ({@link BuildIndexMain}) builds the index of a DuckDB-written file
 * (100,000 x 32, 64 lists: 1-2 s from JVM start to the end of the build) and is killed ({@code Process.destroyForcibly()},
 * SIGKILL on Linux) after a random delay spread over a calibrated build, or right after it
 * reports the "writing" phase (the append window), half the time on a file without an index
 * (first build, the tail is appended) and half on one that has an index already (re-index).
 * After each kill: (a) DuckDB reads the file directly, before anything repairs it: when it can
 * read it, every row's checksum equals the original's (a failure to read is counted, not
 * failed); (b) pqvector, exact and indexed, returns the original answers; then
 * {@link ParquetAppendix#recover} runs and DuckDB must read the original rows; (c) the next
 * build succeeds, the index verifies, and an indexed query uses it and returns the exact answer.
 */
class CrashSafetyTest {
  static final int ROWS = 100_000;
  static final int LISTS = 64;
  static final int DIM = 32;
  static final int KILLS = Integer.getInteger("pqvector.hardening.kills", 50);

  @TempDir static Path work;
  static Path original;
  static String checksum;
  static List<Long> exactPlain;
  static List<Long> exactFiltered;
  static final float[] QUERY = Hx.queryVector(5, DIM);

  @BeforeAll static void setUp() throws Exception {
    original = Hx.writeVectors(work.resolve("original.parquet"), ROWS, DIM, 20_480, 21, 0);
    checksum = Hx.duckChecksum(original);
    Path dir = Files.createDirectories(work.resolve("exact"));
    Files.copy(original, dir.resolve("v.parquet"));
    try (Connection c = Hx.pq(dir, ";useIndex=false")) {
      exactPlain = Hx.longs(c, sql(false));
      exactFiltered = Hx.longs(c, sql(true));
    }
    assertEquals(10, exactPlain.size());
    assertEquals(10, exactFiltered.size());
    Hx.deleteTree(dir);
  }

  static String sql(boolean filtered) {
    return "SELECT id FROM v " + (filtered ? "WHERE \"year\" > 2012 " : "")
        + "ORDER BY array_distance(embedding, " + Hx.pqArray(QUERY) + ") LIMIT 10";
  }

  /** A started child build, its output lines and when each arrived (ns after start). */
  static final class Child {
    final Process process;
    final long started = System.nanoTime();
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    final StringBuilder stderr = new StringBuilder();
    volatile long writingSeenAt = -1;
    /** When each phase was first reported, by name ("scanning", "training", ...). */
    final Map<String, Long> phaseSeenAt = new java.util.concurrent.ConcurrentHashMap<>();

    Child(List<String> command) throws IOException {
      ProcessBuilder pb = new ProcessBuilder(command);
      this.process = pb.start();
      Thread out = new Thread(() -> pump(new BufferedReader(new InputStreamReader(
          process.getInputStream(), StandardCharsets.UTF_8)), true), "child-stdout");
      Thread err = new Thread(() -> pump(new BufferedReader(new InputStreamReader(
          process.getErrorStream(), StandardCharsets.UTF_8)), false), "child-stderr");
      out.setDaemon(true);
      err.setDaemon(true);
      out.start();
      err.start();
    }

    private void pump(BufferedReader in, boolean stdout) {
      try {
        String line;
        while ((line = in.readLine()) != null) {
          if (stdout) {
            if (line.startsWith("phase writing 0/")) {
              writingSeenAt = System.nanoTime();
            }
            if (line.startsWith("phase ")) {
              phaseSeenAt.putIfAbsent(line.split(" ")[1], System.nanoTime());
            }
            lines.add(line);
          } else {
            synchronized (stderr) {
              stderr.append(line).append('\n');
            }
          }
        }
      } catch (IOException ignored) {
        // the child died
      }
    }

    String lastPhase() {
      synchronized (lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
          String l = lines.get(i);
          if (l.startsWith("done")) {
            return "completed";
          }
          if (l.startsWith("phase ")) {
            return l.split(" ")[1];
          }
        }
        return lines.isEmpty() ? "jvm-start" : "opening";
      }
    }
  }

  static List<String> childCommand(Path file) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        BuildIndexMain.class.getName(), file.toString(), "embedding", "9", Integer.toString(LISTS));
  }

  @Test void killedBuildsLoseNothing() throws Exception {
    Path dir = Files.createDirectories(work.resolve("kill"));
    Path file = dir.resolve("v.parquet");
    Path journal = dir.resolve(".v.parquet.pqvector-journal");
    // Calibration: one uninterrupted child build, to spread the kills over its duration.
    Files.copy(original, file, StandardCopyOption.REPLACE_EXISTING);
    Child calibration = new Child(childCommand(file));
    assertTrue(calibration.process.waitFor(120, TimeUnit.SECONDS), "calibration build hung");
    assertEquals(0, calibration.process.exitValue(), "calibration build failed: "
        + calibration.stderr);
    long total = System.nanoTime() - calibration.started;
    System.out.println("CrashSafetyTest calibration build: " + total / 1_000_000 + " ms, phases "
        + calibration.lines);
    assertIndexUsable(file, "calibration");
    long scanStart = calibration.lines.stream().filter(l -> l.startsWith("phase scanning 0/"))
        .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
        .orElse(0);

    // Scanning and training are a few percent of a build each: kills spread over time alone may
    // all miss them, so some kills wait for the phase and land inside its calibrated length.
    long scanningNanos = phaseTime(calibration.lines, "phase training 0/")
        - phaseTime(calibration.lines, "phase scanning 0/");
    long trainingNanos = phaseTime(calibration.lines, "phase assigning 0/")
        - phaseTime(calibration.lines, "phase training 0/");

    Random rnd = new Random(99);
    Map<String, Integer> byPhase = new TreeMap<>();
    int duckDirectFailures = 0;
    int journalsLeft = 0;
    int truncatedByRecovery = 0;
    List<String> duckErrors = new ArrayList<>();
    for (int i = 0; i < KILLS; i++) {
      boolean fresh = i % 2 == 0;
      if (fresh) {
        Files.copy(original, file, StandardCopyOption.REPLACE_EXISTING);
      }
      Child child = new Child(childCommand(file));
      if (i % 10 == 2 || i % 10 == 6) {
        String phase = i % 10 == 2 ? "training" : "scanning";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!child.phaseSeenAt.containsKey(phase) && child.process.isAlive()
            && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        long length = phase.equals("training") ? trainingNanos : scanningNanos;
        long spin = System.nanoTime() + (long) (rnd.nextDouble() * 0.9 * Math.max(length, 0));
        while (System.nanoTime() < spin) {
          Thread.onSpinWait();
        }
      } else if (i % 5 == 4) {
        // At the very end: right after the child reports the write phase.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (child.writingSeenAt < 0 && child.process.isAlive() && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        // Spread over the commit: opening and locking, journal fsync, append, fsync, cleanup.
        long spin = System.nanoTime() + rnd.nextInt(120_000_000);
        while (System.nanoTime() < spin) {
          Thread.onSpinWait();
        }
      } else {
        // Mostly between the start of the scan and the end of the build; one in ten anywhere
        // from the JVM's start (the first ~1 s is JVM start-up and opening the file).
        long from = i % 10 == 0 ? 0 : scanStart;
        long delay = from + (long) (rnd.nextDouble() * (total - from) * 1.05);
        TimeUnit.NANOSECONDS.sleep(Math.max(0, delay - (System.nanoTime() - child.started)));
      }
      child.process.destroyForcibly();
      assertTrue(child.process.waitFor(60, TimeUnit.SECONDS), "killed child did not exit");
      String phase = child.lastPhase();
      if (!phase.equals("completed") && child.process.exitValue() == 0) {
        phase = "completed";
      }
      byPhase.merge(phase, 1, Integer::sum);
      String what = "kill " + i + " (" + (fresh ? "first build" : "re-index") + ", phase " + phase
          + ")";
      boolean journalLeft = Files.exists(journal);
      if (journalLeft) {
        journalsLeft++;
      }
      long lengthAfterKill = Files.size(file);
      // (a) DuckDB, directly: never different rows; unreadable is counted.
      try {
        assertEquals(checksum, Hx.duckChecksum(file), what + ": DuckDB reads other rows");
      } catch (SQLException e) {
        duckDirectFailures++;
        duckErrors.add(what + ": " + e.getMessage());
      }
      // (b) pqvector, exact and indexed, before any explicit repair.
      assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
        try (Connection exact = Hx.pq(dir, ";useIndex=false");
            Connection indexed = Hx.pq(dir, ";nprobe=100000")) {
          assertEquals(exactPlain, Hx.longs(exact, sql(false)), what);
          assertEquals(exactFiltered, Hx.longs(exact, sql(true)), what);
          assertEquals(exactPlain, Hx.longs(indexed, sql(false)), what);
          assertEquals(exactFiltered, Hx.longs(indexed, sql(true)), what);
        }
      }, what + ": pqvector query hung");
      // After recovery DuckDB must always read the original rows.
      ParquetAppendix.recover(file);
      assertFalse(Files.exists(journal), what + ": journal left after recovery");
      if (Files.size(file) < lengthAfterKill) {
        truncatedByRecovery++;
      }
      if (journalLeft || Files.size(file) != lengthAfterKill) {
        assertEquals(checksum, Hx.duckChecksum(file), what + ": DuckDB after recovery");
      } // else the file is byte for byte what (a) already read
      // (c) The next build succeeds and its index is used.
      IvfIndexBuilder.forFile(file).column("embedding").seed(9).lists(LISTS).build();
      assertIndexUsable(file, what);
    }
    System.out.println("CrashSafetyTest: " + KILLS + " kills; last phase reported before the kill: "
        + byPhase + "; journals left by the kill: " + journalsLeft + "; appended bytes cut by"
        + " recovery: " + truncatedByRecovery + "; DuckDB unreadable directly after the kill: "
        + duckDirectFailures + (duckErrors.isEmpty() ? "" : " " + duckErrors));
    for (String p : List.of("scanning", "training", "assigning", "writing")) {
      assertTrue(byPhase.getOrDefault(p, 0) > 0, "no kill landed in phase " + p + ": " + byPhase);
    }
  }

  /** The child's clock reading on the first line that starts with {@code prefix}. */
  static long phaseTime(List<String> lines, String prefix) {
    return lines.stream().filter(l -> l.startsWith(prefix))
        .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
        .orElseThrow(() -> new AssertionError("no line " + prefix + " in " + lines));
  }

  static void assertIndexUsable(Path file, String what) throws Exception {
    assertEquals(checksum, Hx.duckChecksum(file), what + ": DuckDB after build");
    FileIndex index = FileIndex.load(file, ParquetFiles.readFooter(file), "embedding");
    assertEquals(FileIndex.Status.OK, index.status(), what + ": " + index.problem());
    try (Connection c = Hx.pq(file.getParent(), ";nprobe=100000")) {
      assertEquals(exactPlain, Hx.longs(c, sql(false)), what);
      SearchStats stats = VectorSearch.lastStats();
      assertEquals(1, stats.indexedFiles(), what + ": index not used: " + stats);
    }
  }

  // ---- disk full and read-only ---------------------------------------------------------------

  /** A small file for the disk tests: 20,000 x 32. */
  static Path small(Path dir) throws Exception {
    Path f = dir.resolve("s.parquet");
    Hx.writeVectors(f, 20_000, DIM, 10_240, 5, 0);
    return f;
  }

  @Test void diskFullLeavesTheFileUntouched() throws Exception {
    Path src = small(Files.createDirectories(work.resolve("small")));
    String sum = Hx.duckChecksum(src);
    byte[] bytes = Files.readAllBytes(src);
    Path mount = Files.createDirectories(work.resolve("tmpfs"));
    // Room for the file and a journal page, but not for the index payload (~40 KB).
    long size = ((bytes.length + 4095) / 4096 + 2) * 4096L;
    Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs",
        mount.toString()).redirectErrorStream(true).start();
    boolean mounted = m.waitFor(30, TimeUnit.SECONDS) && m.exitValue() == 0;
    if (mounted) {
      try {
        Path f = mount.resolve("s.parquet");
        Files.write(f, bytes);
        Exception e = assertThrows(Exception.class,
            () -> IvfIndexBuilder.forFile(f).column("embedding").build());
        assertTrue(e instanceof IOException || e instanceof IndexBuildException, e.toString());
        System.out.println("CrashSafetyTest disk full (tmpfs): " + e);
        assertTrue(String.valueOf(e.getMessage()).toLowerCase().contains("space"), e.toString());
        assertArrayEquals(bytes, Files.readAllBytes(f), "disk full changed the file");
        assertFalse(Files.exists(mount.resolve(".s.parquet.pqvector-journal")), "journal left");
        assertEquals(sum, Hx.duckChecksum(f));
      } finally {
        new ProcessBuilder("umount", mount.toString()).start().waitFor(30, TimeUnit.SECONDS);
      }
    } else {
      System.out.println("CrashSafetyTest: tmpfs cannot be mounted here; only the RLIMIT_FSIZE"
          + " variant below runs");
    }
    // Same without root: a child whose file size limit (ulimit -f) stops the append (EFBIG).
    Path f = Files.createDirectories(work.resolve("fsize")).resolve("s.parquet");
    Files.write(f, bytes);
    long blocks = (bytes.length + 2048) / 1024 + 1;
    List<String> cmd = new ArrayList<>(List.of("bash", "-c",
        "ulimit -f " + blocks + " && exec \"$0\" \"$@\""));
    cmd.addAll(childCommand(f));
    Child child = new Child(cmd);
    assertTrue(child.process.waitFor(120, TimeUnit.SECONDS), "child hung");
    String err;
    synchronized (child.stderr) {
      err = child.stderr.toString();
    }
    System.out.println("CrashSafetyTest file size limit: exit " + child.process.exitValue() + ", "
        + err.lines().findFirst().orElse(""));
    assertTrue(child.process.exitValue() != 0, "build beyond the size limit succeeded");
    assertTrue(err.contains("File too large") || err.contains("space"), err);
    assertArrayEquals(bytes, Files.readAllBytes(f), "failed build changed the file");
    assertFalse(Files.exists(f.resolveSibling(".s.parquet.pqvector-journal")), "journal left");
    assertEquals(sum, Hx.duckChecksum(f));
  }

  @Test void readOnlyFileIsRefusedAndUntouched() throws Exception {
    Path dir = Files.createDirectories(work.resolve("ro"));
    Path f = small(dir);
    byte[] bytes = Files.readAllBytes(f);
    FileTime mtime = Files.getLastModifiedTime(f);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--r--r--"));
    try {
      IndexBuildException e = assertThrows(IndexBuildException.class,
          () -> IvfIndexBuilder.forFile(f).column("embedding").build());
      System.out.println("CrashSafetyTest read-only: " + e.getMessage());
      assertTrue(e.getMessage().contains("read-only") && e.getMessage().contains(f.toString()),
          e.getMessage());
      assertArrayEquals(bytes, Files.readAllBytes(f));
      assertEquals(mtime, Files.getLastModifiedTime(f));
      assertFalse(Files.exists(dir.resolve(".s.parquet.pqvector-journal")));
      try (Connection c = Hx.pq(dir)) {
        assertEquals(10, Hx.longs(c, "SELECT id FROM s ORDER BY array_distance(embedding, "
            + Hx.pqArray(QUERY) + ") LIMIT 10").size());
      }
    } finally {
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }
}
