package io.pqvector.parquet;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * The page compression codecs this package can read and write, on byte arrays, with no Hadoop codec
 * classes involved (those pull in a Hadoop {@code Configuration} and its dependency tree).
 */
enum PageCompression {
  UNCOMPRESSED {
    @Override
    void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws IOException {
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
    void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws IOException {
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
    void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws IOException {
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
    void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws IOException {
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
  };

  /** Decompresses exactly {@code dstLen} bytes into {@code dst[dstOff..]}, or throws. */
  abstract void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int dstLen) throws IOException;

  abstract byte[] compress(byte[] src, int off, int len) throws IOException;

  /** The codec for a Parquet codec name, or an IOException naming the file and the codec. */
  static PageCompression of(CompressionCodecName codec, Object file) throws IOException {
    switch (codec) {
      case UNCOMPRESSED:
        return UNCOMPRESSED;
      case SNAPPY:
        return SNAPPY;
      case ZSTD:
        return ZSTD;
      case GZIP:
        return GZIP;
      default:
        throw new IOException(
            file + " uses compression codec " + codec + ", which is not supported"
                + " (supported: UNCOMPRESSED, SNAPPY, ZSTD, GZIP)");
    }
  }
}
