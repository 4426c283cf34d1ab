package io.pqvector.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * A 64-bit fingerprint of the vector column's data as the Parquet footer describes it. An index
 * records the fingerprint of the file it was built from; when the file's current fingerprint
 * differs, the data was rewritten and the index is stale. Appending bytes after the data and
 * rewriting the footer (how the index itself is stored) does not change it.
 *
 * <p>The fingerprint is computed over a canonical little-endian byte string, specified in
 * {@code docs/index-format.md} so other engines can compute it. It detects rewrites, not
 * tampering: it is not a cryptographic hash.
 */
public final class DataFingerprint {
  private DataFingerprint() {}

  /**
   * @param footer the file's parsed footer
   * @param column a top-level column with exactly one leaf (e.g. {@code embedding}, a list of
   *     floats, whose leaf is {@code embedding.list.element}), or a leaf's full dotted path
   * @throws IllegalArgumentException if no single leaf column matches
   */
  public static long of(ParquetMetadata footer, String column) {
    List<String> leaf = leafPath(footer, column);
    List<BlockMetaData> groups = footer.getBlocks();
    long totalRows = 0;
    for (BlockMetaData g : groups) {
      totalRows += g.getRowCount();
    }
    Canonical bytes = new Canonical();
    bytes.putInt(leaf.size());
    for (String part : leaf) {
      bytes.putString(part);
    }
    bytes.putLong(totalRows);
    bytes.putInt(groups.size());
    for (BlockMetaData g : groups) {
      ColumnChunkMetaData chunk = chunk(g, leaf);
      bytes.putLong(g.getRowCount());
      bytes.putInt(chunk.getCodec().getParquetCompressionCodec().getValue());
      bytes.putLong(chunk.getFirstDataPageOffset());
      bytes.putLong(chunk.getDictionaryPageOffset());
      bytes.putLong(chunk.getTotalSize());
      bytes.putLong(chunk.getValueCount());
    }
    return of(bytes.toArray());
  }

  /**
   * The hash itself: CRC32C of the canonical bytes in the high 32 bits, CRC32C of the same bytes
   * in reverse order in the low 32 bits. (A CRC of a prefixed or suffixed copy would be an affine
   * function of the first CRC and add nothing; the reversed order does.)
   */
  static long of(byte[] canonical) {
    CRC32C forward = new CRC32C();
    forward.update(canonical, 0, canonical.length);
    byte[] reversed = new byte[canonical.length];
    for (int i = 0; i < canonical.length; i++) {
      reversed[i] = canonical[canonical.length - 1 - i];
    }
    CRC32C backward = new CRC32C();
    backward.update(reversed, 0, reversed.length);
    return forward.getValue() << 32 | backward.getValue();
  }

  private static List<String> leafPath(ParquetMetadata footer, String column) {
    List<List<String>> matches = new ArrayList<>();
    footer.getFileMetaData().getSchema().getPaths().forEach(p -> {
      if (String.join(".", p).equals(column) || p[0].equals(column)) {
        matches.add(List.of(p));
      }
    });
    if (matches.size() != 1) {
      throw new IllegalArgumentException("column '" + column + "' must name exactly one leaf"
          + " column, found " + matches.size());
    }
    return matches.get(0);
  }

  private static ColumnChunkMetaData chunk(BlockMetaData group, List<String> leaf) {
    for (ColumnChunkMetaData c : group.getColumns()) {
      if (c.getPath().toList().equals(leaf)) {
        return c;
      }
    }
    throw new IllegalArgumentException("row group " + group.getOrdinal() + " has no column chunk"
        + " for " + String.join(".", leaf));
  }

  /** The growing little-endian byte string the hash is taken over. */
  private static final class Canonical {
    private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);

    void putInt(int v) {
      ensure(4).putInt(v);
    }

    void putLong(long v) {
      ensure(8).putLong(v);
    }

    void putString(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      putInt(b.length);
      ensure(b.length).put(b);
    }

    private ByteBuffer ensure(int n) {
      if (buf.remaining() < n) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
            .order(ByteOrder.LITTLE_ENDIAN);
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
      return buf;
    }

    byte[] toArray() {
      byte[] out = new byte[buf.position()];
      buf.flip();
      buf.get(out);
      return out;
    }
  }
}
