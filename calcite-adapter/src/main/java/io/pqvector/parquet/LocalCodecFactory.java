package io.pqvector.parquet;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * A parquet-mr {@link CompressionCodecFactory} over snappy-java, zstd-jni, java.util.zip,
 * aircompressor (LZ4_RAW, Hadoop-framed LZ4) and Google's Brotli decoder (read only).
 *
 * <p>parquet-mr's own factory instantiates Hadoop codecs, which need a Hadoop {@code Configuration}
 * and its transitive dependencies; this one needs neither. Asking for any other codec gives an
 * IOException naming the file and the codec (when the page is decompressed, as parquet-mr asks for
 * decompressors lazily).
 */
public final class LocalCodecFactory implements CompressionCodecFactory {
  private final Object file;

  /** @param file what to name in error messages (a path, or a description) */
  public LocalCodecFactory(Object file) {
    this.file = file;
  }

  /**
   * Whether pages can be written with {@code codec} (every codec read is written too, except
   * BROTLI, for which no pure-Java encoder exists).
   */
  public static boolean canCompress(CompressionCodecName codec) {
    return PageCompression.canWrite(codec);
  }

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codecName) {
    return new Compressor(codecName);
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codecName) {
    return new Decompressor(codecName);
  }

  @Override
  public void release() {}

  private final class Compressor implements BytesInputCompressor {
    private final CompressionCodecName codecName;

    Compressor(CompressionCodecName codecName) {
      this.codecName = codecName;
    }

    @Override
    public BytesInput compress(BytesInput bytes) throws IOException {
      byte[] raw = bytes.toByteArray();
      return BytesInput.from(PageCompression.of(codecName, file).compress(raw, 0, raw.length));
    }

    @Override
    public CompressionCodecName getCodecName() {
      return codecName;
    }

    @Override
    public void release() {}
  }

  private final class Decompressor implements BytesInputDecompressor {
    private final CompressionCodecName codecName;

    Decompressor(CompressionCodecName codecName) {
      this.codecName = codecName;
    }

    @Override
    public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
      PageCompression codec = PageCompression.of(codecName, file);
      if (uncompressedSize < 0) {
        throw new IOException(file + ": negative uncompressed page size " + uncompressedSize);
      }
      byte[] src = bytes.toByteArray();
      byte[] dst = new byte[uncompressedSize];
      try {
        codec.decompress(src, 0, src.length, dst, 0, uncompressedSize);
      } catch (IOException e) {
        throw new IOException(file + ": cannot decompress a " + codecName + " page: " + e.getMessage(), e);
      }
      return BytesInput.from(dst);
    }

    @Override
    public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
        throws IOException {
      byte[] src = new byte[compressedSize];
      input.get(src); // advances input past the compressed bytes, as parquet-mr expects
      byte[] dst = decompress(BytesInput.from(src), uncompressedSize).toByteArray();
      output.put(dst);
    }

    @Override
    public void release() {}
  }
}
