package io.pqvector.sqltests.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pqvector.calcite.search.SearchStats;
import io.pqvector.calcite.search.VectorSearch;
import io.pqvector.ivf.FileIndex;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.parquet.ParquetFiles;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded corruption of an indexed DuckDB file (5,000 x 16, five row groups, one page per chunk,
 * so the index carries its own page table). Each mutation is applied to a fresh copy in its own
 * directory (so no cache keyed by path, size and time can hide it), then an indexed top-10
 * query and a filtered one run with {@code nprobe} above the list count: on the pristine file
 * that probes every list and equals the exact answer, so the exact answer (computed once with
 * {@code useIndex=false}) is the only acceptable result. Outcomes allowed: that exact answer
 * (through the index when the mutation changed nothing that matters, or through the per-file
 * fallback), or an SQLException whose message names the file. Anything else (a wrong row, an
 * unchecked exception, an Error such as OutOfMemoryError, a hang past 60 s) fails.
 *
 * <p>Accidental damage ({@code pqvector.hardening.mutations}, default 1,000): bit flips and
 * zeroed ranges in the index payload, payload bytes cut out (footer kept), the file truncated
 * inside the payload or footer, the footer entries {@code pqvector.ivf.embedding} and
 * {@code pqvector.appendix.base} rewritten (garbage, huge, negative, pointing into data pages
 * with a matching checksum, off by one, ...) or their raw bytes flipped in place, keys removed
 * or duplicated.
 *
 * <p>Forged damage ({@code pqvector.hardening.forgeries}, default 200): payload bytes changed
 * and BOTH checksums (the payload's trailing CRC32C and the footer entry's) recomputed, so only
 * the reader's structural checks stand between the bytes and the search. The format does not
 * claim to detect tampering (a row id moved to another list is a valid index), so here the
 * answer may differ from the exact one, but it must still consist of k distinct real rows with
 * their true distances, in order, or be a clear SQLException; never an Error or a hang.
 */
class CorruptionTest {
  static final int ROWS = 5_000;
  static final int DIM = 16;
  static final int K = 10;
  static final String IVF_KEY = "pqvector.ivf.embedding";
  static final String BASE_KEY = "pqvector.appendix.base";
  static final int MUTATIONS = Integer.getInteger("pqvector.hardening.mutations", 1000);
  static final int FORGERIES = Integer.getInteger("pqvector.hardening.forgeries", 200);

  @TempDir static Path work;
  static Path pristine;
  static byte[] pristineBytes;
  static long payloadOffset;
  static int payloadLength;
  static int footerStart;
  static long base;
  static final List<float[]> QUERIES = new ArrayList<>();
  /** Exact ids per query index: [q][0] unfiltered, [q][1] filtered. */
  static final Map<String, List<Long>> EXPECTED = new HashMap<>();
  /** True distance of every id, per query. */
  static final List<Map<Long, Double>> DISTANCES = new ArrayList<>();

  @BeforeAll static void setUp() throws Exception {
    Path dir = Files.createDirectories(work.resolve("pristine"));
    pristine = Hx.writeVectors(dir.resolve("t.parquet"), ROWS, DIM, 1000, 11, 0);
    String before = Hx.duckChecksum(pristine);
    IvfIndexBuilder.forFile(pristine).column("embedding").seed(3).build();
    assertEquals(before, Hx.duckChecksum(pristine), "indexing changed the data DuckDB reads");
    pristineBytes = Files.readAllBytes(pristine);
    Hx.Tail tail = Hx.tail(pristine);
    String[] loc = tail.value(IVF_KEY).split(":");
    payloadOffset = Long.parseLong(loc[0]);
    payloadLength = Integer.parseInt(loc[1]);
    footerStart = tail.footerStart();
    base = Long.parseLong(tail.value(BASE_KEY));
    for (int q = 0; q < 3; q++) {
      QUERIES.add(Hx.queryVector(100 + q, DIM));
    }
    try (Connection exact = Hx.pq(dir, ";useIndex=false");
        Connection indexed = Hx.pq(dir, ";nprobe=100000")) {
      for (int q = 0; q < QUERIES.size(); q++) {
        for (int filtered = 0; filtered < 2; filtered++) {
          List<Long> ids = Hx.longs(exact, sql(q, filtered == 1));
          assertEquals(K, ids.size());
          EXPECTED.put(q + "/" + filtered, ids);
          assertEquals(ids, Hx.longs(indexed, sql(q, filtered == 1)),
              "all lists probed on the pristine file must give the exact answer");
          SearchStats stats = VectorSearch.lastStats();
          assertEquals(1, stats.indexedFiles(), "pristine file must be searched through its index");
        }
        Map<Long, Double> d = new HashMap<>();
        try (Statement s = exact.createStatement(); ResultSet rs = s.executeQuery(
            "SELECT id, array_distance(embedding, " + Hx.pqArray(QUERIES.get(q)) + ") FROM t")) {
          while (rs.next()) {
            d.put(rs.getLong(1), rs.getDouble(2));
          }
        }
        assertEquals(ROWS, d.size());
        DISTANCES.add(d);
      }
    }
  }

  static String sql(int q, boolean filtered) {
    return "SELECT id FROM t " + (filtered ? "WHERE lang = 'en' " : "")
        + "ORDER BY array_distance(embedding, " + Hx.pqArray(QUERIES.get(q)) + ") LIMIT " + K;
  }

  static String sqlWithDistance(int q, boolean filtered) {
    return "SELECT id, array_distance(embedding, " + Hx.pqArray(QUERIES.get(q)) + ") AS d FROM t "
        + (filtered ? "WHERE lang = 'en' " : "") + "ORDER BY d LIMIT " + K;
  }

  /** A mutation of a file copy, described for reports. */
  interface Mutation {
    void apply(Path file) throws Exception;
  }

  record Named(String kind, String detail, Mutation mutation) {}

  @Test void accidentalCorruptionGivesExactAnswerOrClearError() throws Exception {
    Random rnd = new Random(20240601L);
    Map<String, int[]> byKind = new TreeMap<>(); // kind -> {exactViaIndex, exactViaFallback, error}
    Map<String, Integer> messages = new TreeMap<>();
    for (int i = 0; i < MUTATIONS; i++) {
      Named m = accidental(rnd, i);
      Outcome o = run(i, m, false);
      int[] counts = byKind.computeIfAbsent(m.kind(), k -> new int[3]);
      counts[o.kind]++;
      if (o.message != null) {
        messages.merge(summarise(o.message), 1, Integer::sum);
      }
    }
    int[] total = new int[3];
    StringBuilder report = new StringBuilder("CorruptionTest accidental mutations: " + MUTATIONS
        + "\n  kind: exact-via-index / exact-via-fallback / SQLException\n");
    byKind.forEach((k, c) -> {
      report.append(String.format("  %-22s %4d / %4d / %4d%n", k, c[0], c[1], c[2]));
      for (int j = 0; j < 3; j++) {
        total[j] += c[j];
      }
    });
    report.append(String.format("  %-22s %4d / %4d / %4d%n", "TOTAL", total[0], total[1], total[2]));
    report.append("  fallback reasons and error messages (file path <f>, numbers #):\n");
    messages.forEach((msg, n) -> report.append(String.format("    %4d x %s%n", n, msg)));
    System.out.println(report);
    assertEquals(MUTATIONS, total[0] + total[1] + total[2]);
    assertTrue(total[1] > MUTATIONS / 2, "most damage must be detected and fall back: " + report);
  }

  @Test void forgedIndexesNeverCrashOrReturnFalseRows() throws Exception {
    Random rnd = new Random(777);
    int[] counts = new int[4]; // exact via index, exact via fallback, error, inexact-but-valid rows
    Map<String, Integer> messages = new TreeMap<>();
    for (int i = 0; i < FORGERIES; i++) {
      Named m = forged(rnd, i);
      Outcome o = run(100_000 + i, m, true);
      counts[o.kind]++;
      if (o.message != null) {
        messages.merge(summarise(o.message), 1, Integer::sum);
      }
    }
    StringBuilder report = new StringBuilder(String.format(
        "CorruptionTest forged (re-checksummed) mutations: %d%n  exact via index %d, exact via"
        + " fallback %d, SQLException %d, valid rows but not the exact top-k %d%n",
        FORGERIES, counts[0], counts[1], counts[2], counts[3]));
    messages.forEach((msg, n) -> report.append(String.format("    %4d x %s%n", n, msg)));
    System.out.println(report);
    assertEquals(FORGERIES, counts[0] + counts[1] + counts[2] + counts[3]);
  }

  static final class Outcome {
    static final int VIA_INDEX = 0;
    static final int VIA_FALLBACK = 1;
    static final int ERROR = 2;
    static final int INEXACT = 3;
    int kind = -1;
    String message;
  }

  private Outcome run(int n, Named m, boolean forged) throws Exception {
    Path dir = Files.createDirectories(work.resolve("m" + n));
    Path file = dir.resolve("t.parquet");
    Files.write(file, pristineBytes);
    m.mutation().apply(file);
    String what = "mutation " + n + " [" + m.kind() + ": " + m.detail() + "]";
    Outcome outcome = new Outcome();
    int q = n % QUERIES.size();
    try {
      assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
        boolean anyFallback = false;
        boolean allIndexed = true;
        try (Connection c = Hx.pq(dir, ";nprobe=100000")) {
          for (int filtered = 0; filtered < 2; filtered++) {
            List<Long> expected = EXPECTED.get(q + "/" + filtered);
            List<Long> ids = new ArrayList<>();
            List<Double> ds = new ArrayList<>();
            try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sqlWithDistance(q, filtered == 1))) {
              while (rs.next()) {
                ids.add(rs.getLong(1));
                ds.add(rs.getDouble(2));
              }
            }
            SearchStats stats = VectorSearch.lastStats();
            if (!ids.equals(expected)) {
              if (!forged) {
                fail(what + ": wrong answer " + ids + ", exact is " + expected + " (" + stats + ")");
              }
              checkRealRows(what, q, filtered == 1, ids, ds);
              outcome.kind = Outcome.INEXACT;
            }
            for (int r = 0; r < ids.size(); r++) {
              assertEquals(DISTANCES.get(q).get(ids.get(r)), ds.get(r), 1e-5,
                  what + ": distance of row " + ids.get(r));
            }
            anyFallback |= stats.exactFiles() > 0;
            allIndexed &= stats.indexedFiles() == 1;
          }
        } catch (SQLException e) {
          String msg = e.getMessage();
          assertNotNull(msg, what + ": SQLException without a message");
          assertTrue(msg.contains(file.toString()) || msg.contains("t.parquet"),
              what + ": error does not name the file: " + msg);
          outcome.kind = Outcome.ERROR;
          outcome.message = msg.replace(file.toString(), "<f>");
          return;
        }
        if (anyFallback) {
          // Why the file was searched exactly: the reason the index was rejected, for the report.
          outcome.message = "fallback: " + FileIndex.load(file, ParquetFiles.readFooter(file),
              "embedding").problem().replace(file.toString(), "<f>");
        }
        if (outcome.kind < 0) {
          outcome.kind = anyFallback ? Outcome.VIA_FALLBACK : Outcome.VIA_INDEX;
          assertTrue(anyFallback || allIndexed, what + ": neither index nor fallback reported");
        }
      }, what + " hung");
    } catch (Throwable t) {
      Hx.rethrowErrors(t, what);
      throw new AssertionError(what + ": unexpected " + t, t);
    } finally {
      Hx.deleteTree(dir);
    }
    return outcome;
  }

  private static void checkRealRows(String what, int q, boolean filtered, List<Long> ids,
      List<Double> ds) {
    assertEquals(K, ids.size(), what + ": row count");
    assertEquals(K, new HashSet<>(ids).size(), what + ": duplicate rows " + ids);
    for (int r = 0; r < ids.size(); r++) {
      long id = ids.get(r);
      assertTrue(id >= 0 && id < ROWS, what + ": no such row " + id);
      if (filtered) {
        assertTrue(id % 5 >= 2, what + ": row " + id + " does not pass the filter");
      }
      if (r > 0) {
        assertTrue(ds.get(r) >= ds.get(r - 1), what + ": not in distance order " + ds);
      }
    }
  }

  private static String summarise(String message) {
    String s = message;
    if (s.startsWith("Error while executing SQL") && s.indexOf("\": ") > 0) {
      s = s.substring(s.indexOf("\": ") + 3);
    }
    s = s.replaceAll("location '.*' \\(expected", "location '…' (expected")
        .replaceAll("magic is [0-9a-f]+", "magic is …").replaceAll("\\d+", "#");
    int cut = s.indexOf('\n');
    if (cut > 0) {
      s = s.substring(0, cut);
    }
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  // ---- accidental mutations ----------------------------------------------------------------

  private Named accidental(Random rnd, int i) {
    int pick = rnd.nextInt(100);
    if (pick < 25) {
      int flips = 1 + rnd.nextInt(8);
      long[] at = new long[flips];
      int[] bits = new int[flips];
      for (int f = 0; f < flips; f++) {
        at[f] = payloadOffset + rnd.nextInt(payloadLength);
        bits[f] = 1 << rnd.nextInt(8);
      }
      return new Named("payload-bitflip", flips + " bits", file -> {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
          for (int f = 0; f < flips; f++) {
            raf.seek(at[f]);
            int b = raf.read();
            raf.seek(at[f]);
            raf.write(b ^ bits[f]);
          }
        }
      });
    }
    if (pick < 40) {
      int len = rnd.nextBoolean() ? 1 + rnd.nextInt(8) : 1 + rnd.nextInt(payloadLength / 2);
      long at = payloadOffset + rnd.nextInt(payloadLength - len + 1);
      return new Named("payload-zero", len + " bytes at +" + (at - payloadOffset), file -> {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
          raf.seek(at);
          raf.write(new byte[len]);
        }
      });
    }
    if (pick < 50) {
      // Bytes cut out of the payload, the footer kept: the footer now points past its data.
      int from = rnd.nextInt(payloadLength);
      int to = from + 1 + rnd.nextInt(payloadLength - from);
      return new Named("payload-cut", "[" + from + ", " + to + ")", file -> {
        byte[] b = pristineBytes;
        int a = (int) payloadOffset + from;
        int z = (int) payloadOffset + to;
        byte[] out = new byte[b.length - (z - a)];
        System.arraycopy(b, 0, out, 0, a);
        System.arraycopy(b, z, out, a, b.length - z);
        Files.write(file, out);
      });
    }
    if (pick < 58) {
      long at = payloadOffset + rnd.nextInt((int) (pristineBytes.length - payloadOffset));
      return new Named("file-truncate", "at " + at + " of " + pristineBytes.length, file -> {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
          raf.setLength(at);
        }
      });
    }
    if (pick < 78) {
      String value = badIvfValue(rnd);
      return new Named("ivf-key-value", value.length() > 60 ? value.substring(0, 60) + "..." : value,
          file -> Hx.editFooter(file, md -> Hx.setKey(md, IVF_KEY, value)));
    }
    if (pick < 88) {
      String value = badBaseValue(rnd);
      return new Named("base-key-value", value,
          file -> Hx.editFooter(file, md -> Hx.setKey(md, BASE_KEY, value)));
    }
    if (pick < 95) {
      // Raw bytes of the key-value strings flipped in place (footer re-parsed from damaged bytes).
      String target = rnd.nextBoolean() ? Hx.tailValue(pristineBytes, IVF_KEY)
          : rnd.nextBoolean() ? IVF_KEY : BASE_KEY;
      int pos = indexOf(pristineBytes, target.getBytes(StandardCharsets.UTF_8), footerStart);
      int at = pos + rnd.nextInt(target.length());
      int mask = 1 + rnd.nextInt(255);
      return new Named("footer-kv-rawflip", "'" + target + "' byte " + (at - pos), file -> {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
          raf.seek(at);
          int b = raf.read();
          raf.seek(at);
          raf.write(b ^ mask);
        }
      });
    }
    int variant = rnd.nextInt(4);
    return new Named("footer-keys", new String[] {"ivf key removed", "base key removed",
        "ivf key duplicated with garbage first", "both keys removed"}[variant], file ->
        Hx.editFooter(file, md -> {
          switch (variant) {
            case 0 -> Hx.setKey(md, IVF_KEY, null);
            case 1 -> Hx.setKey(md, BASE_KEY, null);
            case 2 -> {
              List<org.apache.parquet.format.KeyValue> kvs = new ArrayList<>(md.getKey_value_metadata());
              kvs.add(0, new org.apache.parquet.format.KeyValue(IVF_KEY).setValue("7:7:deadbeef"));
              md.setKey_value_metadata(kvs);
            }
            default -> {
              Hx.setKey(md, IVF_KEY, null);
              Hx.setKey(md, BASE_KEY, null);
            }
          }
        }));
  }

  private static String crcHex(byte[] b, long from, long to) {
    CRC32C crc = new CRC32C();
    crc.update(b, (int) from, (int) (to - from));
    return String.format("%08x", (int) crc.getValue());
  }

  private String badIvfValue(Random rnd) {
    long len = payloadLength;
    long off = payloadOffset;
    String crc = crcHex(pristineBytes, off, off + len);
    switch (rnd.nextInt(14)) {
      case 0: {
        StringBuilder s = new StringBuilder();
        for (int j = rnd.nextInt(40); j > 0; j--) {
          s.append((char) (32 + rnd.nextInt(95)));
        }
        return s.toString();
      }
      case 1: return "";
      case 2: return "999999999999999999:999999999999999999:" + crc;
      case 3: return "99999999999999999999:" + len + ":" + crc;
      case 4: return "-" + off + ":" + len + ":" + crc;
      case 5: return off + ":-" + len + ":" + crc;
      case 6: { // into the data pages, with the checksum of those bytes
        long o = 4 + rnd.nextInt((int) base - 4 - 1);
        long l = Math.min(len, base - o);
        return o + ":" + l + ":" + crcHex(pristineBytes, o, o + l);
      }
      case 7: { // a sub-range of the payload with its own valid checksum
        long o = off + rnd.nextInt((int) len);
        long l = 1 + rnd.nextInt((int) (off + len - o));
        return o + ":" + l + ":" + crcHex(pristineBytes, o, o + l);
      }
      case 8: return (off + 1) + ":" + len + ":" + crc;
      case 9: return off + ":" + (len - 1 - rnd.nextInt(100)) + ":" + crc;
      case 10: return off + ":" + len; // the old two-field form, no checksum
      case 11: return off + ":0:" + crcHex(pristineBytes, 0, 0);
      case 12: return footerStart + ":" + (pristineBytes.length - footerStart) + ":" + crc;
      default: return off + ":" + (Integer.MAX_VALUE + 10L) + ":" + crc;
    }
  }

  private String badBaseValue(Random rnd) {
    switch (rnd.nextInt(10)) {
      case 0: return "garbage";
      case 1: return "";
      case 2: return "-" + base;
      case 3: return "99999999999999999999";
      case 4: return Long.toString(Long.MAX_VALUE);
      case 5: return Integer.toString(4 + rnd.nextInt((int) base - 4)); // into data pages
      case 6: return Long.toString(payloadOffset + 1 + rnd.nextInt(payloadLength));
      case 7: return Long.toString(footerStart + rnd.nextInt(100));
      case 8: return "0";
      default: return base + " ";
    }
  }

  private static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = from; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalStateException("not found");
  }

  // ---- forged mutations (checksums recomputed) -----------------------------------------------

  private Named forged(Random rnd, int i) {
    int region = rnd.nextInt(4);
    // header (0..160), centroids/list table, list data, anywhere
    int from;
    int to;
    switch (region) {
      case 0 -> { from = 0; to = 160; }
      case 1 -> { from = 160; to = Math.min(payloadLength - 4, 160 + 4096); }
      case 2 -> { from = payloadLength / 2; to = payloadLength - 4; }
      default -> { from = 0; to = payloadLength - 4; }
    }
    int flips = 1 + rnd.nextInt(3);
    int[] at = new int[flips];
    int[] value = new int[flips];
    for (int f = 0; f < flips; f++) {
      at[f] = from + rnd.nextInt(to - from);
      value[f] = rnd.nextInt(4) == 0 ? 0xff : rnd.nextInt(256);
    }
    return new Named("forged", flips + " bytes in region " + region, file -> {
      byte[] payload = java.util.Arrays.copyOfRange(pristineBytes, (int) payloadOffset,
          (int) payloadOffset + payloadLength);
      for (int f = 0; f < flips; f++) {
        payload[at[f]] = (byte) value[f];
      }
      CRC32C inner = new CRC32C();
      inner.update(payload, 0, payload.length - 4);
      ByteBuffer.wrap(payload, payload.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN)
          .putInt((int) inner.getValue());
      try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
        raf.seek(payloadOffset);
        raf.write(payload);
      }
      String loc = payloadOffset + ":" + payloadLength + ":" + crcHex(payload, 0, payload.length);
      Hx.editFooter(file, md -> Hx.setKey(md, IVF_KEY, loc));
    });
  }
}
