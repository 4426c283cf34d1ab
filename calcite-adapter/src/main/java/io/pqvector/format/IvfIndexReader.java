package io.pqvector.format;

import static io.pqvector.format.IvfIndexFormat.CHECKSUM_LENGTH;
import static io.pqvector.format.IvfIndexFormat.HEADER_LENGTH;
import static io.pqvector.format.IvfIndexFormat.LIST_ENTRY_LENGTH;
import static io.pqvector.format.IvfIndexFormat.MIN_LENGTH;
import static io.pqvector.format.IvfIndexFormat.PAGE_ENTRY_LENGTH;
import static io.pqvector.format.IvfIndexFormat.PAGE_TABLE_PREFIX_LENGTH;
import static io.pqvector.format.IvfIndexFormat.ROW_GROUP_ENTRY_LENGTH;

import io.pqvector.format.IvfIndexFormat.Section;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Parses a payload, verifying before trusting: length, magic, version and checksum first, then
 * every count, length and offset against the bytes actually present, and only then allocates
 * anything sized by those fields. Every failure is an {@link IvfIndexFormatException}.
 */
public final class IvfIndexReader {
  private final byte[] bytes;
  private final ByteBuffer buf;

  private IvfIndexReader(byte[] bytes) {
    this.bytes = bytes;
    this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Parses and verifies a payload. The returned index keeps a reference to {@code bytes} and
   * decodes lists from it on demand: the caller must not modify the array afterwards.
   */
  public static IvfIndex parse(byte[] bytes) throws IvfIndexFormatException {
    if (bytes == null) {
      throw new IvfIndexFormatException("index payload is null");
    }
    return new IvfIndexReader(bytes).parse();
  }

  private IvfIndex parse() throws IvfIndexFormatException {
    checkEnvelope();
    IvfIndexHeader header = readHeader();
    long[] name = section(Section.COLUMN_NAME);
    long[] cents = section(Section.CENTROIDS);
    long[] table = section(Section.LIST_TABLE);
    long[] data = section(Section.LIST_DATA);
    long[] pages = section(Section.PAGE_TABLE);
    boolean hasPages = (buf.getInt(IvfIndexFormat.OFF_FLAGS) & IvfIndexFormat.FLAG_PAGE_TABLE) != 0;
    long[] curve = checkLayout(header, name, cents, table, data, pages, hasPages);

    header = withColumn(header, name);
    int lists = header.listCount();
    int dim = header.dimension();
    // Sizes below are now bounded by the validated section lengths, hence by bytes.length.
    int[] listStart = new int[lists];
    int[] listCount = new int[lists];
    readListTable(header, (int) table[0], (int) data[0], (int) data[1], listStart, listCount);
    float[] centroids = readCentroids((int) cents[0], lists, dim);
    PageLocations pageTable = hasPages ? readPageTable(header, (int) pages[0], (int) pages[1]) : null;
    RecallCurve recallCurve = curve == null ? null
        : readCurve(header, (int) curve[0], (int) curve[1]);
    return new IvfIndex(header, centroids, bytes, listStart, listCount, pageTable, recallCurve);
  }

  /** Length, magic, version, declared length and checksum: nothing else is read before these. */
  private void checkEnvelope() throws IvfIndexFormatException {
    if (bytes.length < MIN_LENGTH) {
      throw fail("index payload is " + bytes.length + " bytes, shorter than the smallest valid"
          + " index (" + MIN_LENGTH + " bytes)");
    }
    byte[] magic = Arrays.copyOfRange(bytes, 0, IvfIndexFormat.MAGIC.length);
    if (!Arrays.equals(magic, IvfIndexFormat.MAGIC)) {
      throw fail("not a pqvector IVF index: magic is " + hex(magic) + ", expected "
          + hex(IvfIndexFormat.MAGIC) + " (\"PQVECIVF\")");
    }
    int major = Short.toUnsignedInt(buf.getShort(IvfIndexFormat.OFF_MAJOR));
    int minor = Short.toUnsignedInt(buf.getShort(IvfIndexFormat.OFF_MINOR));
    if (major > IvfIndexFormat.MAJOR_VERSION) {
      throw fail("index format version " + major + " is newer than this reader ("
          + IvfIndexFormat.MAJOR_VERSION + "); rebuild the index or upgrade pqvector"
          + " (full version " + major + "." + minor + ")");
    }
    if (major < 1) {
      throw fail("index format version " + major + "." + minor + " does not exist");
    }
    long total = buf.getLong(IvfIndexFormat.OFF_TOTAL_LENGTH);
    if (total != bytes.length) {
      throw fail("header declares " + Long.toUnsignedString(total) + " bytes but the payload"
          + " has " + bytes.length + " (truncated or wrongly located)");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - CHECKSUM_LENGTH);
    int computed = (int) crc.getValue();
    int stored = buf.getInt(bytes.length - CHECKSUM_LENGTH);
    if (computed != stored) {
      throw fail(String.format("checksum mismatch: stored CRC32C 0x%08x, computed 0x%08x (the"
          + " index is corrupt)", stored, computed));
    }
  }

  private IvfIndexHeader readHeader() throws IvfIndexFormatException {
    long headerLength = Integer.toUnsignedLong(buf.getInt(IvfIndexFormat.OFF_HEADER_LENGTH));
    if (headerLength < HEADER_LENGTH || headerLength > bytes.length - CHECKSUM_LENGTH) {
      throw fail("header length " + headerLength + " out of range: must be " + HEADER_LENGTH
          + ".." + (bytes.length - CHECKSUM_LENGTH));
    }
    int flags = buf.getInt(IvfIndexFormat.OFF_FLAGS);
    int unknown = flags & IvfIndexFormat.CRITICAL_FLAGS_MASK & ~IvfIndexFormat.FLAG_PAGE_TABLE;
    if (unknown != 0) {
      throw fail(String.format("unknown required flags 0x%04x: the index needs a newer reader",
          unknown));
    }
    int code = Byte.toUnsignedInt(buf.get(IvfIndexFormat.OFF_METRIC));
    String metric = IvfIndexFormat.metricId(code);
    if (metric == null) {
      throw fail("unknown metric code " + code + ": expected 1 (l2), 2 (cosine) or 3 (dot)");
    }
    long dim = Integer.toUnsignedLong(buf.getInt(IvfIndexFormat.OFF_DIMENSION));
    long lists = Integer.toUnsignedLong(buf.getInt(IvfIndexFormat.OFF_LIST_COUNT));
    long rows = buf.getLong(IvfIndexFormat.OFF_ROW_COUNT);
    long indexed = buf.getLong(IvfIndexFormat.OFF_INDEXED_COUNT);
    long iterations = Integer.toUnsignedLong(buf.getInt(IvfIndexFormat.OFF_ITERATIONS));
    // The column name is checked with its section; a placeholder stands in until then.
    String problem = IvfIndexHeader.problem("?", metric, dim, lists, rows, indexed, iterations);
    if (problem != null) {
      throw fail(problem);
    }
    return new IvfIndexHeader("?", metric, (int) dim, (int) lists, rows, indexed,
        buf.getLong(IvfIndexFormat.OFF_FINGERPRINT), buf.getLong(IvfIndexFormat.OFF_SEED),
        (int) iterations);
  }

  /** A section pointer as {offset, length}, both still unchecked. */
  private long[] section(Section s) {
    return new long[] {buf.getLong(s.pointerOffset()), buf.getLong(s.pointerOffset() + 8)};
  }

  /**
   * Sections follow the header back to back, in the order of {@link Section}, then the recall
   * curve (1.1), and the last one ends at the checksum. Only a payload of a newer minor version
   * may have a longer header or bytes after the last known section: it may put data there that
   * this reader does not know. Returns the recall curve's {offset, length}, or null.
   */
  private long[] checkLayout(IvfIndexHeader header, long[] name, long[] cents, long[] table,
      long[] data, long[] pages, boolean hasPages) throws IvfIndexFormatException {
    int minor = Short.toUnsignedInt(buf.getShort(IvfIndexFormat.OFF_MINOR));
    boolean newerMinor = minor > IvfIndexFormat.MINOR_VERSION;
    long headerEnd = Integer.toUnsignedLong(buf.getInt(IvfIndexFormat.OFF_HEADER_LENGTH));
    // 1.0 has the 160-byte header; 1.1 the 176-byte one, or 1.0's when it carries no curve.
    if (!newerMinor && headerEnd != HEADER_LENGTH
        && (minor == 0 || headerEnd != IvfIndexFormat.HEADER_LENGTH_1_1)) {
      throw fail("header length " + headerEnd + " must be " + HEADER_LENGTH
          + (minor == 0 ? "" : " or " + IvfIndexFormat.HEADER_LENGTH_1_1) + " in version "
          + IvfIndexFormat.MAJOR_VERSION + "." + minor);
    }
    long limit = bytes.length - CHECKSUM_LENGTH;
    long previousEnd = headerEnd;
    long[][] all = {name, cents, table, data, pages};
    for (Section s : Section.values()) {
      long[] sec = all[s.ordinal()];
      if (s == Section.PAGE_TABLE && !hasPages) {
        if (sec[0] != 0 || sec[1] != 0) {
          throw fail("page table pointer is set (offset " + sec[0] + ", length " + sec[1]
              + ") but the page-table flag is clear");
        }
        continue;
      }
      long off = sec[0];
      long len = sec[1];
      if (off != previousEnd || len < 0 || len > limit - off) {
        throw fail(s + " section (offset " + off + ", length " + len + ") must follow the"
            + " previous one at offset " + previousEnd + " and end by offset " + limit);
      }
      previousEnd = off + len;
    }
    long[] curve = null;
    if (minor >= 1 && headerEnd >= IvfIndexFormat.HEADER_LENGTH_1_1) {
      long off = buf.getLong(IvfIndexFormat.OFF_RECALL_CURVE);
      long len = buf.getLong(IvfIndexFormat.OFF_RECALL_CURVE + 8);
      boolean hasCurve = (buf.getInt(IvfIndexFormat.OFF_FLAGS)
          & IvfIndexFormat.FLAG_RECALL_CURVE) != 0;
      if (!hasCurve) {
        if (off != 0 || len != 0) {
          throw fail("recall curve pointer is set (offset " + off + ", length " + len
              + ") but the recall-curve flag is clear");
        }
      } else {
        if (off != previousEnd || len < 16 || len > limit - off) {
          throw fail("recall curve section (offset " + off + ", length " + len + ") must follow"
              + " the previous one at offset " + previousEnd + " and end by offset " + limit);
        }
        previousEnd = off + len;
        curve = new long[] {off, len};
      }
    }
    if (!newerMinor && previousEnd != limit) {
      throw fail((limit - previousEnd) + " unexplained bytes between the last section and the"
          + " checksum");
    }
    if (name[1] < 1 || name[1] > IvfIndexFormat.MAX_COLUMN_NAME_BYTES) {
      throw fail("column name length " + name[1] + " out of range: must be 1.."
          + IvfIndexFormat.MAX_COLUMN_NAME_BYTES);
    }
    long centroidBytes = (long) header.listCount() * header.dimension() * Float.BYTES;
    if (cents[1] != centroidBytes) {
      throw fail("centroid section is " + cents[1] + " bytes but " + header.listCount()
          + " lists x " + header.dimension() + " dimensions need " + centroidBytes);
    }
    long tableBytes = (long) header.listCount() * LIST_ENTRY_LENGTH;
    if (table[1] != tableBytes) {
      throw fail("list table is " + table[1] + " bytes but " + header.listCount()
          + " lists need " + tableBytes);
    }
    if (hasPages && pages[1] < PAGE_TABLE_PREFIX_LENGTH) {
      throw fail("page table is " + pages[1] + " bytes, shorter than its "
          + PAGE_TABLE_PREFIX_LENGTH + "-byte prefix");
    }
    return curve;
  }

  /** The recall curve: counts checked against the section length before anything is allocated. */
  private RecallCurve readCurve(IvfIndexHeader header, int off, int length)
      throws IvfIndexFormatException {
    long queries = Integer.toUnsignedLong(buf.getInt(off));
    long rows = Integer.toUnsignedLong(buf.getInt(off + 4));
    long kCount = Integer.toUnsignedLong(buf.getInt(off + 8));
    long points = Integer.toUnsignedLong(buf.getInt(off + 12));
    if (kCount < 1 || kCount > RecallCurve.MAX_KS || points < 1
        || points > RecallCurve.MAX_POINTS) {
      throw fail("recall curve: " + kCount + " k values and " + points + " nprobe points, at"
          + " most " + RecallCurve.MAX_KS + " and " + RecallCurve.MAX_POINTS);
    }
    long expected = 16 + 4 * kCount + 4 * points + 4 * kCount * points;
    if (expected != length) {
      throw fail("recall curve is " + length + " bytes but " + kCount + " k values and "
          + points + " nprobe points need " + expected);
    }
    if (rows > header.indexedCount()) {
      throw fail("recall curve searched " + rows + " rows but only " + header.indexedCount()
          + " are indexed");
    }
    int pos = off + 16;
    int[] ks = new int[(int) kCount];
    for (int i = 0; i < ks.length; i++, pos += 4) {
      ks[i] = buf.getInt(pos);
    }
    int[] nprobes = new int[(int) points];
    for (int j = 0; j < nprobes.length; j++, pos += 4) {
      nprobes[j] = buf.getInt(pos);
    }
    float[][] recall = new float[ks.length][nprobes.length];
    for (int i = 0; i < ks.length; i++) {
      for (int j = 0; j < nprobes.length; j++, pos += 4) {
        recall[i][j] = buf.getFloat(pos);
      }
    }
    String problem = RecallCurve.problem(queries, rows, ks, nprobes, recall,
        header.listCount());
    if (problem != null) {
      throw fail(problem);
    }
    return new RecallCurve((int) queries, rows, ks, nprobes, recall);
  }

  private IvfIndexHeader withColumn(IvfIndexHeader h, long[] name) throws IvfIndexFormatException {
    String column;
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, (int) name[0], (int) name[1]));
      column = chars.toString();
    } catch (CharacterCodingException e) {
      throw fail("column name is not valid UTF-8");
    }
    return new IvfIndexHeader(column, h.metric(), h.dimension(), h.listCount(), h.rowCount(),
        h.indexedCount(), h.dataFingerprint(), h.seed(), h.iterations());
  }

  /**
   * Lists must be stored back to back in list order, exactly filling the data section, and their
   * counts must add up to the indexed vector count. Each list's bytes are then decoded once
   * (without allocating) to check its row ids.
   */
  private void readListTable(IvfIndexHeader header, int tableOff, int dataOff, int dataLength,
      int[] listStart, int[] listCount) throws IvfIndexFormatException {
    long expectedOff = 0;
    long ids = 0;
    for (int l = 0; l < listStart.length; l++) {
      int entry = tableOff + l * LIST_ENTRY_LENGTH;
      long off = buf.getLong(entry);
      long len = Integer.toUnsignedLong(buf.getInt(entry + 8));
      long count = Integer.toUnsignedLong(buf.getInt(entry + 12));
      if (off != expectedOff) {
        throw fail("list " + l + " starts at data offset " + off + ", expected " + expectedOff
            + " (lists are stored back to back)");
      }
      if (len > dataLength - off) {
        throw fail("list " + l + " (offset " + off + ", length " + len + ") runs past the "
            + dataLength + "-byte list data");
      }
      if (count > len || len > count * RowIdListCodec.MAX_VARINT_BYTES) {
        throw fail("list " + l + " claims " + count + " row ids in " + len
            + " bytes: each id takes 1.." + RowIdListCodec.MAX_VARINT_BYTES + " bytes");
      }
      ids += count;
      if (ids > header.indexedCount()) {
        throw fail("lists hold more row ids than the " + header.indexedCount()
            + " indexed vectors");
      }
      String problem = RowIdListCodec.check(bytes, dataOff + (int) off, (int) len, (int) count,
          header.rowCount());
      if (problem != null) {
        throw fail("list " + l + ": " + problem);
      }
      listStart[l] = dataOff + (int) off;
      listCount[l] = (int) count;
      expectedOff = off + len;
    }
    if (expectedOff != dataLength) {
      throw fail("lists use " + expectedOff + " of the " + dataLength + " list-data bytes");
    }
    if (ids != header.indexedCount()) {
      throw fail("lists hold " + ids + " row ids but the header says " + header.indexedCount()
          + " vectors are indexed");
    }
  }

  private float[] readCentroids(int off, int lists, int dim) throws IvfIndexFormatException {
    float[] centroids = new float[lists * dim];
    for (int i = 0; i < centroids.length; i++) {
      float v = buf.getFloat(off + i * Float.BYTES);
      if (!Float.isFinite(v)) {
        throw fail("centroid " + (i / dim) + " component " + (i % dim) + " is " + v);
      }
      centroids[i] = v;
    }
    return centroids;
  }

  private PageLocations readPageTable(IvfIndexHeader header, int off, int length)
      throws IvfIndexFormatException {
    long groups = Integer.toUnsignedLong(buf.getInt(off));
    long pages = Integer.toUnsignedLong(buf.getInt(off + 4));
    long expected = PAGE_TABLE_PREFIX_LENGTH + groups * ROW_GROUP_ENTRY_LENGTH
        + pages * PAGE_ENTRY_LENGTH;
    if (expected != length) {
      throw fail("page table is " + length + " bytes but " + groups + " row groups and " + pages
          + " pages need " + expected);
    }
    int g = (int) groups;
    int p = (int) pages;
    int[] rowCounts = new int[g];
    long[] dictOffsets = new long[g];
    int[] dictSizes = new int[g];
    int[] pageCounts = new int[g];
    int[] storedFirstRows = new int[g];
    int[] storedFirstPages = new int[g];
    int pos = off + PAGE_TABLE_PREFIX_LENGTH;
    for (int i = 0; i < g; i++, pos += ROW_GROUP_ENTRY_LENGTH) {
      storedFirstRows[i] = buf.getInt(pos);
      rowCounts[i] = buf.getInt(pos + 4);
      dictOffsets[i] = buf.getLong(pos + 8);
      dictSizes[i] = buf.getInt(pos + 16);
      storedFirstPages[i] = buf.getInt(pos + 20);
      pageCounts[i] = buf.getInt(pos + 24);
    }
    long[] pageOffsets = new long[p];
    int[] pageSizes = new int[p];
    int[] pageFirstRows = new int[p];
    for (int i = 0; i < p; i++, pos += PAGE_ENTRY_LENGTH) {
      pageOffsets[i] = buf.getLong(pos);
      pageSizes[i] = buf.getInt(pos + 8);
      pageFirstRows[i] = buf.getInt(pos + 12);
    }
    String problem = PageLocations.problem(rowCounts, dictOffsets, dictSizes, pageCounts, pageOffsets,
        pageSizes, pageFirstRows);
    if (problem != null) {
      throw fail("page table: " + problem);
    }
    PageLocations table = new PageLocations(rowCounts, dictOffsets, dictSizes, pageCounts, pageOffsets,
        pageSizes, pageFirstRows);
    for (int i = 0; i < g; i++) {
      if (storedFirstRows[i] != table.rowGroupFirstRow(i)
          || storedFirstPages[i] != table.rowGroupFirstPage(i)) {
        throw fail("page table: row group " + i + " says it starts at row " + storedFirstRows[i]
            + " and page " + storedFirstPages[i] + ", but the counts before it give row "
            + table.rowGroupFirstRow(i) + " and page " + table.rowGroupFirstPage(i));
      }
    }
    if (table.totalRowCount() != header.rowCount()) {
      throw fail("page table covers " + table.totalRowCount() + " rows but the header says the"
          + " file has " + header.rowCount());
    }
    return table;
  }

  private static IvfIndexFormatException fail(String message) {
    return new IvfIndexFormatException(message);
  }

  private static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append(String.format("%02x", x));
    }
    return sb.toString();
  }
}
