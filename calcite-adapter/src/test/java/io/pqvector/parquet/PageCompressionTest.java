package io.pqvector.parquet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4HadoopStreams;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;

/** The page codecs on their own: round trips, other writers' framings, and errors naming the codec. */
class PageCompressionTest {
  /** Compressible bytes: little-endian floats of a few distinct values, as vector pages hold. */
  private static byte[] page(int bytes, long seed) {
    Random r = new Random(seed);
    ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    while (b.remaining() >= 4) {
      b.putFloat(r.nextInt(50) / 10f);
    }
    return b.array();
  }

  private static byte[] decompress(PageCompression codec, byte[] compressed, int length)
      throws IOException {
    byte[] out = new byte[length];
    codec.decompress(compressed, 0, compressed.length, out, 0, length);
    return out;
  }

  @Test
  void everyWritableCodecRoundTrips() throws IOException {
    byte[] raw = page(100_000, 1);
    for (CompressionCodecName name : new CompressionCodecName[] {CompressionCodecName.UNCOMPRESSED,
        CompressionCodecName.SNAPPY, CompressionCodecName.GZIP, CompressionCodecName.ZSTD,
        CompressionCodecName.LZ4_RAW, CompressionCodecName.LZ4}) {
      PageCompression codec = PageCompression.of(name, "f");
      assertTrue(PageCompression.canWrite(name), name.toString());
      byte[] compressed = codec.compress(raw, 0, raw.length);
      assertArrayEquals(raw, decompress(codec, compressed, raw.length), name.toString());
    }
  }

  /** Hadoop's framing as another implementation writes it: blocks of 64 KiB, so several. */
  @Test
  void hadoopFramedLz4FromAircompressorsHadoopStream() throws IOException {
    byte[] raw = page(300_000, 2);
    ByteArrayOutputStream framed = new ByteArrayOutputStream();
    try (OutputStream out = new Lz4HadoopStreams(64 << 10).createOutputStream(framed)) {
      out.write(raw);
    }
    assertArrayEquals(raw, decompress(PageCompression.LZ4, framed.toByteArray(), raw.length));
  }

  /** Older parquet-cpp wrote a bare LZ4 block under the LZ4 codec; it reads too. */
  @Test
  void bareLz4BlockUnderTheLz4Codec() throws IOException {
    byte[] raw = page(5_000, 3);
    Lz4Compressor lz4 = new Lz4Compressor();
    byte[] block = new byte[lz4.maxCompressedLength(raw.length)];
    block = Arrays.copyOf(block, lz4.compress(raw, 0, raw.length, block, 0, block.length));
    assertArrayEquals(raw, decompress(PageCompression.LZ4, block, raw.length));
    assertArrayEquals(raw, decompress(PageCompression.LZ4_RAW, block, raw.length));
  }

  @Test
  void damagedPagesAreErrorsNotWrongBytes() throws IOException {
    byte[] raw = page(5_000, 4);
    for (PageCompression codec : new PageCompression[] {PageCompression.LZ4_RAW,
        PageCompression.LZ4, PageCompression.BROTLI}) {
      byte[] garbage = new byte[64];
      new Random(5).nextBytes(garbage);
      assertThrows(IOException.class, () -> decompress(codec, garbage, raw.length),
          codec.toString());
    }
    // A whole page whose declared size is larger than what it holds.
    byte[] compressed = PageCompression.LZ4_RAW.compress(raw, 0, raw.length);
    assertThrows(IOException.class,
        () -> decompress(PageCompression.LZ4_RAW, compressed, raw.length + 10));
  }

  @Test
  void brotliIsReadOnly() {
    assertFalse(PageCompression.canWrite(CompressionCodecName.BROTLI));
    assertFalse(LocalCodecFactory.canCompress(CompressionCodecName.BROTLI));
    IOException e = assertThrows(IOException.class,
        () -> PageCompression.BROTLI.compress(new byte[4], 0, 4));
    assertTrue(e.getMessage().contains("BROTLI"), e.getMessage());
  }

  @Test
  void unreadableCodecIsNamed() {
    assertFalse(PageCompression.canWrite(CompressionCodecName.LZO));
    IOException e = assertThrows(IOException.class,
        () -> PageCompression.of(CompressionCodecName.LZO, Path.of("/data/x.parquet")));
    assertTrue(e.getMessage().contains("/data/x.parquet") && e.getMessage().contains("LZO")
        && e.getMessage().contains("LZ4_RAW") && e.getMessage().contains("BROTLI"),
        e.getMessage());
  }
}
