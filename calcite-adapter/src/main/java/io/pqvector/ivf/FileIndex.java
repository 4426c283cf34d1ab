package io.pqvector.ivf;

import io.pqvector.cache.ByteBoundedCache;
import io.pqvector.format.DataFingerprint;
import io.pqvector.format.IvfIndex;
import io.pqvector.format.IvfIndexFormat;
import io.pqvector.format.IvfIndexReader;
import io.pqvector.parquet.FileVersion;
import io.pqvector.parquet.VersionedFooter;
import io.pqvector.format.PageLocations;
import io.pqvector.parquet.decode.PageTable;
import io.pqvector.parquet.appendix.ParquetAppendix;
import io.pqvector.vector.Metric;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReferenceArray;
import io.pqvector.parquet.decode.VectorColumn;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * The IVF index of one column of one version of a file, verified before it is trusted: present,
 * checksummed (by the appendix and the format), of a version this reader knows, and built from
 * the data the file holds now (fingerprint). Loaded indexes are cached by file version (size,
 * modification time, file key), so a file that changes is looked at again.
 */
public final class FileIndex {
  /** Why a file is searched exactly rather than through its index. */
  public enum Status { OK, NONE, STALE, CORRUPT }

  /**
   * Verified indexes by file version, bounded by their bytes in memory: planning and every query
   * look an index up here, so it is read and checksummed once per file version, not per plan.
   */
  private static final ByteBoundedCache<Key, FileIndex> CACHE =
      new ByteBoundedCache<>(FileIndex::memoryBytes);

  static {
    CACHE.ensureCapacity(256L << 20);
  }

  private final Status status;
  /** The version of the file this index was read from (null when there is none). */
  private final FileVersion version;
  private final String problem;
  private final IvfIndex index;
  private final float[] centroids;
  private final Metric metric;
  private final PageTable[] pageTables;
  /** Page tables read from the file's own offset index, filled as queries need them. */
  private final AtomicReferenceArray<PageTable> filePageTables;

  private FileIndex(Status status, String problem, IvfIndex index) {
    this(status, problem, index, 0, null);
  }

  private FileIndex(Status status, String problem, IvfIndex index, int rowGroups,
      FileVersion version) {
    this.status = status;
    this.version = version;
    this.problem = problem;
    this.index = index;
    this.centroids = index == null ? null : index.centroids();
    this.metric = index == null ? null : Metric.fromId(index.metric());
    this.pageTables = index == null ? null : pageTables(index);
    this.filePageTables = index == null ? null
        : new AtomicReferenceArray<>(rowGroups);
    this.listRows = index == null ? null : new AtomicReferenceArray<>(index.listCount());
  }

  /** Each list's row ids, decoded on first use. */
  private final AtomicReferenceArray<int[]> listRows;

  /**
   * The row ids of {@code list}, decoded once and kept (4 bytes a row, against the 4 bytes a
   * dimension the vectors of those rows take in the page cache). Shared: do not modify.
   */
  public int[] listRows(int list) {
    int[] rows = listRows.get(list);
    if (rows == null) {
      rows = index.listRowIds(list);
      listRows.compareAndSet(list, null, rows);
    }
    return rows;
  }

  /** Whether no row id appears twice across the lists (computed once, on first use). */
  private volatile Boolean listsDisjoint;

  /**
   * Whether every row id appears in at most one list and lies in the file. The format requires
   * it, but a damaged (re-checksummed) index may break it; a search that scores list by list
   * relies on it, else it takes the path that sorts and deduplicates its candidates.
   */
  public boolean listsDisjoint() {
    Boolean known = listsDisjoint;
    if (known == null) {
      known = checkDisjoint();
      listsDisjoint = known;
    }
    return known;
  }

  private boolean checkDisjoint() {
    long rows = index.header().rowCount();
    if (rows > Integer.MAX_VALUE) {
      return false;
    }
    java.util.BitSet seen = new java.util.BitSet((int) rows);
    for (int l = 0; l < index.listCount(); l++) {
      for (int row : listRows(l)) {
        if (row < 0 || row >= rows || seen.get(row)) {
          return false;
        }
        seen.set(row);
      }
    }
    return true;
  }

  /**
   * Roughly what this holds in memory: the index payload, its decoded centroids, and (decoded as
   * queries probe them) the lists' row ids, 4 bytes per indexed row.
   */
  private int memoryBytes() {
    long bytes = 64;
    if (index != null) {
      bytes += index.byteLength() + 4L * centroids.length + 4L * index.header().indexedCount();
    }
    return (int) Math.min(Integer.MAX_VALUE, bytes);
  }

  public Status status() {
    return status;
  }

  /**
   * The version of the file this index was read from. What is derived from its lists (their
   * vectors gathered, their filter codes) is kept under this version: the file's current version
   * may already hold another index, with other lists under the same numbers.
   */
  public FileVersion version() {
    return version;
  }

  /** What is wrong with the index (for warnings), or null when it is usable. */
  public String problem() {
    return problem;
  }

  public IvfIndex index() {
    return index;
  }

  public float[] centroids() {
    return centroids;
  }

  public Metric metric() {
    return metric;
  }

  /** The page table our index stored for row group {@code rg}, or null (use the file's). */
  public PageTable pageTable(int rg) {
    return pageTables == null || rg >= pageTables.length ? null : pageTables[rg];
  }

  /**
   * Where row group {@code rg}'s vector pages are: our stored table, else the file's offset
   * index, read once per file version and kept here, so a query's work does not grow with the
   * number of pages in the file.
   */
  public PageTable pages(int rg, VectorColumn vectors) throws IOException {
    PageTable stored = pageTable(rg);
    if (stored != null) {
      return stored;
    }
    if (filePageTables == null || rg >= filePageTables.length()) {
      return vectors.pages(rg);
    }
    PageTable table = filePageTables.get(rg);
    if (table == null) {
      table = vectors.pages(rg);
      filePageTables.compareAndSet(rg, null, table);
    }
    return table;
  }

  /**
   * Loads the index of {@code column} in {@code file}, which the caller has just read
   * {@code footer} from (a tool that owns the file).
   */
  public static FileIndex load(Path file, ParquetMetadata footer, String column) {
    try {
      return load(file, new VersionedFooter(FileVersion.of(file), footer), column);
    } catch (IOException e) {
      return new FileIndex(Status.CORRUPT, file + ": " + e.getMessage(), null);
    }
  }

  /**
   * Loads (or takes from the cache) the index of {@code column} in {@code file}, as the file's
   * current version holds it ({@link #version}), checked against that version's footer: {@code
   * known} when it is of that version, else the footer read again. An index read while the file
   * changed is read again, so the index cached under a version is the one that version holds.
   */
  public static FileIndex load(Path file, VersionedFooter known, String column) {
    for (int attempt = 1; ; attempt++) {
      FileVersion version;
      try {
        version = FileVersion.of(file);
      } catch (IOException e) {
        return new FileIndex(Status.CORRUPT, file + ": " + e.getMessage(), null);
      }
      try {
        return CACHE.get(new Key(version, column), () -> read(file, version, known, column));
      } catch (ChangedWhileRead e) {
        if (attempt == 4) {
          return new FileIndex(Status.CORRUPT, file + ": the file changed each time its index of"
              + " column " + column + " was read", null);
        }
      } catch (IOException e) {
        throw new AssertionError(e); // read reports problems as a status, it does not throw
      }
    }
  }

  /** The footer of {@code version} of the file: {@code known}, or read again. */
  private static ParquetMetadata footerOf(Path file, FileVersion version, VersionedFooter known)
      throws IOException {
    if (known.version().equals(version)) {
      return known.footer();
    }
    VersionedFooter now = VersionedFooter.read(file);
    if (!now.version().equals(version)) {
      throw new ChangedWhileRead(file);
    }
    return now.footer();
  }

  /** The file changed between taking its version and reading its index: nothing to keep. */
  private static final class ChangedWhileRead extends IOException {
    ChangedWhileRead(Path file) {
      super(file + " changed while its index was read");
    }
  }

  private static FileIndex read(Path file, FileVersion version, VersionedFooter known,
      String column) throws ChangedWhileRead {
    String footerKey = IvfIndexFormat.footerKey(column);
    ParquetMetadata footer;
    try {
      footer = footerOf(file, version, known);
    } catch (ChangedWhileRead e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      requireUnchanged(file, version);
      return new FileIndex(Status.CORRUPT, file + ": footer unreadable (" + e.getMessage() + ")",
          null);
    }
    if (!footer.getFileMetaData().getKeyValueMetaData().containsKey(footerKey)) {
      return new FileIndex(Status.NONE, file + " has no index for column " + column, null);
    }
    IvfIndex index;
    try {
      byte[] payload = ParquetAppendix.read(file, footerKey);
      requireUnchanged(file, version);
      if (payload == null) {
        return new FileIndex(Status.NONE, file + " has no index for column " + column, null);
      }
      index = IvfIndexReader.parse(payload);
    } catch (ChangedWhileRead e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      requireUnchanged(file, version); // a payload half rewritten is not a damaged one
      return new FileIndex(Status.CORRUPT, file + ": index of column " + column
          + " is unreadable (" + e.getMessage() + ")", null);
    }
    if (!index.column().equals(column)) {
      return new FileIndex(Status.CORRUPT, file + ": index under key " + footerKey
          + " is for column " + index.column(), null);
    }
    long fingerprint = DataFingerprint.of(footer, column);
    if (fingerprint != index.header().dataFingerprint()) {
      return new FileIndex(Status.STALE, file + ": index of column " + column
          + " was built for other data (fingerprint differs); re-run pqvector index", null);
    }
    long rows = footer.getBlocks().stream().mapToLong(b -> b.getRowCount()).sum();
    if (rows != index.header().rowCount()) {
      return new FileIndex(Status.STALE, file + ": index covers " + index.header().rowCount()
          + " rows but the file has " + rows, null);
    }
    return new FileIndex(Status.OK, null, index, footer.getBlocks().size(), version);
  }

  private static void requireUnchanged(Path file, FileVersion version) throws ChangedWhileRead {
    try {
      if (FileVersion.of(file).equals(version)) {
        return;
      }
    } catch (IOException gone) {
      // deleted or unreadable now: it changed
    }
    throw new ChangedWhileRead(file);
  }

  private static PageTable[] pageTables(IvfIndex index) {
    if (index.pageLocations().isEmpty()) {
      return null;
    }
    PageLocations stored = index.pageLocations().get();
    PageTable[] out = new PageTable[stored.rowGroupCount()];
    for (int g = 0; g < out.length; g++) {
      out[g] = stored.rowGroup(g);
    }
    return out;
  }

  /** An index is cached per column of one version of a file. */
  private record Key(FileVersion file, String column) {
  }
}
