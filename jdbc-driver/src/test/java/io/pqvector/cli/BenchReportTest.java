package io.pqvector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code bench --json}'s format (read by bench/report.js and quoted in the README): field names
 * and order, optional sections left out, numbers to four decimals, NaN as null.
 */
class BenchReportTest {
  private static final BenchReport.Row EXACT =
      new BenchReport.Row("exact", null, 1, 12.34567, 20, 1, 6000, 0);
  private static final BenchReport.Row NPROBE =
      new BenchReport.Row("nprobe=5", 5, 0.98333333, 1.5, 2.25, 8.2304, 900.5, 5);
  private static final BenchReport.Planning PLANNING =
      new BenchReport.Planning(10, 2, 83.33333, 0.1, 2, 4.7619, 5, 10);

  @Test void fullReport() {
    BenchReport report = new BenchReport(new BenchReport.Rewrite("/in.parquet", 1.5),
        "/f.parquet", "embedding", 6000, 16, "l2", 10, 12, "12 vectors", -1, "0", 0,
        new BenchReport.Index(77, 16, 4096, 1_000_000, 0.4096, 5),
        new BenchReport.Build(0.5, 0.25, 77, 6000, 900_000, 1_000_000, 100_000, 4096, 1 << 20,
            1 << 19, 1 << 21, 1 << 30),
        EXACT, List.of(NPROBE), PLANNING,
        new BenchReport.Row("duckdb exact", null, Double.NaN, 30, 40, 0.4115, 0, 0), 0.95, 5,
        "nprobe=5 is ...", true);
    assertEquals("{\"rewrite\":{\"from\":\"/in.parquet\",\"seconds\":1.5},"
        + "\"file\":\"/f.parquet\",\"column\":\"embedding\",\"rows\":6000,\"dimension\":16,"
        + "\"metric\":\"l2\",\"k\":10,\"queries\":12,\"querySource\":\"12 vectors\",\"warmup\":-1,"
        + "\"cacheSize\":\"0\",\"cacheBytes\":0,\"index\":{\"lists\":77,\"dimension\":16,"
        + "\"bytes\":4096,\"fileBytes\":1000000,\"percentOfFile\":0.4096,\"defaultNprobe\":5},"
        + "\"build\":{\"seconds\":0.5,\"trainSeconds\":0.25,\"lists\":77,\"trainingRows\":6000,"
        + "\"bytesBefore\":900000,\"bytesAfter\":1000000,\"bytesAdded\":100000,"
        + "\"indexBytes\":4096,\"peakHeapBytes\":1048576,\"heapBeforeBytes\":524288,"
        + "\"heapPoolPeakSumBytes\":2097152,\"maxHeapBytes\":1073741824},"
        + "\"exact\":{\"plan\":\"exact\",\"nprobe\":null,\"recall\":1,\"medianMs\":12.3457,"
        + "\"p95Ms\":20,\"speedup\":1,\"rowsScoredPerQuery\":6000,\"listsProbedPerQuery\":0},"
        + "\"results\":[{\"plan\":\"nprobe=5\",\"nprobe\":5,\"recall\":0.9833,\"medianMs\":1.5,"
        + "\"p95Ms\":2.25,\"speedup\":8.2304,\"rowsScoredPerQuery\":900.5,"
        + "\"listsProbedPerQuery\":5}],"
        + "\"planning\":{\"firstPrepareMs\":10,\"firstExecuteMs\":2,"
        + "\"firstPlanningPercent\":83.3333,\"repeatPrepareMs\":0.1,\"repeatExecuteMs\":2,"
        + "\"repeatPlanningPercent\":4.7619,\"samplesFirst\":5,\"samplesRepeated\":10},"
        + "\"duckdb\":{\"plan\":\"duckdb exact\",\"nprobe\":null,\"recall\":null,"
        + "\"medianMs\":30,\"p95Ms\":40,\"speedup\":0.4115,\"rowsScoredPerQuery\":0,"
        + "\"listsProbedPerQuery\":0},"
        + "\"targetRecall\":0.95,\"recommendedNprobe\":5,\"recommendation\":\"nprobe=5 is ...\","
        + "\"literal\":true}",
        report.json());
  }

  @Test void optionalSectionsAreLeftOutButANullRecommendationIsWritten() {
    BenchReport report = new BenchReport(null, "/f.parquet", "v", 10, 2, "cosine", 3, 1, "s", 2,
        "512m", 536870912, new BenchReport.Index(3, 2, 10, 100, 10, 3), null, EXACT, List.of(),
        PLANNING, new BenchReport.DuckdbError("not on the classpath"), 0.99, null, "none", false);
    String json = report.json();
    assertEquals(false, json.contains("\"rewrite\"") || json.contains("\"build\""), json);
    assertEquals(true, json.contains("\"results\":[],\"planning\":"), json);
    assertEquals(true, json.endsWith("\"duckdb\":{\"error\":\"not on the classpath\"},"
        + "\"targetRecall\":0.99,\"recommendedNprobe\":null,\"recommendation\":\"none\","
        + "\"literal\":false}"), json);
  }
}
