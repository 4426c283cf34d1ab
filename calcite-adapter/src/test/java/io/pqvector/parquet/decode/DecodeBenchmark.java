package io.pqvector.parquet.decode;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Measures decode throughput of {@link VectorColumn#readRowGroup} (not a test). Writes a file of
 * {@code rows x dim} floats in one row group, then decodes it repeatedly, page cache warm.
 *
 * <p>Run: {@code java -cp <test classpath> io.pqvector.parquet.decode.DecodeBenchmark [rows] [dim] [codec] [pageBytes]}
 */
public final class DecodeBenchmark {
  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int dim = args.length > 1 ? Integer.parseInt(args[1]) : 384;
    CompressionCodecName codec = CompressionCodecName.valueOf(args.length > 2 ? args[2] : "UNCOMPRESSED");
    int pageBytes = args.length > 3 ? Integer.parseInt(args[3]) : 1 << 20;
    Path dir = Files.createTempDirectory("pqvector-bench");
    Path file = dir.resolve("bench.parquet");
    TestVectorFile.write(file, new TestVectorFile.Spec().rows(rows).dimension(dim).codec(codec).pageSize(pageBytes));
    System.out.printf("file %d MB, %d x %d floats, %s, pages of ~%d bytes%n", Files.size(file) >> 20, rows, dim,
        codec, pageBytes);
    try (VectorColumn column = VectorColumn.open(file, "v")) {
      double floatBytes = 4.0 * rows * dim;
      for (int round = 0; round < 15; round++) {
        long t0 = System.nanoTime();
        long checksum = 0;
        for (int rg = 0; rg < column.rowGroupCount(); rg++) {
          VectorBatch batch = column.readRowGroup(rg);
          checksum += batch.rowCount() + Float.floatToIntBits(batch.values()[batch.values().length - 1]);
        }
        long t1 = System.nanoTime();
        if (round >= 5 || round == 0) {
          System.out.printf("round %2d: %.1f ms, %.2f GB/s of floats (checksum %d)%n", round, (t1 - t0) / 1e6,
              floatBytes / (t1 - t0), checksum);
        }
      }
      long t0 = System.nanoTime();
      VectorBatch batch = column.readRowGroupWithParquetMr(0);
      long t1 = System.nanoTime();
      System.out.printf("parquet-mr ColumnReader: %.1f ms, %.2f GB/s (%d rows)%n", (t1 - t0) / 1e6,
          floatBytes / (t1 - t0), batch.rowCount());
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  private DecodeBenchmark() {}
}
