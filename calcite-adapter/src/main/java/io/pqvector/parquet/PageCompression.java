package io.pqvector.parquet;

import com.github.luben.zstd.Zstd;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.brotli.dec.BrotliInputStream;
import org.xerial.snappy.Snappy;

/**
 * The page compression codecs this package can read and write, on byte arrays, with no Hadoop codec
 * classes involved (those pull in a Hadoop {@code Configuration} and its dependency tree).
 */
public enum PageCompression {
  UNCOMPRESSED {
    @Override
    public void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws IOException {
      if (len != dstLen) {
        throw new IOException("uncompressed page is " + len + " bytes but its header says " + dstLen);
      }
      System.arraycopy(src, off, dst, dstOff, len);
    }

    @Override
    byte[] compress(byte[] src, int off, int len) {
      byte[] out = new byte[len];
      System.arraycopy(src, off, out, 0, len);
      return out;
    }
  },

  SNAPPY {
    @Override
    public void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws IOException {
      int declared = Snappy.uncompressedLength(src, off, len);
      if (declared != dstLen) {
        throw new IOException("snappy block holds " + declared + " bytes but the page header says " + dstLen);
      }
      int n = Snappy.uncompress(src, off, len, dst, dstOff);
      if (n != dstLen) {
        throw new IOException("snappy block gave " + n + " bytes, expected " + dstLen);
      }
    }

    @Override
    byte[] compress(byte[] src, int off, int len) throws IOException {
      byte[] out = new byte[Snappy.maxCompressedLength(len)];
      int n = Snappy.compress(src, off, len, out, 0);
      return java.util.Arrays.copyOf(out, n);
    }
  },

  ZSTD {
    @Override
    public void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws IOException {
      long n = Zstd.decompressByteArray(dst, dstOff, dstLen, src, off, len);
      if (Zstd.isError(n)) {
        throw new IOException("zstd: " + Zstd.getErrorName(n));
      }
      if (n != dstLen) {
        throw new IOException("zstd block gave " + n + " bytes, expected " + dstLen);
      }
    }

    @Override
    byte[] compress(byte[] src, int off, int len) throws IOException {
      byte[] out = new byte[(int) Zstd.compressBound(len)];
      long n = Zstd.compressByteArray(out, 0, out.length, src, off, len, 3);
      if (Zstd.isError(n)) {
        throw new IOException("zstd: " + Zstd.getErrorName(n));
      }
      return java.util.Arrays.copyOf(out, (int) n);
    }
  },

  GZIP {
    @Override
    public void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws IOException {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(src, off, len), 8192)) {
        int n = 0;
        while (n < dstLen) {
          int r = in.read(dst, dstOff + n, dstLen - n);
          if (r < 0) {
            throw new IOException("gzip stream gave " + n + " bytes, expected " + dstLen);
          }
          n += r;
        }
        if (in.read() >= 0) {
          throw new IOException("gzip stream holds more than the " + dstLen + " bytes the page header says");
        }
      }
    }

    @Override
    byte[] compress(byte[] src, int off, int len) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream(len / 2 + 64);
      try (GZIPOutputStream gzip = new GZIPOutputStream(out, 8192)) {
        gzip.write(src, off, len);
      }
      return out.toByteArray();
    }
  },

  /** The raw LZ4 block format, no framing (parquet-format's LZ4_RAW). */
  LZ4_RAW {
    @Override
    public void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws IOException {
      int n = lz4Block(src, off, len, dst, dstOff, dstLen);
      if (n != dstLen) {
        throw new IOException("lz4 block gave " + n + " bytes, expected " + dstLen);
      }
    }

    @Override
    byte[] compress(byte[] src, int off, int len) {
      Lz4Compressor lz4 = new Lz4Compressor();
      byte[] out = new byte[lz4.maxCompressedLength(len)];
      int n = lz4.compress(src, off, len, out, 0, out.length);
      return Arrays.copyOf(out, n);
    }
  },

  /**
   * The deprecated LZ4 codec: Hadoop's block framing (per block a big-endian uncompressed length,
   * then chunks each prefixed by its big-endian compressed length) around raw LZ4 blocks. Some
   * writers (older parquet-cpp) put a bare LZ4 block under this name instead; like parquet-cpp,
   * a page whose framing does not add up is read as a bare block.
   */
  LZ4 {
    @Override
    public void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws IOException {
      if (hadoopLz4(src, off, len, dst, dstOff, dstLen)) {
        return;
      }
      int n;
      try {
        n = lz4Block(src, off, len, dst, dstOff, dstLen);
      } catch (IOException e) {
        throw new IOException("neither Hadoop-framed nor bare lz4: " + e.getMessage(), e);
      }
      if (n != dstLen) {
        throw new IOException("lz4 block gave " + n + " bytes, expected " + dstLen);
      }
    }

    @Override
    byte[] compress(byte[] src, int off, int len) throws IOException {
      // One Hadoop block of one chunk, as Hadoop's Lz4Codec writes a page that fits its buffer.
      byte[] block = LZ4_RAW.compress(src, off, len);
      ByteBuffer out = ByteBuffer.allocate(8 + block.length); // big-endian
      out.putInt(len).putInt(block.length).put(block);
      return out.array();
    }
  },

  /** Decoded with Google's pure-Java reference decoder; pqvector cannot write it. */
  BROTLI {
    @Override
    public void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws IOException {
      try (InputStream in = new BrotliInputStream(new ByteArrayInputStream(src, off, len))) {
        readFully(in, dst, dstOff, dstLen, "brotli");
      } catch (RuntimeException e) {
        throw new IOException("brotli: " + e.getMessage(), e);
      }
    }

    @Override
    boolean canCompress() {
      return false;
    }

    @Override
    byte[] compress(byte[] src, int off, int len) throws IOException {
      throw new IOException("pqvector reads BROTLI pages but cannot write them");
    }
  };

  /** Decompresses exactly {@code dstLen} bytes into {@code dst[dstOff..]}, or throws. */
  public abstract void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws IOException;

  abstract byte[] compress(byte[] src, int off, int len) throws IOException;

  /** Whether {@link #compress} works for this codec (BROTLI is read only). */
  boolean canCompress() {
    return true;
  }

  /** Whether pqvector can write pages with {@code codec}. */
  static boolean canWrite(CompressionCodecName codec) {
    try {
      return of(codec, "").canCompress();
    } catch (IOException e) {
      return false;
    }
  }

  private static int lz4Block(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen)
      throws IOException {
    try {
      return new Lz4Decompressor().decompress(src, off, len, dst, dstOff, dstLen);
    } catch (RuntimeException e) { // MalformedInputException, or an index out of the arrays
      throw new IOException("malformed lz4 block: " + e.getMessage(), e);
    }
  }

  /** Decodes Hadoop-framed LZ4; false (and dst unspecified) if the framing does not add up. */
  private static boolean hadoopLz4(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) {
    ByteBuffer in = ByteBuffer.wrap(src, off, len); // big-endian
    int produced = 0;
    try {
      while (in.remaining() > 0) {
        if (in.remaining() < 8) {
          return false;
        }
        int blockLen = in.getInt();
        if (blockLen < 0 || blockLen > dstLen - produced) {
          return false;
        }
        int blockEnd = produced + blockLen;
        while (produced < blockEnd) {
          if (in.remaining() < 4) {
            return false;
          }
          int chunk = in.getInt();
          if (chunk <= 0 || chunk > in.remaining()) {
            return false;
          }
          int n = lz4Block(src, in.position(), chunk, dst, dstOff + produced, blockEnd - produced);
          in.position(in.position() + chunk);
          produced += n;
        }
        if (produced != blockEnd) {
          return false;
        }
      }
      return produced == dstLen;
    } catch (IOException e) {
      return false;
    }
  }

  private static void readFully(InputStream in, byte[] dst, int dstOff, int dstLen, String codec)
      throws IOException {
    int n = 0;
    while (n < dstLen) {
      int r = in.read(dst, dstOff + n, dstLen - n);
      if (r < 0) {
        throw new IOException(codec + " stream gave " + n + " bytes, expected " + dstLen);
      }
      n += r;
    }
    if (in.read() >= 0) {
      throw new IOException(codec + " stream holds more than the " + dstLen + " bytes the page header says");
    }
  }

  /** The codec for a Parquet codec name, or an IOException naming the file and the codec. */
  public static PageCompression of(CompressionCodecName codec, Object file) throws IOException {
    switch (codec) {
      case UNCOMPRESSED:
        return UNCOMPRESSED;
      case SNAPPY:
        return SNAPPY;
      case ZSTD:
        return ZSTD;
      case GZIP:
        return GZIP;
      case LZ4_RAW:
        return LZ4_RAW;
      case LZ4:
        return LZ4;
      case BROTLI:
        return BROTLI;
      default:
        throw new IOException(
            file + " uses compression codec " + codec + ", which is not supported"
                + " (supported: UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, LZ4, BROTLI)");
    }
  }
}
