package io.pqvector.format;

import static io.pqvector.format.IvfIndexFormat.CHECKSUM_LENGTH;
import static io.pqvector.format.IvfIndexFormat.HEADER_LENGTH;
import static io.pqvector.format.IvfIndexFormat.LIST_ENTRY_LENGTH;
import static io.pqvector.format.IvfIndexFormat.PAGE_ENTRY_LENGTH;
import static io.pqvector.format.IvfIndexFormat.PAGE_TABLE_PREFIX_LENGTH;
import static io.pqvector.format.IvfIndexFormat.ROW_GROUP_ENTRY_LENGTH;

import io.pqvector.format.IvfIndexFormat.Section;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Serialises an index to the version 1.0 payload: fixed header, column name, centroids, list
 * table, list data, optional page table, CRC32C. The payload is built in one exactly sized array;
 * everything is validated first, so a writer bug cannot produce a payload the reader rejects.
 */
public final class IvfIndexWriter {
  private IvfIndexWriter() {}

  /**
   * @param header what the index covers; {@code indexedCount} must equal the total list size
   * @param centroids {@code listCount x dimension} floats, row-major, all finite
   * @param lists per list, its row ids sorted ascending; every id below {@code rowCount}
   * @param pageTable page locations for files without an offset index, or null; when present its
   *     total row count must equal the header's
   * @return the payload to append to the Parquet file
   * @throws IllegalArgumentException if the parts are inconsistent or too large for one array
   */
  public static byte[] write(IvfIndexHeader header, float[] centroids, int[][] lists,
      PageLocations pageTable) {
    return write(header, centroids, lists, pageTable, null);
  }

  /**
   * As {@link #write(IvfIndexHeader, float[], int[][], PageLocations)}, with the recall curve the
   * builder measured. With a curve the payload is version 1.1 (a 176-byte header whose last
   * pointer locates the curve, after the page table); without one it is exactly version 1.0.
   */
  public static byte[] write(IvfIndexHeader header, float[] centroids, int[][] lists,
      PageLocations pageTable, RecallCurve curve) {
    int listCount = header.listCount();
    long centroidFloats = (long) listCount * header.dimension();
    if (centroids == null || centroids.length != centroidFloats) {
      throw new IllegalArgumentException("expected " + centroidFloats + " centroid floats ("
          + listCount + " x " + header.dimension() + "), got "
          + (centroids == null ? "null" : centroids.length));
    }
    for (int i = 0; i < centroids.length; i++) {
      if (!Float.isFinite(centroids[i])) {
        throw new IllegalArgumentException("centroid " + (i / header.dimension())
            + " has a non-finite component " + centroids[i]);
      }
    }
    if (lists == null || lists.length != listCount) {
      throw new IllegalArgumentException("expected " + listCount + " lists, got "
          + (lists == null ? "null" : lists.length));
    }
    long[] listBytes = new long[listCount];
    long dataLength = 0;
    long idCount = 0;
    for (int l = 0; l < listCount; l++) {
      if (lists[l] == null) {
        throw new IllegalArgumentException("list " + l + " is null");
      }
      listBytes[l] = RowIdListCodec.encodedLength(lists[l], header.rowCount(), l);
      dataLength += listBytes[l];
      idCount += lists[l].length;
    }
    if (idCount != header.indexedCount()) {
      throw new IllegalArgumentException("lists hold " + idCount + " row ids but the header"
          + " says " + header.indexedCount() + " vectors are indexed");
    }
    if (pageTable != null && pageTable.totalRowCount() != header.rowCount()) {
      throw new IllegalArgumentException("page table covers " + pageTable.totalRowCount()
          + " rows but the header says the file has " + header.rowCount());
    }

    if (curve != null) {
      String problem = RecallCurve.problem(curve.queries(), curve.rowsSearched(), curve.ks(),
          curve.nprobes(), curve.recall(), listCount);
      if (problem == null && curve.rowsSearched() > header.indexedCount()) {
        problem = "recall curve searched " + curve.rowsSearched() + " rows but only "
            + header.indexedCount() + " are indexed";
      }
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
    }
    int headerLength = curve == null ? HEADER_LENGTH : IvfIndexFormat.HEADER_LENGTH_1_1;
    byte[] name = header.column().getBytes(StandardCharsets.UTF_8);
    long nameOff = headerLength;
    long centroidsOff = nameOff + name.length;
    long tableOff = centroidsOff + centroidFloats * Float.BYTES;
    long dataOff = tableOff + (long) listCount * LIST_ENTRY_LENGTH;
    long pagesOff = dataOff + dataLength;
    long pagesLength = pageTable == null ? 0
        : PAGE_TABLE_PREFIX_LENGTH + (long) pageTable.rowGroupCount() * ROW_GROUP_ENTRY_LENGTH
            + (long) pageTable.pageCount() * PAGE_ENTRY_LENGTH;
    long curveOff = pagesOff + pagesLength;
    long curveLength = curve == null ? 0 : curve.byteLength();
    long total = curveOff + curveLength + CHECKSUM_LENGTH;
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("index would be " + total + " bytes: too large");
    }

    byte[] out = new byte[(int) total];
    ByteBuffer buf = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(IvfIndexFormat.MAGIC);
    buf.putShort(IvfIndexFormat.OFF_MAJOR, (short) IvfIndexFormat.MAJOR_VERSION);
    buf.putShort(IvfIndexFormat.OFF_MINOR, (short) (curve == null ? 0 : 1));
    buf.putInt(IvfIndexFormat.OFF_FLAGS, (pageTable == null ? 0 : IvfIndexFormat.FLAG_PAGE_TABLE)
        | (curve == null ? 0 : IvfIndexFormat.FLAG_RECALL_CURVE));
    buf.putLong(IvfIndexFormat.OFF_TOTAL_LENGTH, total);
    buf.putInt(IvfIndexFormat.OFF_HEADER_LENGTH, headerLength);
    buf.put(IvfIndexFormat.OFF_METRIC, (byte) IvfIndexFormat.metricCode(header.metric()));
    buf.putInt(IvfIndexFormat.OFF_DIMENSION, header.dimension());
    buf.putInt(IvfIndexFormat.OFF_LIST_COUNT, listCount);
    buf.putLong(IvfIndexFormat.OFF_ROW_COUNT, header.rowCount());
    buf.putLong(IvfIndexFormat.OFF_INDEXED_COUNT, header.indexedCount());
    buf.putLong(IvfIndexFormat.OFF_FINGERPRINT, header.dataFingerprint());
    buf.putLong(IvfIndexFormat.OFF_SEED, header.seed());
    buf.putInt(IvfIndexFormat.OFF_ITERATIONS, header.iterations());
    putSection(buf, Section.COLUMN_NAME, nameOff, name.length);
    putSection(buf, Section.CENTROIDS, centroidsOff, centroidFloats * Float.BYTES);
    putSection(buf, Section.LIST_TABLE, tableOff, (long) listCount * LIST_ENTRY_LENGTH);
    putSection(buf, Section.LIST_DATA, dataOff, dataLength);
    putSection(buf, Section.PAGE_TABLE, pageTable == null ? 0 : pagesOff, pagesLength);
    if (curve != null) {
      buf.putLong(IvfIndexFormat.OFF_RECALL_CURVE, curveOff);
      buf.putLong(IvfIndexFormat.OFF_RECALL_CURVE + 8, curveLength);
    }

    buf.position((int) nameOff);
    buf.put(name);
    for (float c : centroids) {
      buf.putFloat(c);
    }
    long listOff = 0;
    for (int l = 0; l < listCount; l++) {
      buf.putLong(listOff);
      buf.putInt((int) listBytes[l]);
      buf.putInt(lists[l].length);
      listOff += listBytes[l];
    }
    int pos = (int) dataOff;
    for (int l = 0; l < listCount; l++) {
      pos = RowIdListCodec.encode(lists[l], out, pos);
    }
    buf.position(pos);
    if (pageTable != null) {
      writePageTable(buf, pageTable);
    }
    if (curve != null) {
      writeCurve(buf, curve);
    }

    CRC32C crc = new CRC32C();
    crc.update(out, 0, out.length - CHECKSUM_LENGTH);
    buf.putInt(out.length - CHECKSUM_LENGTH, (int) crc.getValue());
    return out;
  }

  private static void putSection(ByteBuffer buf, Section section, long offset, long length) {
    buf.putLong(section.pointerOffset(), offset);
    buf.putLong(section.pointerOffset() + 8, length);
  }

  private static void writeCurve(ByteBuffer buf, RecallCurve curve) {
    buf.putInt(curve.queries());
    buf.putInt((int) curve.rowsSearched());
    buf.putInt(curve.ks().length);
    buf.putInt(curve.nprobes().length);
    for (int k : curve.ks()) {
      buf.putInt(k);
    }
    for (int p : curve.nprobes()) {
      buf.putInt(p);
    }
    for (float[] row : curve.recall()) {
      for (float r : row) {
        buf.putFloat(r);
      }
    }
  }

  private static void writePageTable(ByteBuffer buf, PageLocations table) {
    buf.putInt(table.rowGroupCount());
    buf.putInt(table.pageCount());
    for (int g = 0; g < table.rowGroupCount(); g++) {
      buf.putInt(table.rowGroupFirstRow(g));
      buf.putInt(table.rowGroupRowCount(g));
      buf.putLong(table.dictionaryPageOffset(g));
      buf.putInt(table.dictionaryPageSize(g));
      buf.putInt(table.rowGroupFirstPage(g));
      buf.putInt(table.rowGroupPageCount(g));
    }
    for (int p = 0; p < table.pageCount(); p++) {
      buf.putLong(table.pageOffset(p));
      buf.putInt(table.pageCompressedSize(p));
      buf.putInt(table.pageFirstRow(p));
    }
  }
}
