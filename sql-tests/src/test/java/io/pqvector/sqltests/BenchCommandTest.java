package io.pqvector.sqltests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench}: recall and latency per nprobe on the user's own file, end to end. */
class BenchCommandTest {
  @TempDir Path dir;

  @Test void buildsTheIndexAndReportsRecallPerNprobe() throws Exception {
    Path file = IvfFixtures.writeClustered(dir.resolve("docs.parquet"), 6000, 16, 30, 0, 3,
        "embedding");
    CliTest.Result r = CliTest.run("bench", file.toString(), "--column", "embedding", "--build",
        "--queries", "12", "--nprobe", "1,1000", "--json", "--no-progress");
    assertEquals(0, r.code(), () -> r.err() + r.out());
    String json = r.out();
    // Queries come from the file itself and are held out of their own answers.
    assertTrue(json.contains("held out"), json);
    // Probing every list is exact: recall 1 (the index has far fewer than 1000 lists).
    Matcher all = Pattern.compile("\"nprobe\":\\s*1000,\\s*\"recall\":\\s*([0-9.]+)")
        .matcher(json);
    assertTrue(all.find(), json);
    assertEquals(1.0, Double.parseDouble(all.group(1)), 1e-9);
    // One probed list finds less than all of them, but not nothing.
    Matcher one = Pattern.compile("\"nprobe\":\\s*1,\\s*\"recall\":\\s*([0-9.]+)").matcher(json);
    assertTrue(one.find(), json);
    double recallOne = Double.parseDouble(one.group(1));
    assertTrue(recallOne > 0.2 && recallOne <= 1.0, json);
    assertTrue(json.contains("\"recommendedNprobe\""), json);
  }

  @Test void refusesAFileWithoutAnIndexUnlessAskedToBuildOne() throws Exception {
    Path file = IvfFixtures.writeClustered(dir.resolve("plain.parquet"), 500, 8, 5, 0, 1,
        "embedding");
    CliTest.Result r = CliTest.run("bench", file.toString(), "--column", "embedding",
        "--queries", "5", "--no-progress");
    assertTrue(r.code() != 0, r.out());
    assertTrue(r.err().contains("index"), r.err());
  }
}
