package io.pqvector.format;

import java.util.Optional;

/**
 * A parsed, verified index. Centroids are decoded once; each inverted list stays encoded in the
 * retained payload and is decoded when asked for, so opening an index costs little more than
 * its centroids.
 */
public final class IvfIndex {
  private final IvfIndexHeader header;
  private final float[] centroids;
  private final byte[] payload;
  private final int[] listStart;
  private final int[] listCount;
  private final PageLocations pageTable;
  private final RecallCurve recallCurve;

  IvfIndex(IvfIndexHeader header, float[] centroids, byte[] payload, int[] listStart,
      int[] listCount, PageLocations pageTable, RecallCurve recallCurve) {
    this.recallCurve = recallCurve;
    this.header = header;
    this.centroids = centroids;
    this.payload = payload;
    this.listStart = listStart;
    this.listCount = listCount;
    this.pageTable = pageTable;
  }

  public IvfIndexHeader header() {
    return header;
  }

  public String column() {
    return header.column();
  }

  /** {@code l2}, {@code cosine} or {@code dot}. */
  public String metric() {
    return header.metric();
  }

  public int dimension() {
    return header.dimension();
  }

  /** Centroids, {@code listCount() x dimension()} row-major; a fresh copy on every call. */
  public float[] centroids() {
    return centroids.clone();
  }

  public int listCount() {
    return listCount.length;
  }

  /** Number of row ids in a list. */
  public int listSize(int list) {
    return listCount[list];
  }

  /** The list's global row ids, ascending, decoded from the payload. */
  public int[] listRowIds(int list) {
    int[] out = new int[listCount[list]];
    RowIdListCodec.decode(payload, listStart[list], out);
    return out;
  }

  /** Page locations, present when the file had no offset index at build time. */
  public Optional<PageLocations> pageLocations() {
    return Optional.ofNullable(pageTable);
  }

  /** Recall against nprobe measured at build time (format 1.1); absent in 1.0 indexes. */
  public Optional<RecallCurve> recallCurve() {
    return Optional.ofNullable(recallCurve);
  }

  /** Size of the payload this index was parsed from. */
  public int byteLength() {
    return payload.length;
  }

  @Override public String toString() {
    return "IvfIndex[" + header.column() + ", " + header.metric() + ", dim " + header.dimension()
        + ", " + listCount.length + " lists, " + header.indexedCount() + "/" + header.rowCount()
        + " rows" + (pageTable == null ? "" : ", " + pageTable) + "]";
  }
}
