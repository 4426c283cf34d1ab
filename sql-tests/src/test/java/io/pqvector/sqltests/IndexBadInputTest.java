package io.pqvector.sqltests;

import static io.pqvector.sqltests.Fixtures.lit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.format.IvfIndexFormat;
import io.pqvector.ivf.IndexBuildException;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.parquet.ParquetFiles;
import io.pqvector.vector.Metric;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input that cannot be indexed gives an {@link IndexBuildException} (the CLI: exit code 1 and the
 * message on stderr) that names the file, the column and, where it applies, the row; and the file
 * is byte for byte what it was.
 */
class IndexBadInputTest {
  static final int ROWS = 3000;

  @TempDir Path dir;

  /** A DuckDB file of ROWS rows: id, n INT, tags VARCHAR[], d DOUBLE[], plus {@code emb}. */
  Path write(String name, String emb) throws Exception {
    Path file = dir.resolve(name);
    Fixtures.duck("COPY (SELECT i::BIGINT AS id, i::INTEGER AS n, ['a', 'b' || i] AS tags,"
        + " [i, 1.5]::DOUBLE[] AS d, " + emb + " AS emb FROM range(" + ROWS + ") t(i))"
        + " TO " + lit(file) + " (FORMAT parquet, ROW_GROUP_SIZE 1000)");
    return file;
  }

  Path goodVectors(String name) throws Exception {
    return write(name, IvfFixtures.clustered("i", "(i % 7)", 8, 3, 0.2) + "::FLOAT[]");
  }

  /** Runs the build; asserts it fails naming file, column and more, leaving the file unchanged. */
  static IndexBuildException assertRefused(Path file, String column, String... mentions)
      throws Exception {
    byte[] before = Files.readAllBytes(file);
    IndexBuildException e = assertThrows(IndexBuildException.class,
        () -> IvfIndexBuilder.forFile(file).column(column).metric(Metric.L2).build());
    String m = e.getMessage();
    assertTrue(m.contains(file.toString()), "file not named: " + m);
    assertTrue(m.contains("'" + column + "'") || m.contains("column " + column),
        "column not named: " + m);
    for (String s : mentions) {
      assertTrue(m.contains(s), "'" + s + "' not in: " + m);
    }
    assertArrayEquals(before, Files.readAllBytes(file), "file changed by a failed build");
    return e;
  }

  @Test void columnThatIsNotAListOfFloats() throws Exception {
    Path file = goodVectors("types.parquet");
    assertRefused(file, "n");
    assertRefused(file, "tags");
    assertRefused(file, "d", "DOUBLE");
    assertRefused(file, "id");
  }

  @Test void missingColumn() throws Exception {
    Path file = goodVectors("missing.parquet");
    assertRefused(file, "embedding");
  }

  @Test void mixedDimensionsNameTheRow() throws Exception {
    Path file = write("mixed.parquet", "CASE WHEN i = 1234 THEN list_transform(range(7),"
        + " lambda j: 0.5::FLOAT) ELSE list_transform(range(8), lambda j: (i + j)::FLOAT) END");
    assertRefused(file, "emb", "row 1234", "7", "8");
  }

  @Test void nanAndInfinityNameTheRow() throws Exception {
    Path nan = write("nan.parquet", "list_transform(range(8), lambda j: CASE WHEN i = 777"
        + " AND j = 3 THEN 'nan'::FLOAT ELSE (i + j)::FLOAT END)");
    assertRefused(nan, "emb", "row 777", "NaN");
    Path inf = write("inf.parquet", "list_transform(range(8), lambda j: CASE WHEN i = 2888"
        + " AND j = 0 THEN '-inf'::FLOAT ELSE (i + j)::FLOAT END)");
    assertRefused(inf, "emb", "row 2888", "Infinity");
  }

  @Test void noRowsOrNoVectors() throws Exception {
    Path empty = dir.resolve("empty.parquet");
    Fixtures.duck("COPY (SELECT i::BIGINT AS id, [i::FLOAT, 1::FLOAT] AS emb FROM range(10) t(i)"
        + " WHERE i < 0) TO " + lit(empty) + " (FORMAT parquet)");
    assertRefused(empty, "emb");
    Path nulls = write("nulls.parquet", "NULL::FLOAT[]");
    assertRefused(nulls, "emb", "no non-NULL");
    Path blank = write("blank.parquet", "CASE WHEN i % 2 = 0 THEN NULL ELSE []::FLOAT[] END");
    assertRefused(blank, "emb", "no non-NULL");
  }

  @Test void readOnlyFile() throws Exception {
    Path file = goodVectors("ro.parquet");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
    try {
      // Tests run as root, who may write anyway: the builder goes by the permission bits.
      assertRefused(file, "emb", "read-only");
    } finally {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  @Test void encryptedFooter() throws Exception {
    Path file = goodVectors("enc.parquet");
    byte[] bytes = Files.readAllBytes(file);
    byte[] magic = "PARE".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(magic, 0, bytes, bytes.length - 4, 4);
    Files.write(file, bytes);
    assertRefused(file, "emb", "encrypt");
  }

  @Test void notParquetAtAll() throws Exception {
    Path file = dir.resolve("notes.parquet");
    Files.writeString(file, "id,emb\n1,\"[1,2,3]\"\nthis is a CSV file, not Parquet\n");
    assertRefused(file, "emb", "not a Parquet file");
  }

  @Test void aGoodFileIndexesAfterAll() throws Exception {
    // The fixture itself is fine: the refusals above are about the input, not the builder.
    Path file = goodVectors("good.parquet");
    IvfIndexBuilder.forFile(file).column("emb").build();
    assertTrue(ParquetFiles.readFooter(file).getFileMetaData().getKeyValueMetaData()
        .containsKey(IvfIndexFormat.footerKey("emb")));
  }

  // ---- the command line ----

  @Test void cliRefusesBadInputWithExitCodeOneAndTheMessage() throws Exception {
    Path file = write("cli-nan.parquet", "list_transform(range(8), lambda j: CASE WHEN i = 42"
        + " AND j = 3 THEN 'nan'::FLOAT ELSE (i + j)::FLOAT END)");
    byte[] before = Files.readAllBytes(file);
    CliTest.Result r = CliTest.run("index", file.toString(), "--column", "emb", "--no-progress");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains(file.toString()) && r.err().contains("'emb'")
        && r.err().contains("row 42"), r.err());
    assertArrayEquals(before, Files.readAllBytes(file));

    r = CliTest.run("index", file.toString(), "--column", "nope", "--no-progress");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains(file.toString()) && r.err().contains("nope"), r.err());
    assertArrayEquals(before, Files.readAllBytes(file));
  }

  @Test void cliIndexesTheGoodFilesOfADirectoryAndReportsTheBadOne() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("mixed"));
    Path good = Files.move(goodVectors("g.parquet"), sub.resolve("g.parquet"));
    Path bad = Files.move(write("b.parquet", "NULL::FLOAT[]"), sub.resolve("b.parquet"));
    // Sorted first, and not Parquet at all: must not stop the others from being indexed.
    Path csv = Files.writeString(sub.resolve("a.parquet"), "id,emb\n1,\"[1,2]\"\n");
    byte[] badBefore = Files.readAllBytes(bad);
    CliTest.Result r = CliTest.run("index", sub.toString(), "--column", "emb", "--no-progress");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains(bad.toString()), r.err());
    assertTrue(r.err().contains(csv + " is not a Parquet file"), r.err());
    assertTrue(r.out().contains("indexed " + good), r.out());
    assertArrayEquals(badBefore, Files.readAllBytes(bad));
  }

  @Test void cliUsageErrorsExitWithTwo() throws Exception {
    Path file = goodVectors("u.parquet");
    byte[] before = Files.readAllBytes(file);
    String f = file.toString();
    CliTest.Result r = CliTest.run("index", f, "--column", "emb", "--metric", "bogus");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("bogus") && r.err().contains("l2"), r.err());
    r = CliTest.run("index", f, "--metric", "l2");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--column"), r.err());
    r = CliTest.run("index", f, "--column", "emb", "--lists", "-1");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--lists"), r.err());
    r = CliTest.run("index", f, "--column", "emb", "--lists", "many");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--lists") || r.err().contains("many"), r.err());
    r = CliTest.run("index", "--column", "emb");
    assertEquals(2, r.code(), r.err());
    r = CliTest.run("index", dir.resolve("absent.parquet").toString(), "--column", "emb");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("absent.parquet"), r.err());
    // More lists than vectors is the input's fault: exit 1.
    r = CliTest.run("index", f, "--column", "emb", "--lists", "5000", "--no-progress");
    assertEquals(1, r.code(), r.err());
    assertTrue(Pattern.compile("5000 lists").matcher(r.err()).find(), r.err());
    assertArrayEquals(before, Files.readAllBytes(file));
    // --lists 0 means "choose from the row count" (documented in the usage): it builds.
    r = CliTest.run("index", f, "--column", "emb", "--lists", "0", "--no-progress");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("indexed "), r.out());
    // The build summary reports the recall calibration and what it cost.
    assertTrue(Pattern.compile("recall calibration: \\d+ sample queries, exact neighbours among "
        + "[\\d,]+ rows, \\d+\\.\\d\\d s; recall@10 0\\.95 at nprobe \\d+, 0\\.99 at nprobe \\d+")
        .matcher(r.out()).find(), r.out());
  }
}
