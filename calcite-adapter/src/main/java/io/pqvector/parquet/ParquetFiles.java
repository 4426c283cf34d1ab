package io.pqvector.parquet;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import org.xerial.snappy.Snappy;

/** TEMPORARY minimal opener; replaced by the reader branch. */
public final class ParquetFiles {
  private ParquetFiles() {}

  public static ParquetFileReader open(Path file) throws IOException {
    return open(file, FilterCompat.NOOP);
  }

  public static ParquetFileReader open(Path file, FilterCompat.Filter filter) throws IOException {
    ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
        .withCodecFactory(new Codecs()).withRecordFilter(filter).build();
    return ParquetFileReader.open(new Input(file), options);
  }

  public static ParquetMetadata readFooter(Path file) throws IOException {
    try (ParquetFileReader r = open(file)) {
      return r.getFooter();
    }
  }

  private static final class Input implements InputFile {
    private final Path path;
    Input(Path path) { this.path = path; }
    @Override public long getLength() throws IOException { return java.nio.file.Files.size(path); }
    @Override public SeekableInputStream newStream() throws IOException {
      FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
      return new org.apache.parquet.io.DelegatingSeekableInputStream(
          new java.io.BufferedInputStream(java.nio.channels.Channels.newInputStream(ch), 65536)) {
        long pos;
        java.io.InputStream in = new java.io.BufferedInputStream(java.nio.channels.Channels.newInputStream(ch), 65536);
        @Override public long getPos() { return pos; }
        @Override public void seek(long newPos) throws IOException { ch.position(newPos); pos = newPos; in = new java.io.BufferedInputStream(java.nio.channels.Channels.newInputStream(ch), 65536); }
        @Override public int read() throws IOException { int b = in.read(); if (b >= 0) pos++; return b; }
        @Override public int read(byte[] b, int off, int len) throws IOException { int n = in.read(b, off, len); if (n > 0) pos += n; return n; }
        @Override public void readFully(byte[] b, int off, int len) throws IOException { while (len > 0) { int n = read(b, off, len); if (n < 0) throw new java.io.EOFException(); off += n; len -= n; } }
        @Override public void readFully(byte[] b) throws IOException { readFully(b, 0, b.length); }
        @Override public int read(ByteBuffer buf) throws IOException { byte[] t = new byte[buf.remaining()]; int n = read(t, 0, t.length); if (n > 0) buf.put(t, 0, n); return n; }
        @Override public void readFully(ByteBuffer buf) throws IOException { byte[] t = new byte[buf.remaining()]; readFully(t, 0, t.length); buf.put(t); }
        @Override public void close() throws IOException { ch.close(); }
      };
    }
  }

  private static final class Codecs implements CompressionCodecFactory {
    @Override public BytesInputCompressor getCompressor(CompressionCodecName codecName) {
      throw new UnsupportedOperationException();
    }
    @Override public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
      return new BytesInputDecompressor() {
        @Override public BytesInput decompress(BytesInput bytes, int size) throws IOException {
          byte[] in = bytes.toByteArray();
          switch (codec) {
            case UNCOMPRESSED: return BytesInput.from(in);
            case SNAPPY: { byte[] out = new byte[size]; Snappy.uncompress(in, 0, in.length, out, 0); return BytesInput.from(out); }
            case ZSTD: return BytesInput.from(com.github.luben.zstd.Zstd.decompress(in, size));
            case GZIP: try (GZIPInputStream g = new GZIPInputStream(new ByteArrayInputStream(in))) { return BytesInput.from(g.readAllBytes()); }
            default: throw new IOException("unsupported codec " + codec);
          }
        }
        @Override public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int size) throws IOException {
          byte[] in = new byte[compressedSize]; input.get(in);
          output.put(decompress(BytesInput.from(in), size).toByteArray());
        }
        @Override public void release() {}
      };
    }
    @Override public void release() {}
  }
}
