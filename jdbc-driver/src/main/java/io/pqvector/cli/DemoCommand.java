package io.pqvector.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import io.pqvector.ivf.BuildReport;
import io.pqvector.ivf.IvfIndexBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: writes a generated dataset as Parquet, then runs vector queries through the JDBC
 * driver exactly as a user would, printing rows, plans and timings.
 */
@Command(name = "demo", description = "generate sample data and run vector queries on it")
final class DemoCommand extends CliCommand {
  @Option(names = "--dir", paramLabel = "D", defaultValue = "pqvector-demo",
      description = "where to write docs.parquet (default: ${DEFAULT-VALUE})")
  String directory;

  @Option(names = "--rows", paramLabel = "N", defaultValue = "100000",
      description = "documents to generate, at least 10 (default: ${DEFAULT-VALUE})")
  int rows;

  @Option(names = "--dim", paramLabel = "D", defaultValue = "128",
      description = "dimensions of each embedding, at least 2 (default: ${DEFAULT-VALUE})")
  int dim;

  private final PrintStream out;

  DemoCommand(Streams streams) {
    super(streams);
    this.out = streams.out();
  }

  @Override public Integer call() throws Exception {
    Path dir = Paths.get(directory).toAbsolutePath().normalize();
    if (rows < 10 || dim < 2) {
      throw new UsageException("--rows must be >= 10 and --dim >= 2");
    }
    Files.createDirectories(dir);
    Path file = dir.resolve("docs.parquet");
    out.printf(Locale.ROOT, "Writing %,d documents with %d-dim embeddings to %s ...%n", rows, dim,
        file);
    long t0 = System.nanoTime();
    DemoDataset.write(file, rows, dim, 42);
    out.printf(Locale.ROOT, "  done in %.1f s, %,d bytes%n%n", seconds(t0), Files.size(file));

    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + dir)) {
      String vector = vectorOf(c, 7);
      query(c, "Nearest neighbours of document 7 (exact search)",
          "SELECT id, title, lang, array_distance(embedding, " + vector + ") AS dist\n"
              + "FROM docs ORDER BY dist LIMIT 5");
      query(c, "The same, only German documents after 2015",
          "SELECT id, title, lang, \"year\", array_distance(embedding, " + vector + ") AS dist\n"
              + "FROM docs WHERE lang = 'de' AND \"year\" > 2015 ORDER BY dist LIMIT 5");
      query(c, "More like document 7, by cosine distance, with a scalar subquery",
          "SELECT id, title FROM docs\n"
              + "ORDER BY array_cosine_distance(embedding, "
              + "(SELECT embedding FROM docs WHERE id = 7)) LIMIT 5");
      preparedQuery(c, rows);

      out.println("-- Building an IVF index inside docs.parquet (the data pages stay as they are)");
      BuildReport report = IvfIndexBuilder.forFile(file).column("embedding").build();
      out.println(IndexCommand.summary(report));
      out.println();
      query(c, "The first query again: now answered by IvfTopK, probing a few lists",
          "SELECT id, title, lang, array_distance(embedding, " + vector + ") AS dist\n"
              + "FROM docs ORDER BY dist LIMIT 5");
      query(c, "With a filter: IvfTopK keeps probing until 5 rows pass it",
          "SELECT id, title, lang, \"year\", array_distance(embedding, " + vector + ") AS dist\n"
              + "FROM docs WHERE lang = 'de' AND \"year\" > 2015 ORDER BY dist LIMIT 5");
      preparedQuery(c, rows);
    }
    out.println("Open the same data in the SQL shell:");
    out.println("  java -jar jdbc-driver/target/pqvector.jar sql " + dir);
    out.println("or connect any JDBC client to  jdbc:pqvector:" + dir);
    return 0;
  }

  /** Document {@code id}'s embedding as an ARRAY[...] literal. */
  private static String vectorOf(Connection c, long id) throws Exception {
    try (PreparedStatement ps = c.prepareStatement("SELECT embedding FROM docs WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        Object[] values = (Object[]) rs.getArray(1).getArray();
        List<String> parts = new ArrayList<>();
        for (Object v : values) {
          parts.add(String.format(Locale.ROOT, "%.4f", ((Number) v).floatValue()));
        }
        return "ARRAY[" + String.join(", ", parts) + "]";
      }
    }
  }

  private void query(Connection c, String title, String sql) throws Exception {
    out.println("-- " + title);
    out.println(abbreviate(sql));
    try (Statement s = c.createStatement()) {
      long t0 = System.nanoTime();
      try (ResultSet rs = s.executeQuery(sql)) {
        ResultTable.print(rs, out);
      }
      double ms = (System.nanoTime() - t0) / 1e6;
      out.printf(Locale.ROOT, "(%.1f ms including planning)%n", ms);
      try (ResultSet plan = s.executeQuery("EXPLAIN PLAN FOR " + sql)) {
        plan.next();
        out.println("plan:");
        for (String line : plan.getString(1).split("\n")) {
          out.println("  " + abbreviate(line));
        }
      }
    }
    out.println();
  }

  private void preparedQuery(Connection c, int rows) throws Exception {
    out.println("-- A prepared statement with the query vector as a parameter, run 20 times");
    String sql = "SELECT id, title FROM docs ORDER BY array_distance(embedding, ?) LIMIT 3";
    out.println(sql);
    try (PreparedStatement ps = c.prepareStatement(sql);
        PreparedStatement get = c.prepareStatement("SELECT embedding FROM docs WHERE id = ?")) {
      double best = Double.MAX_VALUE;
      for (int i = 0; i < 20; i++) {
        get.setLong(1, i * 31L % rows); // ids run 0..rows-1
        Object query;
        try (ResultSet rs = get.executeQuery()) {
          rs.next();
          query = rs.getArray(1);
        }
        ps.setObject(1, query);
        long t0 = System.nanoTime();
        try (ResultSet rs = ps.executeQuery()) {
          if (i == 19) {
            ResultTable.print(rs, out);
          } else {
            while (rs.next()) {
              rs.getLong(1);
            }
          }
        }
        best = Math.min(best, (System.nanoTime() - t0) / 1e6);
      }
      out.printf(Locale.ROOT, "(fastest of 20 runs: %.1f ms)%n%n", best);
    }
  }

  private static String abbreviate(String s) {
    return s.replaceAll("ARRAY\\[([-0-9.]+, ){3}[^\\]]*\\]", "ARRAY[...]")
        .replaceAll("\\[([-0-9.E]+, ){3}[^\\]]*\\]", "[...]");
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
