package io.pqvector.cli;

import io.pqvector.ivf.BuildProgress;
import io.pqvector.ivf.BuildReport;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.rewrite.SearchLayoutRewriter;
import io.pqvector.vector.Metric;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/** {@code bench --build} and {@code bench --rewrite}: the file's index made in this JVM, measured. */
final class BenchIndex {
  private BenchIndex() {}

  /** Builds the index in this JVM, sampling heap use while it runs. */
  static BenchReport.Build build(Path file, String column, Metric metric, int lists, long seed,
      BuildProgress progress) throws Exception {
    List<MemoryPoolMXBean> pools = new ArrayList<>();
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        p.resetPeakUsage();
        pools.add(p);
      }
    }
    System.gc();
    Runtime rt = Runtime.getRuntime();
    long baseline = rt.totalMemory() - rt.freeMemory();
    AtomicLong peak = new AtomicLong(baseline);
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "bench-heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
    BuildReport r;
    try {
      r = IvfIndexBuilder.forFile(file).column(column).metric(metric).lists(lists).seed(seed)
          .progress(progress).build();
    } finally {
      sampler.interrupt();
      sampler.join();
    }
    long poolPeak = 0;
    for (MemoryPoolMXBean p : pools) {
      poolPeak += p.getPeakUsage().getUsed();
    }
    return new BenchReport.Build(r.seconds(), r.trainSeconds(), r.lists(), r.trainingRows(),
        r.bytesBefore(), r.bytesAfter(), r.bytesAfter() - r.bytesBefore(), r.indexBytes(),
        peak.get(), baseline, poolPeak, rt.maxMemory());
  }

  /** Writes a search-friendly copy of {@code in} (as the rewrite command does) and times it. */
  static BenchReport.Rewrite rewrite(Path in, Path target, String column, Metric metric)
      throws Exception {
    if (!target.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".parquet")) {
      throw new UsageException("--rewrite expects a *.parquet output file");
    }
    Files.createDirectories(target.getParent());
    Files.deleteIfExists(target);
    long t0 = System.nanoTime();
    SearchLayoutRewriter.from(in).to(target).column(column).metric(metric).rewrite();
    return new BenchReport.Rewrite(in.toString(), (System.nanoTime() - t0) / 1e9);
  }
}
