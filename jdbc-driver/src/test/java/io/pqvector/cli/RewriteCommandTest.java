package io.pqvector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.ivf.FileIndex;
import io.pqvector.parquet.ParquetFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewriteCommandTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    out.reset();
    err.reset();
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private Path input() throws IOException {
    Path in = dir.resolve("docs.parquet");
    DemoDataset.write(in, 2000, 16, 3);
    return in;
  }

  @Test
  void rewritesAndIndexes() throws Exception {
    Path in = input();
    Path target = dir.resolve("search.parquet");
    assertEquals(0, run("rewrite", in.toString(), target.toString(), "--column", "embedding",
        "--metric", "cosine", "--lists", "8", "--seed", "3"), err.toString());
    String summary = out.toString();
    assertTrue(summary.contains("2,000 rows") && summary.contains("8 lists")
        && summary.contains("metric cosine"), summary);
    FileIndex index = FileIndex.load(target, ParquetFiles.readFooter(target), "embedding");
    assertEquals(FileIndex.Status.OK, index.status(), index.problem());
    assertEquals(8, index.index().listCount());

    assertEquals(1, run("rewrite", in.toString(), target.toString(), "--column", "embedding"));
    assertTrue(err.toString().contains("already exists; use --force"), err.toString());
    assertEquals(0, run("rewrite", in.toString(), target.toString(), "--column", "embedding",
        "--force"), err.toString());
  }

  @Test
  void errorsNameTheProblem() throws Exception {
    Path in = input();
    Path target = dir.resolve("search.parquet");
    assertEquals(1, run("rewrite", in.toString(), in.toString(), "--column", "embedding",
        "--force"));
    assertTrue(err.toString().contains("is the input file"), err.toString());
    assertEquals(1, run("rewrite", in.toString(), target.toString(), "--column", "title"));
    assertTrue(err.toString().contains("'title'") && err.toString().contains(in.toString()),
        err.toString());
    assertEquals(2, run("rewrite", in.toString(), "--column", "embedding"));
    assertTrue(err.toString().contains("expected an input and an output file"), err.toString());
    assertEquals(2, run("rewrite", in.toString(), target.toString()));
    assertTrue(err.toString().contains("--column"), err.toString());
    assertEquals(2, run("rewrite", in.toString(), target.toString(), "--column", "embedding",
        "--metric", "manhattan"));
    assertEquals(1, run("rewrite", dir.resolve("missing.parquet").toString(), target.toString(),
        "--column", "embedding"));
    assertTrue(err.toString().contains("no such file"), err.toString());
    assertTrue(!Files.exists(target));
    assertTrue(run("help") == 0 && out.toString().contains("rewrite "), out.toString());
    assertTrue(run("help", "rewrite") == 0 && out.toString().contains("<in> <out>"),
        out.toString());
  }
}
