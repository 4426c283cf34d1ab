package io.pqvector.sqltests.hardening;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.calcite.search.SearchStats;
import io.pqvector.calcite.search.VectorSearch;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.parquet.decode.DecodedPageCache;
import io.pqvector.parquet.decode.VectorBatch;
import io.pqvector.parquet.decode.VectorColumn;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory of a query is bounded by k and the probed lists, not by the file; the decoded-page
 * cache never holds more than its capacity.
 *
 * <p>Method for allocation: the search runs on the calling thread and on ForkJoin common-pool
 * threads (parallel streams), so per-thread counters of one thread miss work. Instead the
 * allocated-bytes counters of EVERY live thread
 * ({@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes(long[])}) are summed before
 * and after a query while nothing else runs in the test; the difference is the query's
 * allocation plus the noise of idle JVM threads (tiny). Threads that die in between would be
 * missed, so the pool is warmed first. The median of seven warm runs is used.
 *
 * <p>Files: parquet-mr, one vector per page (so pages can be read individually), N = 20,000 and
 * 4N = 80,000 rows of 32 floats, indexed with N/100 lists (100 rows per list), queried with
 * nprobe = 8: the rows scored are about 800 in both, so a query whose memory followed the file
 * would allocate about 4x as much on the larger file.
 */
class ResourceBoundsTest {
  static final int DIM = 32;
  static final MessageType SCHEMA = Types.buildMessage()
      .required(PrimitiveTypeName.INT64).named("id")
      .optionalList().optionalElement(PrimitiveTypeName.FLOAT).named("embedding")
      .named("onepage");

  @TempDir Path work;

  static void writeOneVectorPerPage(Path file, int rows) throws Exception {
    Random r = new Random(rows);
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(SCHEMA)
        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
        .withDictionaryEncoding("embedding.list.element", false)
        .withPageSize(DIM * 4)
        .withMinRowCountForPageSizeCheck(1)
        .withMaxRowCountForPageSizeCheck(1)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .build()) {
      for (int i = 0; i < rows; i++) {
        Group g = groups.newGroup();
        g.add("id", (long) i);
        Group embedding = g.addGroup("embedding");
        for (int d = 0; d < DIM; d++) {
          embedding.addGroup("list").add("element", r.nextFloat() * 2 - 1);
        }
        writer.write(g);
      }
    }
  }

  static long allThreadsAllocated() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long[] ids = mx.getAllThreadIds();
    long sum = 0;
    for (long b : mx.getThreadAllocatedBytes(ids)) {
      if (b > 0) {
        sum += b;
      }
    }
    return sum;
  }

  /** Median bytes allocated (all threads) by one warm execution of {@code p}. */
  static long medianAllocation(PreparedStatement p, float[] q) throws Exception {
    long[] samples = new long[7];
    for (int run = -3; run < samples.length; run++) {
      p.setObject(1, q);
      long before = allThreadsAllocated();
      int n = 0;
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          n++;
        }
      }
      long after = allThreadsAllocated();
      assertEquals(10, n);
      if (run >= 0) {
        samples[run] = after - before;
      }
    }
    Arrays.sort(samples);
    return samples[samples.length / 2];
  }

  @Test void indexedQueryMemoryDoesNotGrowWithTheFile() throws Exception {
    Path small = Files.createDirectories(work.resolve("small"));
    Path large = Files.createDirectories(work.resolve("large"));
    writeOneVectorPerPage(small.resolve("v.parquet"), 20_000);
    writeOneVectorPerPage(large.resolve("v.parquet"), 80_000);
    IvfIndexBuilder.forFile(small.resolve("v.parquet")).column("embedding").lists(200).build();
    IvfIndexBuilder.forFile(large.resolve("v.parquet")).column("embedding").lists(800).build();
    float[] q = Hx.queryVector(9, DIM);
    String sql = "SELECT id FROM v ORDER BY array_distance(embedding, ?) LIMIT 10";
    long[] indexed = new long[2];
    long[] exact = new long[2];
    long[] scored = new long[2];
    Path[] dirs = {small, large};
    for (int i = 0; i < 2; i++) {
      try (Connection c = Hx.pq(dirs[i], ";nprobe=8"); PreparedStatement p = c.prepareStatement(sql)) {
        indexed[i] = medianAllocation(p, q);
        SearchStats stats = VectorSearch.lastStats();
        assertEquals(1, stats.indexedFiles(), stats.toString());
        scored[i] = stats.rowsScored();
      }
      try (Connection c = Hx.pq(dirs[i], ";useIndex=false");
          PreparedStatement p = c.prepareStatement(sql)) {
        exact[i] = medianAllocation(p, q);
      }
    }
    double ratio = (double) indexed[1] / indexed[0];
    System.out.printf("ResourceBoundsTest allocation per query (all threads, median of 7):%n"
        + "  indexed, nprobe 8: N=20,000 %d KB (%d rows scored), 4N=80,000 %d KB (%d rows"
        + " scored), ratio %.2f%n  exact scan:        N %d KB, 4N %d KB, ratio %.2f%n",
        indexed[0] >> 10, scored[0], indexed[1] >> 10, scored[1], ratio, exact[0] >> 10,
        exact[1] >> 10, (double) exact[1] / exact[0]);
    assertTrue(ratio < 2.0, "indexed query allocation grows with the file: ratio " + ratio);
  }

  @Test void pageCacheNeverExceedsItsCapacity() throws Exception {
    // DuckDB files: one page per row group, so each page is a whole chunk of vectors.
    Path dir = Files.createDirectories(work.resolve("cache"));
    List<Path> files = new ArrayList<>();
    for (int f = 0; f < 4; f++) {
      Path p = Hx.writeVectors(dir.resolve("c" + f + ".parquet"), 20_000, DIM, 2_048, 70 + f,
          f * 100_000L);
      IvfIndexBuilder.forFile(p).column("embedding").lists(20).build();
      files.add(p);
    }
    // (1) The shared cache under a JDBC query mix: sampled continuously by another thread.
    DecodedPageCache shared = DecodedPageCache.shared();
    // The cache library evicts right after each insert, so while pages are being inserted it
    // may hold those pages above capacity (at most one per loading thread); once loads settle it
    // holds at most its capacity.
    long pageBytes = 2_048L * DIM * 4 + 2_048L * 4 + 64;
    long inFlightSlack = 8 * pageBytes;
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong samples = new AtomicLong();
    AtomicLong violations = new AtomicLong();
    Thread sampler = new Thread(() -> {
      while (!stop.get()) {
        if (shared.usedBytes() > shared.capacity() + inFlightSlack) {
          violations.incrementAndGet();
        }
        samples.incrementAndGet();
        java.util.concurrent.locks.LockSupport.parkNanos(200_000);
      }
    });
    sampler.start();
    try (Connection c = Hx.pq(dir, ";nprobe=20")) {
      for (int i = 0; i < 40; i++) {
        float[] q = Hx.queryVector(1000 + i, DIM);
        String table = "c" + (i % 4);
        String where = i % 3 == 0 ? " WHERE lang = 'en'" : "";
        try (PreparedStatement p = c.prepareStatement("SELECT id FROM " + table + where
            + " ORDER BY array_distance(embedding, ?) LIMIT 10")) {
          p.setObject(1, q);
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              // drain
            }
          }
        }
      }
    } finally {
      stop.set(true);
      sampler.join();
    }
    assertEquals(0, violations.get(), "shared cache above capacity");
    assertTrue(shared.usedBytes() <= shared.capacity());
    System.out.printf("ResourceBoundsTest shared cache: %d KB used of %d KB, %d samples%n",
        shared.usedBytes() >> 10, shared.capacity() >> 10, samples.get());

    // (2) A private cache far smaller than the working set (about 40 pages of ~270 KB), 8
    // threads, real pages: it evicts, stays within capacity plus the pages in flight at every
    // moment and within capacity once settled, and every page it returns equals a direct read.
    DecodedPageCache cache = new DecodedPageCache();
    long capacity = 4L << 20;
    cache.ensureCapacity(capacity);
    List<VectorColumn> columns = new ArrayList<>();
    for (Path p : files) {
      columns.add(VectorColumn.open(p, "embedding"));
    }
    AtomicLong maxSeen = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int seed = t;
        futures.add(pool.submit(() -> {
          Random rnd = new Random(seed);
          for (int i = 0; i < 400; i++) {
            int f = rnd.nextInt(columns.size());
            VectorColumn col = columns.get(f);
            int rg = rnd.nextInt(col.rowGroupCount());
            var table = col.pages(rg);
            int page = rnd.nextInt(table.pageCount());
            VectorBatch got = cache.get(new DecodedPageCache.Key(new io.pqvector.parquet.FileVersion(files.get(f), 1, 1), "embedding", rg, page),
                () -> col.readPage(rg, table, page));
            long used = cache.usedBytes();
            maxSeen.accumulateAndGet(used, Math::max);
            if (used > cache.capacity() + inFlightSlack) {
              throw new AssertionError("cache holds " + used + " > " + cache.capacity()
                  + " + " + inFlightSlack);
            }
            VectorBatch direct = col.readPage(rg, table, page);
            assertEquals(direct.rowCount(), got.rowCount());
            assertArrayEquals(Arrays.copyOf(direct.values(), direct.rowCount() * DIM),
                Arrays.copyOf(got.values(), got.rowCount() * DIM));
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      for (VectorColumn col : columns) {
        col.close();
      }
    }
    System.out.printf("ResourceBoundsTest private cache: capacity %d KB, max used %d KB,"
        + " %d hits, %d misses%n", capacity >> 10, maxSeen.get() >> 10, cache.hits(),
        cache.misses());
    assertTrue(maxSeen.get() <= capacity + inFlightSlack);
    assertTrue(cache.usedBytes() <= capacity, cache.usedBytes() + " > " + capacity);
    assertTrue(cache.usedBytes() >= capacity - 2 * pageBytes, "a full cache after eviction: "
        + cache.usedBytes());
    assertTrue(cache.misses() > 0 && cache.hits() > 0);
  }
}
