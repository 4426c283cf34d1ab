package io.pqvector.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.ivf.IvfIndexBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real local Spark 4 session reading through the shaded driver jar (the artifact users pass to
 * {@code --jars}), with Spark's own parquet 1.15, guava and jackson on the same class path. One
 * session serves the whole class.
 */
class SparkJdbcTest {
  static final int ROWS = 1600;
  static final int DIM = 8;
  @TempDir static Path dir;
  static SparkSession spark;
  static String url;
  static float[][] vectors = new float[ROWS][DIM];

  @BeforeAll static void startSpark() throws Exception {
    spark = SparkSession.builder().master("local[2]").appName("pqvector-spark-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    PqVectorDialect.register();
    // Clustered vectors, so the index has lists worth probing. Spark writes the file itself, as a
    // pipeline would: a directory of part files is one table.
    Random random = new Random(7);
    float[][] centres = new float[6][DIM];
    for (float[] c : centres) {
      for (int d = 0; d < DIM; d++) {
        c[d] = (float) (random.nextGaussian() * 4);
      }
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      float[] centre = centres[i % centres.length];
      Float[] boxed = new Float[DIM];
      for (int d = 0; d < DIM; d++) {
        vectors[i][d] = centre[d] + (float) random.nextGaussian();
        boxed[d] = vectors[i][d];
      }
      rows.add(RowFactory.create((long) i, i % 4 == 0 ? "de" : "en", boxed));
    }
    StructType schema = new StructType()
        .add("id", DataTypes.LongType, false)
        .add("lang", DataTypes.StringType, false)
        .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, true), false);
    Path table = dir.resolve("docs");
    spark.createDataFrame(rows, schema).coalesce(1).write().parquet(table.toString());
    try (Stream<Path> files = Files.list(table)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".parquet"))
          .collect(Collectors.toList())) {
        IvfIndexBuilder.forFile(f).column("embedding").build();
      }
    }
    url = "jdbc:pqvector:" + dir + ";nprobe=1000";
  }

  @AfterAll static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  static Dataset<Row> read(String optionName, String optionValue) {
    return spark.read().format("jdbc").option("url", url)
        .option("driver", "io.pqvector.jdbc.PqVectorDriver").option(optionName, optionValue)
        .load();
  }

  @Test void classPathHoldsTheShadedJarBesideSparksOwnLibraries() throws Exception {
    Class<?> driver = Class.forName("io.pqvector.jdbc.PqVectorDriver");
    assertTrue(driver.getSuperclass().getName().startsWith("io.pqvector.shaded.org.apache.calcite"),
        driver.getSuperclass().getName());
    String driverJar = location(driver);
    assertTrue(driverJar.endsWith(".jar"), driverJar);
    // The planner rule comes from the same jar, not from calcite-adapter's classes.
    assertEquals(driverJar, location(Class.forName("io.pqvector.calcite.VectorTopKRule")));
    String sparkParquet = location(Class.forName("org.apache.parquet.hadoop.ParquetFileReader"));
    assertTrue(sparkParquet.contains("parquet-hadoop-1.15"), sparkParquet);
  }

  static String location(Class<?> c) {
    return c.getProtectionDomain().getCodeSource().getLocation().toString();
  }

  @Test void dbtableReadsTheVectorColumnAsArrayOfFloat() {
    Dataset<Row> docs = read("dbtable", "docs");
    assertEquals(new ArrayType(DataTypes.FloatType, true),
        docs.schema().apply("embedding").dataType());
    List<Row> rows = docs.orderBy("id").collectAsList();
    assertEquals(ROWS, rows.size());
    for (int i : new int[] {0, 1, 777, ROWS - 1}) {
      Row row = rows.get(i);
      assertEquals((long) i, row.getLong(row.fieldIndex("id")));
      List<Float> values = row.getList(row.fieldIndex("embedding"));
      float[] got = new float[values.size()];
      for (int d = 0; d < got.length; d++) {
        got[d] = values.get(d);
      }
      assertArrayEquals(vectors[i], got);
    }
  }

  @Test void filterIsPushedDownToTheDriver() {
    Dataset<Row> german = read("dbtable", "docs").where("lang = 'de'");
    String plan = german.queryExecution().executedPlan().toString();
    assertTrue(plan.contains("EqualTo(lang,de)"), plan);
    assertTrue(plan.matches("(?s).*PushedFilters: \\[[^\\]]*EqualTo\\(lang,de\\).*"), plan);
    assertEquals(ROWS / 4, german.count());
    assertTrue(german.collectAsList().stream().allMatch(r -> r.getString(1).equals("de")));
  }

  @Test void partitionedReadSplitsByColumnRanges() {
    Dataset<Row> docs = spark.read().format("jdbc").option("url", url)
        .option("dbtable", "docs").option("partitionColumn", "id")
        .option("lowerBound", "0").option("upperBound", String.valueOf(ROWS))
        .option("numPartitions", "4").load();
    assertEquals(4, docs.rdd().getNumPartitions());
    List<Long> ids = docs.select("id").collectAsList().stream().map(r -> r.getLong(0))
        .sorted().collect(Collectors.toList());
    assertEquals(LongStreamRange.ids(ROWS), ids);
  }

  @Test void topKQueryRunsThroughTheIvfIndex() throws Exception {
    float[] q = vectors[123].clone();
    q[0] += 0.25f;
    StringBuilder literal = new StringBuilder("ARRAY[");
    for (int d = 0; d < DIM; d++) {
      literal.append(d == 0 ? "" : ", ").append(q[d]);
    }
    literal.append(']');
    String query = "SELECT id, array_distance(embedding, " + literal + ") AS dist FROM docs"
        + " ORDER BY dist LIMIT 5";
    Dataset<Row> topK = read("query", query);
    assertEquals(DataTypes.FloatType, topK.schema().apply("dist").dataType());
    List<Row> rows = topK.collectAsList();
    List<Long> expected = IntStream.range(0, ROWS).boxed()
        .sorted(Comparator.comparingDouble(i -> distance(vectors[i], q))).limit(5)
        .map(i -> (long) i).collect(Collectors.toList());
    List<Long> got = rows.stream().map(r -> r.getLong(0)).collect(Collectors.toList());
    assertEquals(expected, got);
    assertEquals(distance(vectors[123], q), rows.get(0).getFloat(1), 1e-4);
    // What Spark sends is the query wrapped in a subquery; the driver plans it as IvfTopK.
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
         ResultSet plan = s.executeQuery(
             "EXPLAIN PLAN FOR SELECT * FROM (" + query + ") SPARK_GEN_SUBQ_0")) {
      StringBuilder text = new StringBuilder();
      while (plan.next()) {
        text.append(plan.getString(1));
      }
      assertTrue(text.toString().contains("IvfTopK("), text.toString());
      assertTrue(text.toString().contains("indexedFiles=[1/1]"), text.toString());
    }
  }

  static double distance(float[] a, float[] b) {
    double s = 0;
    for (int d = 0; d < a.length; d++) {
      double x = a[d] - b[d];
      s += x * x;
    }
    return Math.sqrt(s);
  }

  /** 0..n-1 as a list of longs. */
  static final class LongStreamRange {
    static List<Long> ids(int n) {
      List<Long> ids = new ArrayList<>();
      for (long i = 0; i < n; i++) {
        ids.add(i);
      }
      return ids;
    }
  }
}
