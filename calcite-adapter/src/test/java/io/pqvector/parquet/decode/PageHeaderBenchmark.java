package io.pqvector.parquet.decode;

import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;

/**
 * Measures page headers parsed per second (not a test): parquet-format's {@code Util.readPageHeader}
 * (the parser before) against {@link PageHeaderParser}, over every header of a file of one vector per
 * page, bytes in memory.
 *
 * <p>Run: {@code java -cp <test classpath> io.pqvector.parquet.decode.PageHeaderBenchmark [rows] [dim]}
 */
public final class PageHeaderBenchmark {
  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int dim = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    Path dir = Files.createTempDirectory("pqvector-bench");
    try {
      run(dir, "v1, one vector per page", new TestVectorFile.Spec().onePerPage().rows(rows).dimension(dim));
      run(dir, "v2 + CRC, one vector per page",
          new TestVectorFile.Spec().onePerPage().v2().checksums().rows(rows).dimension(dim));
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  private static void run(Path dir, String name, TestVectorFile.Spec spec) throws Exception {
    Path file = dir.resolve("bench.parquet");
    TestVectorFile.write(file, spec);
    List<PageHeaderParserTest.HeaderAt> headers = PageHeaderParserTest.headers(file);
    int n = headers.size();
    byte[] bytes = headers.get(0).bytes();
    int[] pos = new int[n];
    int[] end = new int[n];
    for (int i = 0; i < n; i++) {
      pos[i] = headers.get(i).pos();
      end[i] = headers.get(i).end();
    }
    System.out.printf("%s: %d page headers, %d MB file%n", name, n, Files.size(file) >> 20);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    double[] best = new double[2];
    double[] bytesPerHeader = new double[2];
    for (int round = 0; round < 12; round++) {
      for (int which = 0; which < 2; which++) {
        long allocated0 = threads.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        long checksum = 0;
        for (int i = 0; i < n; i++) {
          if (which == 0) {
            ByteArrayInputStream in = new ByteArrayInputStream(bytes, pos[i], end[i] - pos[i]);
            PageHeader header = Util.readPageHeader(in);
            checksum += header.getCompressed_page_size() + (end[i] - pos[i]) - in.available();
          } else {
            PageHeaderParser page = PageHeaderParser.parse(bytes, pos[i], end[i], file, pos[i]);
            checksum += page.header.getCompressed_page_size() + page.headerLength;
          }
        }
        long t1 = System.nanoTime();
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocated0;
        double perSecond = n / ((t1 - t0) / 1e9);
        if (round >= 4) {
          best[which] = Math.max(best[which], perSecond);
          bytesPerHeader[which] = (double) allocated / n;
        }
        if (round == 0 || round == 11) {
          System.out.printf("  round %2d %-24s %,14.0f headers/s  %6.1f ns/header  %6.0f B allocated/header"
              + "  (checksum %d)%n", round, which == 0 ? "Util.readPageHeader" : "PageHeaderParser", perSecond,
              1e9 / perSecond, (double) allocated / n, checksum);
        }
      }
    }
    System.out.printf("  best: Util.readPageHeader %,.0f headers/s (%.0f B/header), PageHeaderParser %,.0f "
        + "headers/s (%.0f B/header): %.1fx%n", best[0], bytesPerHeader[0], best[1], bytesPerHeader[1],
        best[1] / best[0]);
    Files.delete(file);
  }

  private PageHeaderBenchmark() {}
}
