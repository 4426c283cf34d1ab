package io.pqvector.embed;

import io.pqvector.calcite.function.TextEmbedder;
import io.pqvector.calcite.function.TextEmbeddings;
import io.pqvector.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Throughput and latency figures for the README (not a test): sentences per second of the
 * {@code embed} command against ONNX Runtime's own throughput on the same texts in the same
 * batches, and what {@code embed('...')} adds to a query. Texts are the Debian package
 * descriptions of the tests, repeated. Run with the test class path, e.g.
 * {@code java -cp embed/target/test-classes:embed/target/classes:$(cat cp.txt)
 * io.pqvector.embed.EmbedBenchmark [repeats] [batch]}.
 */
public final class EmbedBenchmark {
  private EmbedBenchmark() {}

  public static void main(String[] args) throws Exception {
    int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    Path tmp = Files.createTempDirectory("embed-bench");
    Path tsv = Paths.get(EmbedBenchmark.class.getResource("/debian-packages.tsv").toURI());
    Path raw = tmp.resolve("raw.parquet");
    List<String> texts = new ArrayList<>();
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = duck.createStatement()) {
      s.execute("COPY (SELECT t.* FROM read_csv('" + tsv + "', delim='\t', header=true,"
          + " quote='', escape='', columns={'package': 'VARCHAR', 'section': 'VARCHAR',"
          + " 'description': 'VARCHAR'}) t, range(" + repeats + ")) TO '" + raw
          + "' (FORMAT parquet)");
      try (ResultSet rs = s.executeQuery("SELECT description FROM '" + raw + "'")) {
        while (rs.next()) {
          texts.add(rs.getString(1));
        }
      }
    }
    System.out.printf(Locale.ROOT, "%d texts, batches of %d, %d cores%n", texts.size(), batch,
        Runtime.getRuntime().availableProcessors());

    TextEmbedder model = TextEmbeddings.model(null);
    model.embed(texts.subList(0, 16), false); // warm-up
    try (ReferenceEncoder reference = new ReferenceEncoder(128)) {
      reference.embed(texts.subList(0, 16));
      long t0 = System.nanoTime();
      for (int i = 0; i < texts.size(); i += batch) {
        reference.embed(texts.subList(i, Math.min(texts.size(), i + batch)));
      }
      report("raw ONNX Runtime, padded batches (one session.run per batch)", texts.size(), t0);
      t0 = System.nanoTime();
      for (String t : texts) {
        reference.embed(List.of(t));
      }
      report("raw ONNX Runtime, one text per session.run", texts.size(), t0);
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < texts.size(); i += batch) {
      model.embed(texts.subList(i, Math.min(texts.size(), i + batch)), false);
    }
    report("pqvector model alone (TextEmbedder.embed, batches as above)", texts.size(), t0);

    for (int threads : new int[] {1, 2}) {
      Path out = tmp.resolve("out-" + threads + "/packages.parquet");
      t0 = System.nanoTime();
      int code = Main.run(new String[] {"embed", raw.toString(), out.toString(),
          "--text-column", "description", "--batch", String.valueOf(batch), "--threads",
          String.valueOf(threads)}, System.out, System.err);
      if (code != 0) {
        throw new IllegalStateException("embed failed");
      }
      report("embed command, --threads " + threads + " (read, embed, write)", texts.size(), t0);
    }
    Path data = tmp.resolve("out-1");
    Main.run(new String[] {"index", data.resolve("packages.parquet").toString(), "--column",
        "embedding", "--metric", "cosine"}, System.out, System.err);

    // What embed('...') adds to a query: the same search with the vector already computed.
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + data)) {
      String sql = "SELECT package FROM packages ORDER BY array_cosine_distance(embedding, %s)"
          + " LIMIT 10";
      int n = 30;
      double[] words = new double[n];
      double[] vector = new double[n];
      double[] modelCall = new double[n];
      try (PreparedStatement byVector = c.prepareStatement(String.format(sql, "?"));
          PreparedStatement byText = c.prepareStatement(String.format(sql, "embed(?)"))) {
        for (int i = -5; i < n; i++) {
          String text = "query number " + i + " about a tool that downloads files";
          long a = System.nanoTime();
          float[] v = model.embed(List.of(text + " (model only)"), true)[0];
          long b = System.nanoTime();
          byText.setString(1, text);
          drain(byText);
          long c1 = System.nanoTime();
          byVector.setObject(1, v);
          drain(byVector);
          long d = System.nanoTime();
          if (i >= 0) {
            modelCall[i] = (b - a) / 1e6;
            words[i] = (c1 - b) / 1e6;
            vector[i] = (d - c1) / 1e6;
          }
        }
      }
      System.out.printf(Locale.ROOT, "one model call (a short query text): median %.1f ms%n",
          median(modelCall));
      System.out.printf(Locale.ROOT, "prepared query, embed(?) with a new text each time:"
          + " median %.1f ms%n", median(words));
      System.out.printf(Locale.ROOT, "prepared query, the vector bound to ?: median %.1f ms%n",
          median(vector));
      double[] literal = new double[n];
      try (Statement s = c.createStatement()) {
        for (int i = -5; i < n; i++) {
          long a = System.nanoTime();
          try (ResultSet rs = s.executeQuery(String.format(sql, "embed('literal query " + i
              + " about a tool that downloads files')"))) {
            while (rs.next()) {
              rs.getString(1);
            }
          }
          if (i >= 0) {
            literal[i] = (System.nanoTime() - a) / 1e6;
          }
        }
      }
      System.out.printf(Locale.ROOT, "statement with embed('...'), a new text each time"
          + " (planned each time): median %.1f ms%n", median(literal));
    }
  }

  private static void drain(PreparedStatement ps) throws Exception {
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rs.getString(1);
      }
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static void report(String what, int texts, long startNanos) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    System.out.printf(Locale.ROOT, "%-62s %7.1f sentences/s (%.1f s)%n", what,
        texts / seconds, seconds);
  }
}
