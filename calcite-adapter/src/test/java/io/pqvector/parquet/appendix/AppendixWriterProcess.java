package io.pqvector.parquet.appendix;

import java.nio.file.Path;

/** Test-only main run in a second JVM: writes one key repeatedly, as another process would. */
public final class AppendixWriterProcess {

  private AppendixWriterProcess() {}

  /** Arguments: file, key, seed, count. Prints "done" when finished. */
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    long seed = Long.parseLong(args[2]);
    int count = Integer.parseInt(args[3]);
    for (int i = 0; i < count; i++) {
      ParquetAppendix.write(file, args[1], ParquetAppendixTest.payload(1000 + 300 * (i % 3), seed * 100 + i));
    }
    System.out.println("done");
  }
}
