package io.pqvector.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code bench} found, as one value: written as JSON ({@code --json}, read by
 * bench/report.js; the field names and their order are that format) or as text for a person.
 * Numbers with a fraction are rounded to four decimals; NaN and infinities are null.
 */
record BenchReport(@JsonInclude(JsonInclude.Include.NON_NULL) Rewrite rewrite, String file,
    String column, long rows, int dimension, String metric, int k, int queries,
    String querySource, int warmup, String cacheSize, long cacheBytes, Index index,
    @JsonInclude(JsonInclude.Include.NON_NULL) Build build, Row exact, List<Row> results,
    Planning planning, @JsonInclude(JsonInclude.Include.NON_NULL) Object duckdb,
    double targetRecall, Integer recommendedNprobe, String recommendation, boolean literal) {

  /** {@code --rewrite}: the file measured is a copy written first. */
  record Rewrite(String from, double seconds) {}

  record Index(int lists, int dimension, long bytes, long fileBytes, double percentOfFile,
      int defaultNprobe) {}

  /** {@code --build}: the index built in this JVM, with the heap it took. */
  record Build(double seconds, double trainSeconds, int lists, long trainingRows,
      long bytesBefore, long bytesAfter, long bytesAdded, long indexBytes, long peakHeapBytes,
      long heapBeforeBytes, long heapPoolPeakSumBytes, long maxHeapBytes) {}

  /** One measured configuration: the exact plan, an nprobe, the default, or DuckDB. */
  record Row(String plan, Integer nprobe, double recall, double medianMs, double p95Ms,
      double speedup, double rowsScoredPerQuery, double listsProbedPerQuery) {}

  /** Why there is no DuckDB row although {@code --duckdb} asked for one. */
  record DuckdbError(String error) {}

  /** Prepare against execute of a literal-vector query, first time and repeated. */
  record Planning(double firstPrepareMs, double firstExecuteMs, double firstPlanningPercent,
      double repeatPrepareMs, double repeatExecuteMs, double repeatPlanningPercent,
      int samplesFirst, int samplesRepeated) {}

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
      .addModule(new SimpleModule().addSerializer(Double.class, new FourDecimals())
          .addSerializer(double.class, new FourDecimals()))
      .build();

  /** Four decimals, no trailing zeros ({@code 1}, {@code 0.9833}); NaN and infinities as null. */
  static final class FourDecimals extends JsonSerializer<Double> {
    @Override public void serialize(Double value, JsonGenerator gen, SerializerProvider sp)
        throws IOException {
      if (Double.isFinite(value)) {
        gen.writeNumber(BigDecimal.valueOf(Math.round(value * 1e4) / 1e4).stripTrailingZeros());
      } else {
        gen.writeNull();
      }
    }
  }

  String json() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the report as JSON", e);
    }
  }

  /** The report for a person. */
  void printText(PrintStream out) {
    out.printf(Locale.ROOT, "pqvector bench: %s, column %s%n", file, column);
    out.printf(Locale.ROOT, "  %,d rows, %d dims, metric %s; index: %d lists, %,d bytes (%.2f%% "
        + "of the file's %,d bytes), default nprobe %d%n", rows, dimension, metric, index.lists(),
        index.bytes(), index.percentOfFile(), index.fileBytes(), index.defaultNprobe());
    if (build != null) {
      out.printf(Locale.ROOT, "  built here: %.2f s (k-means %.2f s), +%,d bytes, peak heap used "
          + "%.0f MB (sampled)%n", build.seconds(), build.trainSeconds(), build.bytesAdded(),
          build.peakHeapBytes() / 1e6);
    }
    if (rewrite != null) {
      out.printf(Locale.ROOT, "  rewritten here from %s in %.2f s%n", rewrite.from(),
          rewrite.seconds());
    }
    out.println("  queries: " + querySource);
    out.printf(Locale.ROOT, "  k=%d, cache %s; vector %s; each configuration: a warm-up pass "
        + "(%s), then a timed pass over all queries with the configurations interleaved%n%n", k,
        cacheBytes == 0 ? "off (cacheSize=0)" : "cacheSize=" + cacheSize,
        literal ? "as an ARRAY[...] literal in the SQL text (Statement)"
            : "bound to ? (PreparedStatement)",
        warmup < 0 ? "all queries; 3 for the exact plan" : warmup + " queries");
    out.printf(Locale.ROOT, "%-14s %9s %10s %9s %8s %13s %12s%n", "plan", "recall@" + k,
        "median ms", "p95 ms", "speedup", "rows scored/q", "lists/q");
    List<Row> all = new ArrayList<>();
    all.add(exact);
    all.addAll(results);
    if (duckdb instanceof Row duck) {
      all.add(duck);
    }
    for (Row r : all) {
      out.printf(Locale.ROOT, "%-14s %9.3f %10.2f %9.2f %7.1fx %13s %12s%n", r.plan(),
          r.recall(), r.medianMs(), r.p95Ms(), r.speedup(), r.plan().startsWith("duckdb") ? "-"
              : String.format(Locale.ROOT, "%,.0f", r.rowsScoredPerQuery()),
          r.plan().equals("exact") || r.plan().startsWith("duckdb") ? "-"
              : String.format(Locale.ROOT, "%.1f", r.listsProbedPerQuery()));
    }
    if (duckdb instanceof DuckdbError e) {
      out.println("duckdb: " + e.error());
    }
    out.println();
    out.printf(Locale.ROOT, "planning of a literal-vector query (Statement with ARRAY[...], "
        + "default nprobe):%n  first time:  prepare %.2f ms + execute %.2f ms (%.0f%% planning)%n"
        + "  repeated:    prepare %.2f ms + execute %.2f ms (%.0f%% planning; plan cache: "
        + "same query, other vector)%n%n",
        planning.firstPrepareMs(), planning.firstExecuteMs(), planning.firstPlanningPercent(),
        planning.repeatPrepareMs(), planning.repeatExecuteMs(),
        planning.repeatPlanningPercent());
    out.println("recommendation: " + recommendation);
  }
}
