package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.duck;
import static io.pqvector.sqltests.Fixtures.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.airlift.compress.lz4.Lz4HadoopStreams;
import io.pqvector.calcite.search.SearchStats;
import io.pqvector.calcite.search.VectorSearch;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.rewrite.SearchLayoutRewriter;
import io.pqvector.parquet.LocalCodecFactory;
import io.pqvector.parquet.ParquetFiles;
import io.pqvector.vector.Metric;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariants of vector search that must hold on every file layout, checked through real JDBC:
 *
 * <ul>
 *   <li>(a) every row an index search returns carries the distance recomputed from that same
 *       row's stored vector (read by DuckDB, keyed by the unique id), and every other column of
 *       the row is that row's;
 *   <li>(b) with nprobe at least the number of lists the answer equals the exact plan's;
 *   <li>(c) a {@code rewrite} copy gives the exact answers of the original.
 * </ul>
 *
 * <p>Over a matrix of layouts: writers (parquet-mr with v1 and v2 data pages, DuckDB, the
 * {@code rewrite} output of each), one, two and many row groups of unequal sizes, pages of many
 * vectors and of one vector, dictionary-encoded other columns (and vectors), every Parquet codec,
 * NULL vectors, duplicated vectors, unbalanced clusters, a multi-file table; for each: every
 * metric through its own index, filtered (common and rare filters) and unfiltered, page and
 * column caches on and off. The data is small and seeded, so it is the same on every run.
 */
class LayoutInvariantsTest {
  private static final int DIM = 16;
  private static final int K = 10;
  private static final int QUERIES = 3;
  private static final double REL_TOLERANCE = 1e-4;

  static final MessageType SCHEMA = Types.buildMessage()
      .required(PrimitiveTypeName.INT64).named("id")
      .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("word")
      .required(PrimitiveTypeName.INT32).named("cat")
      .optional(PrimitiveTypeName.DOUBLE).named("score")
      .optionalList().optionalElement(PrimitiveTypeName.FLOAT).named("embedding")
      .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("note")
      .named("layout");

  @TempDir
  static Path tmp;

  /** One function of a metric, and whether nearest means ascending. */
  private record Fn(String sql, boolean ascending) {
  }

  private record Filter(String sql, Predicate<OracleRow> holds) {
  }

  private static final Map<Metric, List<Fn>> FUNCTIONS = Map.of(
      Metric.L2, List.of(new Fn("array_distance", true)),
      Metric.COSINE, List.of(new Fn("array_cosine_distance", true)),
      Metric.DOT, List.of(new Fn("array_negative_inner_product", true),
          new Fn("array_inner_product", false)));

  private static final List<Filter> FILTERS = List.of(
      new Filter("", r -> true),
      new Filter("WHERE cat = 3", r -> r.cat == 3),
      // 6 rows, 3 of them without a vector: fewer than k rows rank, NULLs fill the answer.
      new Filter("WHERE word = 'rare'", r -> "rare".equals(r.word)));

  // ---------------------------------------------------------------------------------------------
  // The data

  /** One row as DuckDB reads it. */
  private record OracleRow(long id, String word, int cat, Double score, float[] vector,
      String note) {
  }

  /**
   * Rows {@code base .. base + n - 1}: vectors around 40 centres of very unequal popularity
   * (cubed uniform), every 50th a copy of its predecessor's vector, every 37th NULL; a word
   * from a small vocabulary (dictionary-encoded by every writer, NULL for every 41st, 'rare'
   * for six rows), a category, a score (NULL for every 53rd) and a note whose length varies
   * by region (so row groups cut by bytes hold unequal row counts).
   */
  private static List<Group> rows(long base, int n, long seed) {
    Random r = new Random(seed);
    float[][] centres = new float[40][DIM];
    for (float[] c : centres) {
      for (int j = 0; j < DIM; j++) {
        c[j] = (float) (r.nextGaussian() * 2);
      }
    }
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    List<Group> out = new ArrayList<>(n);
    float[] previous = null;
    for (int i = 0; i < n; i++) {
      long id = base + i;
      Group g = groups.newGroup();
      g.add("id", id);
      boolean rare = i == 5 || i == 42 || i == 79 || i == 101 || i == 1003 || i == n - 2;
      if (rare) {
        g.add("word", "rare");
      } else if (i % 41 != 0) {
        g.add("word", "w" + (int) (200 * Math.pow(r.nextDouble(), 2)));
      }
      g.add("cat", (int) (id % 7));
      if (i % 53 != 1) {
        g.add("score", Math.round(r.nextGaussian() * 1e6) / 1e6);
      }
      float[] v;
      if (i % 50 == 9 && previous != null) {
        v = previous;
      } else {
        float[] c = centres[(int) (40 * Math.pow(r.nextDouble(), 3))];
        v = new float[DIM];
        for (int j = 0; j < DIM; j++) {
          v[j] = Math.round((c[j] + r.nextGaussian() * 0.4) * 1000) / 1000f;
        }
      }
      if (i % 37 != 5) {
        Group embedding = g.addGroup("embedding");
        for (float x : v) {
          embedding.addGroup("list").add("element", x);
        }
        previous = v;
      }
      int noteLength = (i / 700) % 3 == 0 ? 150 : 6;
      StringBuilder note = new StringBuilder("n" + id);
      while (note.length() < noteLength) {
        note.append((char) ('a' + r.nextInt(26)));
      }
      g.add("note", note.toString());
      out.add(g);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Writers

  /** How a parquet-mr writer lays out a file. */
  private record MrOptions(WriterVersion version, CompressionCodecName codec, boolean oneVectorPerPage,
      int pageBytes, boolean dictionaryVectors, long rowGroupBytes) {
  }

  private static Path writeMr(Path file, List<Group> rows, MrOptions o) throws IOException {
    ExampleParquetWriter.Builder b = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(SCHEMA)
        .withCodecFactory(new TestCodecs(file))
        .withCompressionCodec(o.codec)
        .withWriterVersion(o.version)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withRowGroupSize(o.rowGroupBytes)
        .withDictionaryEncoding("embedding.list.element", o.dictionaryVectors);
    if (o.oneVectorPerPage) {
      b = b.withPageSize(4 * DIM).withMinRowCountForPageSizeCheck(1)
          .withMaxRowCountForPageSizeCheck(1);
    } else {
      b = b.withPageSize(o.pageBytes);
    }
    try (ParquetWriter<Group> writer = b.build()) {
      for (Group g : rows) {
        writer.write(g);
      }
    }
    return file;
  }

  /** DuckDB's COPY of the rows (written first by parquet-mr, uncompressed, then read by DuckDB). */
  private static Path writeDuckDb(Path file, List<Group> rows, String codec, int rowGroupRows)
      throws IOException, SQLException {
    Path source = file.resolveSibling(file.getFileName() + ".src");
    writeMr(source, rows, new MrOptions(WriterVersion.PARQUET_1_0,
        CompressionCodecName.UNCOMPRESSED, false, 1 << 20, false, 128 << 20));
    duck("COPY (SELECT * FROM read_parquet(" + lit(source) + ") ORDER BY id) TO " + lit(file)
        + " (FORMAT parquet, COMPRESSION '" + codec + "', ROW_GROUP_SIZE " + rowGroupRows + ")");
    Files.delete(source);
    return file;
  }

  /**
   * Codecs for writing test files: LZ4 (Hadoop framing) through aircompressor's Hadoop stream,
   * an implementation independent of pqvector's reader; everything else through pqvector's
   * factory (snappy-java, zstd-jni, java.util.zip, aircompressor's raw LZ4 block).
   */
  private static final class TestCodecs implements CompressionCodecFactory {
    private final LocalCodecFactory local;

    TestCodecs(Path file) {
      this.local = new LocalCodecFactory(file);
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
      if (codec != CompressionCodecName.LZ4) {
        return local.getCompressor(codec);
      }
      return new BytesInputCompressor() {
        @Override
        public BytesInput compress(BytesInput bytes) throws IOException {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          try (OutputStream lz4 = new Lz4HadoopStreams().createOutputStream(out)) {
            lz4.write(bytes.toByteArray());
          }
          return BytesInput.from(out.toByteArray());
        }

        @Override
        public CompressionCodecName getCodecName() {
          return codec;
        }

        @Override
        public void release() {}
      };
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
      return local.getDecompressor(codec);
    }

    @Override
    public void release() {}
  }

  // ---------------------------------------------------------------------------------------------
  // The matrix

  /** A layout: a name and what writes its files into a directory (the table {@code t}). */
  private interface Writer {
    void write(Path tableDir) throws Exception;
  }

  /**
   * A layout: a name, the metric its index is built for (each metric covers several layouts),
   * the row group size of its rewrite, the row groups it must have (its files together: exactly
   * one, or at least that many, of unequal sizes when more than two), and
   * what writes its files into a directory (the table {@code t}).
   */
  private record Layout(String name, Metric metric, long rewriteRowGroupBytes, int rowGroups,
      Writer writer) {
  }

  private static MrOptions mr(WriterVersion v, CompressionCodecName codec, boolean oneVector,
      int pageBytes, boolean dictVectors, long rowGroupBytes) {
    return new MrOptions(v, codec, oneVector, pageBytes, dictVectors, rowGroupBytes);
  }

  private static final WriterVersion V1 = WriterVersion.PARQUET_1_0;
  private static final WriterVersion V2 = WriterVersion.PARQUET_2_0;
  private static final long ONE_GROUP = 128L << 20;
  /** The rewrite's row groups: one, or many small ones. */
  private static final long REWRITE_ONE = SearchLayoutRewriter.DEFAULT_ROW_GROUP_BYTES;
  private static final long REWRITE_MANY = 1 << 16;
  private static final int ROWS = 4000;

  private static List<Layout> layouts() {
    List<Layout> l = new ArrayList<>();
    l.add(new Layout("parquet-mr v1, UNCOMPRESSED, 8 KB pages, 1 row group", Metric.L2,
        REWRITE_MANY, 1, dir -> writeMr(dir.resolve("a.parquet"), rows(0, ROWS, 1),
            mr(V1, CompressionCodecName.UNCOMPRESSED, false, 8 << 10, false, ONE_GROUP))));
    l.add(new Layout("parquet-mr v2, SNAPPY, one vector per page, unequal row groups",
        Metric.COSINE, REWRITE_ONE, 3, dir -> writeMr(dir.resolve("a.parquet"),
            rows(0, ROWS, 2), mr(V2, CompressionCodecName.SNAPPY, true, 0, false, 120 << 10))));
    l.add(new Layout("parquet-mr v1, GZIP, one vector per page, 2+ row groups", Metric.DOT,
        REWRITE_MANY, 2, dir -> writeMr(dir.resolve("a.parquet"), rows(0, ROWS, 3),
            mr(V1, CompressionCodecName.GZIP, true, 0, false, 450 << 10))));
    l.add(new Layout("parquet-mr v2, ZSTD, 4 KB pages, dictionary-encoded vectors, 1 row group",
        Metric.L2, REWRITE_ONE, 1, dir -> writeMr(dir.resolve("a.parquet"), rows(0, ROWS, 4),
            mr(V2, CompressionCodecName.ZSTD, false, 4 << 10, true, ONE_GROUP))));
    l.add(new Layout("parquet-mr v1, LZ4_RAW, 2 KB pages, unequal row groups", Metric.COSINE,
        REWRITE_MANY, 3, dir -> writeMr(dir.resolve("a.parquet"), rows(0, ROWS, 5),
            mr(V1, CompressionCodecName.LZ4_RAW, false, 2 << 10, false, 100 << 10))));
    l.add(new Layout("parquet-mr v1, LZ4 (Hadoop framing), one vector per page, unequal row groups",
        Metric.DOT, REWRITE_ONE, 3, dir -> writeMr(dir.resolve("a.parquet"), rows(0, ROWS, 6),
            mr(V1, CompressionCodecName.LZ4, true, 0, false, 90 << 10))));
    l.add(new Layout("parquet-mr v2, UNCOMPRESSED, one vector per page, dictionary-encoded vectors,"
        + " 1 row group", Metric.L2, REWRITE_MANY, 1, dir -> writeMr(dir.resolve("a.parquet"),
            rows(0, ROWS, 7), mr(V2, CompressionCodecName.UNCOMPRESSED, true, 0, true, ONE_GROUP))));
    // DuckDB's codecs, one file each, as tables of three files. DuckDB cuts row groups at
    // multiples of 2,048 rows, so the last one of a file is smaller.
    l.add(new Layout("DuckDB: SNAPPY, 3 row groups; GZIP, 2; BROTLI, 1", Metric.COSINE,
        REWRITE_MANY, 3 + 2 + 1, dir -> {
          writeDuckDb(dir.resolve("snappy.parquet"), rows(0, 4500, 10), "snappy", 2048);
          writeDuckDb(dir.resolve("gzip.parquet"), rows(100_000, 2300, 11), "gzip", 2048);
          writeDuckDb(dir.resolve("brotli.parquet"), rows(200_000, 1200, 12), "brotli", 100_000);
        }));
    l.add(new Layout("DuckDB: UNCOMPRESSED, 1 row group; ZSTD, 3; LZ4_RAW, 2", Metric.DOT,
        REWRITE_ONE, 1 + 3 + 2, dir -> {
          writeDuckDb(dir.resolve("uncompressed.parquet"), rows(0, 1200, 13), "uncompressed",
              100_000);
          writeDuckDb(dir.resolve("zstd.parquet"), rows(100_000, 4300, 14), "zstd", 2048);
          writeDuckDb(dir.resolve("lz4_raw.parquet"), rows(200_000, 2500, 15), "lz4_raw", 2048);
        }));
    l.add(new Layout("three files: DuckDB ZSTD, parquet-mr v2 SNAPPY one vector per page,"
        + " parquet-mr v1 GZIP 8 KB pages", Metric.L2, REWRITE_MANY, 2 + 3 + 1, dir -> {
          writeDuckDb(dir.resolve("a.parquet"), rows(0, 2500, 30), "zstd", 2048);
          writeMr(dir.resolve("b.parquet"), rows(100_000, 1800, 31),
              mr(V2, CompressionCodecName.SNAPPY, true, 0, false, 60 << 10));
          writeMr(dir.resolve("c.parquet"), rows(200_000, 1200, 32),
              mr(V1, CompressionCodecName.GZIP, false, 8 << 10, false, ONE_GROUP));
        }));
    return l;
  }

  /** {@code -Dlayouts=text} runs only the layouts whose name contains the text. */
  @TestFactory
  Stream<DynamicTest> invariantsHoldOnEveryLayout() {
    List<Layout> layouts = layouts();
    String only = System.getProperty("layouts", "");
    return layouts.stream().filter(layout -> layout.name.contains(only))
        .map(layout -> DynamicTest.dynamicTest(layout.name + " (" + layout.metric + ")", () -> {
          Path root = Files.createDirectories(tmp.resolve("layout" + layouts.indexOf(layout)));
          Path base = Files.createDirectories(root.resolve("base").resolve("t"));
          layout.writer.write(base);
          check(layout, root, base);
        }));
  }

  // ---------------------------------------------------------------------------------------------
  // The checks

  private static void check(Layout layout, Path root, Path base) throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(base)) {
      files = s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
    }
    List<Long> groupRows = new ArrayList<>();
    for (Path f : files) {
      ParquetFiles.readFooter(f).getBlocks().forEach(b -> groupRows.add(b.getRowCount()));
    }
    if (layout.rowGroups == 1) {
      assertEquals(1, groupRows.size(), layout.name + ": row groups " + groupRows);
    } else {
      assertTrue(groupRows.size() >= layout.rowGroups, layout.name + ": row groups " + groupRows);
    }
    if (groupRows.size() > 2) {
      assertTrue(new HashSet<>(groupRows).size() > 1, "unequal row groups: " + groupRows);
    }
    Map<Long, OracleRow> oracle = readWithDuckDb(base);
    List<float[]> queries = queries(oracle);
    Metric metric = layout.metric;
    Path inPlace = Files.createDirectories(root.resolve("in-place").resolve("t"));
    Path copy = Files.createDirectories(root.resolve("rewrite").resolve("t"));
    int lists = 0;
    for (Path f : files) {
      Path target = inPlace.resolve(f.getFileName());
      Files.copy(f, target);
      lists = Math.max(lists, IvfIndexBuilder.forFile(target).column("embedding").metric(metric)
          .build().lists());
      SearchLayoutRewriter.from(f).to(copy.resolve(f.getFileName())).column("embedding")
          .metric(metric).rowGroupBytes(layout.rewriteRowGroupBytes).rewrite();
    }
    assertTrue(lists > 16, layout.name + ": " + lists + " lists; nprobe < lists must matter");
    Map<Long, OracleRow> copyRows = readWithDuckDb(copy);
    assertEquals(oracle.keySet(), copyRows.keySet(), "rewrite kept every row");
    for (OracleRow r : oracle.values()) {
      assertRowEquals(r, copyRows.get(r.id), "rewrite copy, DuckDB's read of row " + r.id);
    }
    for (String cache : List.of(";cacheSize=0", ";cacheSize=64m")) {
      try (Connection origDefault = Fixtures.pqvector(inPlace.getParent(), cache);
          Connection origAll = Fixtures.pqvector(inPlace.getParent(), cache, ";nprobe=100000");
          Connection origExact = Fixtures.pqvector(inPlace.getParent(), cache, ";useIndex=false");
          Connection copyDefault = Fixtures.pqvector(copy.getParent(), cache);
          Connection copyAll = Fixtures.pqvector(copy.getParent(), cache, ";nprobe=100000");
          Connection copyExact = Fixtures.pqvector(copy.getParent(), cache, ";useIndex=false")) {
        Connection[] connections = {origDefault, copyDefault, origExact, copyExact, origAll,
            copyAll};
        for (Fn fn : FUNCTIONS.get(metric)) {
          for (Filter filter : FILTERS) {
            String what = layout.name + ", " + metric + " index, " + fn.sql + ", "
                + (filter.sql.isEmpty() ? "unfiltered" : filter.sql) + ", " + cache.substring(1);
            checkQueries(what, connections, files.size(), fn, filter, oracle, queries);
          }
        }
      }
    }
  }

  /** What each of the six connections of {@link #check} reads, in their order. */
  private static final String[] SOURCES = {"in place, default nprobe",
      "rewrite copy, default nprobe", "in place, exact plan", "rewrite copy, exact plan",
      "in place, nprobe >= lists", "rewrite copy, nprobe >= lists"};

  private static void checkQueries(String what, Connection[] connections, int fileCount, Fn fn,
      Filter filter, Map<Long, OracleRow> oracle, List<float[]> queries) throws SQLException {
    String sql = "SELECT id, word, cat, score, note, embedding, " + fn.sql + "(embedding, ?) AS d"
        + " FROM t " + filter.sql + " ORDER BY d" + (fn.ascending ? "" : " DESC") + " LIMIT " + K;
    PreparedStatement[] statements = new PreparedStatement[connections.length];
    try {
      for (int c = 0; c < connections.length; c++) {
        statements[c] = connections[c].prepareStatement(sql);
      }
      for (int q = 0; q < queries.size(); q++) {
        float[] query = queries.get(q);
        String at = what + ", query " + q;
        List<Result> origApprox = run(statements[0], query);
        assertIndexUsed(at + ", in place", fileCount, filter);
        List<Result> copyApprox = run(statements[1], query);
        assertIndexUsed(at + ", rewrite copy", fileCount, filter);
        List<Result> exact = run(statements[2], query);
        List<Result> copyExact = run(statements[3], query);
        List<Result> origProbeAll = run(statements[4], query);
        List<Result> copyProbeAll = run(statements[5], query);
        // (a) every row is itself: its distance, its vector and its other columns
        List<List<Result>> answers = List.of(origApprox, copyApprox, exact, copyExact,
            origProbeAll, copyProbeAll);
        for (int a = 0; a < answers.size(); a++) {
          for (Result r : answers.get(a)) {
            assertOwnRow(at + ", " + SOURCES[a], r, oracle, fn, query, filter);
          }
        }
        // The exact answer is the top k of the oracle (ties aside).
        assertSameAnswer(at + ": exact plan against the oracle",
            oracleTopK(oracle, fn, query, filter), exact);
        // (b) probing every list is exact
        assertSameAnswer(at + ": in place, nprobe >= lists", exact, origProbeAll);
        assertSameAnswer(at + ": rewrite copy, nprobe >= lists", exact, copyProbeAll);
        // (c) the rewrite copy's exact answer is the original's
        assertSameAnswer(at + ": rewrite copy, exact plan", exact, copyExact);
        assertTrue(origApprox.size() == exact.size() && copyApprox.size() == exact.size(),
            at + ": the index answer has as many rows as the exact one");
      }
    } finally {
      for (PreparedStatement ps : statements) {
        if (ps != null) {
          ps.close();
        }
      }
    }
  }

  /** One returned row. */
  private record Result(long id, String word, int cat, Double score, String note, float[] vector,
      Float distance) {
    @Override
    public String toString() {
      return "row id " + id + " at " + distance;
    }
  }

  private static List<Result> run(PreparedStatement ps, float[] query) throws SQLException {
    ps.setObject(1, query);
    List<Result> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Number score = (Number) rs.getObject(4);
        Number d = (Number) rs.getObject(7);
        out.add(new Result(rs.getLong(1), rs.getString(2), rs.getInt(3),
            score == null ? null : score.doubleValue(), rs.getString(5),
            floats(rs.getArray(6)), d == null ? null : d.floatValue()));
      }
    }
    return out;
  }

  private static void assertIndexUsed(String at, int fileCount, Filter filter) {
    SearchStats stats = VectorSearch.lastStats();
    if (filter.sql.contains("rare")) {
      return; // fewer passing rows than k: files may rightly be searched exactly
    }
    assertEquals(fileCount, stats.indexedFiles(), at + ": files searched through the index");
  }

  private static void assertOwnRow(String at, Result r, Map<Long, OracleRow> oracle, Fn fn,
      float[] query, Filter filter) {
    OracleRow truth = oracle.get(r.id);
    if (truth == null) {
      fail(at + ": returned " + r + ", which no file holds");
    }
    assertTrue(filter.holds.test(truth), at + ": " + r + " does not pass the filter");
    assertEquals(truth.word, r.word, at + ": word of " + r);
    assertEquals(truth.cat, r.cat, at + ": cat of " + r);
    assertEquals(truth.score, r.score, at + ": score of " + r);
    assertEquals(truth.note, r.note, at + ": note of " + r);
    if (truth.vector == null) {
      assertEquals(null, r.vector, at + ": vector of " + r);
      assertEquals(null, r.distance, at + ": distance of " + r + ", whose vector is NULL");
      return;
    }
    assertTrue(Arrays.equals(truth.vector, r.vector), at + ": vector of " + r);
    double expected = distance(fn, truth.vector, query);
    if (r.distance == null || !close(expected, r.distance)) {
      fail(at + ": " + r + " carries distance " + r.distance + "; its own vector is at " + expected);
    }
  }

  private static void assertRowEquals(OracleRow expected, OracleRow actual, String what) {
    assertEquals(expected.word, actual.word, what);
    assertEquals(expected.cat, actual.cat, what);
    assertEquals(expected.score, actual.score, what);
    assertEquals(expected.note, actual.note, what);
    assertTrue(Arrays.equals(expected.vector, actual.vector), what);
  }

  /**
   * Same distances in the same order, and the same rows but for ties: rows at one distance may
   * come in any order, and at the last distance of a full answer any of the tied rows may be
   * the ones cut off.
   */
  private static void assertSameAnswer(String at, List<Result> expected, List<Result> actual) {
    assertEquals(expected.size(), actual.size(), at + ": rows " + actual + " against " + expected);
    int i = 0;
    while (i < expected.size()) {
      Float d = expected.get(i).distance;
      int j = i;
      while (j < expected.size() && sameDistance(d, expected.get(j).distance)) {
        j++;
      }
      Set<Long> want = new HashSet<>();
      Set<Long> got = new HashSet<>();
      for (int p = i; p < j; p++) {
        want.add(expected.get(p).id);
        got.add(actual.get(p).id);
        if (!sameDistance(d, actual.get(p).distance)) {
          fail(at + ": position " + p + " is " + actual.get(p) + ", expected " + expected.get(p)
              + "\n  expected " + expected + "\n  actual   " + actual);
        }
      }
      boolean cut = j == expected.size() && expected.size() == K;
      if (!cut && !want.equals(got)) {
        fail(at + ": rows at distance " + d + " are " + got + ", expected " + want
            + "\n  expected " + expected + "\n  actual   " + actual);
      }
      i = j;
    }
  }

  private static boolean sameDistance(Float a, Float b) {
    if (a == null || b == null) {
      return a == b;
    }
    return close(a, b);
  }

  private static boolean close(double a, double b) {
    return Math.abs(a - b) <= REL_TOLERANCE * Math.max(1, Math.abs(a));
  }

  /** The top k by the oracle's rows and a distance computed here, NULL vectors last by id. */
  private static List<Result> oracleTopK(Map<Long, OracleRow> oracle, Fn fn, float[] query,
      Filter filter) {
    List<Result> all = new ArrayList<>();
    for (OracleRow r : oracle.values()) {
      if (filter.holds.test(r)) {
        Float d = r.vector == null ? null : (float) distance(fn, r.vector, query);
        all.add(new Result(r.id, r.word, r.cat, r.score, r.note, r.vector, d));
      }
    }
    all.sort((a, b) -> {
      if (a.distance == null || b.distance == null) {
        return a.distance == null ? (b.distance == null ? Long.compare(a.id, b.id) : 1) : -1;
      }
      int c = fn.ascending ? Float.compare(a.distance, b.distance)
          : Float.compare(b.distance, a.distance);
      return c != 0 ? c : Long.compare(a.id, b.id);
    });
    // Which NULL-distance rows fill a short answer is not promised; assertSameAnswer compares
    // a cut-off last group by distance only.
    return all.subList(0, Math.min(K, all.size()));
  }

  private static double distance(Fn fn, float[] v, float[] q) {
    double dot = 0;
    double vv = 0;
    double qq = 0;
    double l2 = 0;
    for (int i = 0; i < v.length; i++) {
      dot += (double) v[i] * q[i];
      vv += (double) v[i] * v[i];
      qq += (double) q[i] * q[i];
      l2 += ((double) v[i] - q[i]) * ((double) v[i] - q[i]);
    }
    return switch (fn.sql) {
      case "array_distance" -> Math.sqrt(l2);
      case "array_cosine_distance" -> 1 - dot / Math.sqrt(vv * qq);
      case "array_negative_inner_product" -> -dot;
      case "array_inner_product" -> dot;
      default -> throw new IllegalArgumentException(fn.sql);
    };
  }

  /** Queries: a stored vector nudged, a duplicated stored vector exactly (ties), a random one. */
  private static List<float[]> queries(Map<Long, OracleRow> oracle) {
    List<Long> ids = new ArrayList<>(oracle.keySet());
    ids.sort(null);
    Random r = new Random(99);
    List<float[]> out = new ArrayList<>();
    float[] stored = null;
    for (int i = ids.size() / 3; stored == null; i++) {
      stored = oracle.get(ids.get(i)).vector;
    }
    out.add(IvfFixtures.nudge(stored, 0.05, 1));
    out.add(oracle.get(ids.get(59)).vector.clone()); // row 59 repeats row 58's vector
    float[] random = new float[DIM];
    for (int j = 0; j < DIM; j++) {
      random[j] = Math.round(r.nextGaussian() * 2 * 1000) / 1000f;
    }
    out.add(random);
    assertEquals(QUERIES, out.size());
    return out;
  }

  /** Every row of the table's files, read by DuckDB, by id. */
  private static Map<Long, OracleRow> readWithDuckDb(Path dir) throws SQLException {
    Map<Long, OracleRow> rows = new HashMap<>();
    try (Connection c = Fixtures.duckdb(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, word, cat, score, embedding, note FROM read_parquet("
            + lit(dir.resolve("*.parquet")) + ")")) {
      while (rs.next()) {
        Number score = (Number) rs.getObject(4);
        OracleRow row = new OracleRow(rs.getLong(1), rs.getString(2), rs.getInt(3),
            score == null ? null : score.doubleValue(), floats(rs.getArray(5)), rs.getString(6));
        if (rows.put(row.id, row) != null) {
          fail(dir + " holds id " + row.id + " twice");
        }
      }
    }
    return rows;
  }

  private static float[] floats(Array array) throws SQLException {
    if (array == null) {
      return null;
    }
    Object[] values = (Object[]) array.getArray();
    float[] v = new float[values.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = ((Number) values[i]).floatValue();
    }
    return v;
  }
}
