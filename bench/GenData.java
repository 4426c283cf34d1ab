import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * Writes benchmark datasets as Parquet with DuckDB (run with the DuckDB JDBC jar on the class
 * path: {@code java -cp duckdb_jdbc.jar bench/GenData.java ...}).
 *
 * <pre>
 *   clustered OUT.parquet ROWS DIM CENTRES   vectors around CENTRES topic centres, id column
 *   mnist     IN.jsonl OUT.parquet           MNIST digits converted by mnist-to-jsonl.js
 *   words     IN.jsonl OUT.parquet           word vectors converted by words-to-jsonl.js
 * </pre>
 *
 * <p>Clustered data imitates how embeddings cluster by topic: centres drawn N(0,1) per
 * dimension, topics of skewed sizes (a few big, many small), each with its own spread (0.5 to
 * 1.0 per dimension, so topics overlap), rows in id order (not grouped by topic). Every random number comes from
 * a hash of (row, dimension), so the output is the same on every machine and thread count.
 */
public class GenData {
  public static void main(String[] args) throws Exception {
    Class.forName("org.duckdb.DuckDBDriver");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      if (args[0].equals("clustered")) {
        Path out = Paths.get(args[1]).toAbsolutePath();
        long rows = Long.parseLong(args[2]);
        int dim = Integer.parseInt(args[3]);
        int centres = Integer.parseInt(args[4]);
        Files.createDirectories(out.getParent());
        Files.deleteIfExists(out);
        // Uniform (0,1) and standard normal (Box-Muller) from a 64-bit hash of an integer.
        s.execute("CREATE MACRO u(x) AS ((hash(x) % 4294967291)::DOUBLE + 0.5) / 4294967291.0");
        s.execute("CREATE MACRO g(x) AS sqrt(-2 * ln(u(x))) * cos(2 * pi() * u(x + 1234567891))");
        s.execute("CREATE TABLE centres AS SELECT c, "
            + "list_transform(range(" + dim + "), lambda j: g(c * " + dim + " + j + 987654321)) AS v, "
            + "0.5 + 0.5 * u(c + 55555) AS spread FROM range(" + centres + ") t(c)");
        s.execute("COPY (SELECT i AS id, c AS topic, list_transform(range(" + dim + "), "
            + "lambda j: (v[j + 1] + spread * g(i * " + dim + " + j))::FLOAT) AS embedding "
            + "FROM (SELECT i, floor(" + centres + " * pow(u(i + 7), 1.5))::BIGINT AS c "
            + "FROM range(" + rows + ") t(i)) r JOIN centres USING (c) ORDER BY i) "
            + "TO '" + out.toString().replace("'", "''") + "' (FORMAT parquet)");
        System.out.println("wrote " + out + ": " + rows + " x " + dim + ", " + centres
            + " centres, " + Files.size(out) + " bytes");
      } else if (args[0].equals("mnist")) {
        Path in = Paths.get(args[1]).toAbsolutePath();
        Path out = Paths.get(args[2]).toAbsolutePath();
        Files.createDirectories(out.getParent());
        Files.deleteIfExists(out);
        s.execute("COPY (SELECT id::BIGINT AS id, digit::INTEGER AS digit, "
            + "pixels::FLOAT[] AS embedding FROM read_json('"
            + in.toString().replace("'", "''") + "', columns = {id: 'BIGINT', digit: 'INTEGER', "
            + "pixels: 'DOUBLE[]'}) ORDER BY id) TO '" + out.toString().replace("'", "''")
            + "' (FORMAT parquet)");
        System.out.println("wrote " + out + ": MNIST, " + Files.size(out) + " bytes");
      } else if (args[0].equals("words")) {
        Path in = Paths.get(args[1]).toAbsolutePath();
        Path out = Paths.get(args[2]).toAbsolutePath();
        Files.createDirectories(out.getParent());
        Files.deleteIfExists(out);
        s.execute("COPY (SELECT id::BIGINT AS id, word::VARCHAR AS word, "
            + "embedding::FLOAT[] AS embedding FROM read_json('"
            + in.toString().replace("'", "''") + "', columns = {id: 'BIGINT', word: 'VARCHAR', "
            + "embedding: 'DOUBLE[]'}) ORDER BY id) TO '" + out.toString().replace("'", "''")
            + "' (FORMAT parquet)");
        System.out.println("wrote " + out + ": word vectors, " + Files.size(out) + " bytes");
      } else {
        throw new IllegalArgumentException(
            "usage: clustered OUT ROWS DIM CENTRES | mnist IN OUT | words IN OUT");
      }
    }
  }
}
