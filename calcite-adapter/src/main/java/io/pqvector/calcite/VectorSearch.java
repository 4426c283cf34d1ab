package io.pqvector.calcite;

import io.pqvector.calcite.sql.FloatVector;

import io.pqvector.calcite.VectorTopK.SearchSpec;
import io.pqvector.calcite.sql.QueryVectors;
import io.pqvector.parquet.VectorBatch;
import io.pqvector.parquet.VectorColumn;
import io.pqvector.ivf.FileIndex;
import io.pqvector.ivf.IvfProbe;
import io.pqvector.vector.TopK;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.linq4j.function.Predicate1;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import io.pqvector.parquet.FileVersion;

/**
 * Runs a {@link VectorTopK}: ranks the vectors of every file of the table against the query,
 * keeping a bounded top-k per row group (decoded straight from pages into one float array), then
 * reads the table's other columns for the winning rows only.
 *
 * <p>Rows are identified across files as {@code fileIndex << 40 | rowInFile}.
 */
public final class VectorSearch {
  private static final int ROW_BITS = 40;
  private static final Logger LOG = LoggerFactory.getLogger(VectorSearch.class);
  private static final ThreadLocal<SearchStats> LAST_STATS = new ThreadLocal<>();

  /** What the last vector query run on this thread did (for benchmarks and tests). */
  public static SearchStats lastStats() {
    return LAST_STATS.get();
  }

  private VectorSearch() {}

  /** Entry point called from generated code. */
  public static Enumerable<Object> execute(DataContext root, SearchSpec spec, Object queryValue,
      Number fetch, Number offset, Predicate1<Object[]> filter, Object[] subqueryRow,
      boolean scalar) {
    long k = (fetch == null ? Long.MAX_VALUE : fetch.longValue())
        + (offset == null ? 0 : offset.longValue());
    int limit = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(0, k < 0 ? Long.MAX_VALUE : k));
    float[] query = QueryVectors.toFloats(queryValue);
    QueryCancellation cancel = QueryCancellation.of(root);
    Ranking ranking = new Ranking(limit);
    List<Path> files = spec.table.files();
    IntStream.range(0, files.size()).parallel().forEach(f ->
        rankFile(spec, f, files.get(f), query, filter, cancel, ranking));
    List<Object[]> rows = materialize(spec, ranking.winners(), ranking.vectors);
    LAST_STATS.set(ranking.stats);
    List<Object> out = new ArrayList<>(rows.size());
    for (Object[] row : rows) {
      if (subqueryRow != null) {
        row = Arrays.copyOf(row, row.length + subqueryRow.length);
        System.arraycopy(subqueryRow, 0, row, row.length - subqueryRow.length,
            subqueryRow.length);
      }
      out.add(scalar ? row[0] : row);
    }
    return Linq4j.asEnumerable(out);
  }

  /**
   * The one row of a scalar subquery as an array (NULLs if it has no row, as SQL defines; more
   * than one row is an error, which Calcite's SINGLE_VALUE already raises below).
   */
  public static Object[] singleRow(Enumerable<?> rows, boolean scalar, int width) {
    Object first = rows.firstOrDefault();
    if (first == null) {
      return new Object[width];
    }
    return scalar ? new Object[] {first} : (Object[]) first;
  }

  /** The best rows so far across files, and rows whose distance is NULL, to fill a short result. */
  static final class Ranking {
    private final TopK top;
    private final int limit;
    private final List<Long> nullRows = new ArrayList<>();
    /** Copies of the vectors of rows that entered a top-k, so winners need no second decode. */
    private final Map<Long, float[]> vectors = new HashMap<>();

    Ranking(int limit) {
      this.limit = limit;
      this.top = new TopK(limit);
    }

    final SearchStats stats = new SearchStats();

    synchronized void merge(TopK local, List<Long> localNulls, Map<Long, float[]> localVectors) {
      top.addAll(local);
      vectors.putAll(localVectors);
      for (Long r : localNulls) {
        if (nullRows.size() < limit) {
          nullRows.add(r);
        }
      }
    }

    /** Ranked row ids, then as many NULL-distance rows as the limit leaves room for. */
    synchronized long[] winners() {
      long[] ranked = top.rowsSorted();
      int room = Math.max(0, Math.min(limit - ranked.length, nullRows.size()));
      long[] all = Arrays.copyOf(ranked, ranked.length + room);
      nullRows.sort(null);
      for (int i = 0; i < room; i++) {
        all[ranked.length + i] = nullRows.get(i);
      }
      return all;
    }
  }

  private static void rankFile(SearchSpec spec, int fileIndex, Path file, float[] query,
      Predicate1<Object[]> filter, QueryCancellation cancel, Ranking ranking) {
    String column = spec.table.columnNames().get(spec.fields[spec.vectorField]);
    BitSet passing = filter == null ? null : passingRows(spec, file, filter, cancel);
    long fileBase = (long) fileIndex << ROW_BITS;
    if (!hasColumn(spec, file, column)) {
      // Every vector of this file is NULL: its rows can only fill the tail of a short result.
      List<Long> nulls = new ArrayList<>();
      long rows = spec.table.footer(file).getBlocks().stream().mapToLong(b -> b.getRowCount()).sum();
      for (long r = 0; r < rows && nulls.size() < ranking.limit; r++) {
        if (passing == null || passing.get((int) r)) {
          nulls.add(fileBase | r);
        }
      }
      ranking.merge(new TopK(0), nulls, Map.of());
      return;
    }
    try (VectorColumn vectors = VectorColumn.open(file, column)) {
      if (spec.useIndex && query != null && rankWithIndex(spec, fileIndex, file, vectors, column,
          query, passing, cancel, ranking)) {
        return;
      }
      ranking.stats.exactFiles.incrementAndGet();
      IntStream.range(0, vectors.rowGroupCount()).parallel().forEach(rg -> {
        cancel.check();
        TopK local = new TopK(ranking.limit);
        List<Long> nulls = new ArrayList<>();
        Map<Long, float[]> kept = new HashMap<>();
        VectorBatch batch;
        try {
          batch = vectors.readRowGroup(rg);
        } catch (IOException e) {
          throw new UncheckedIOException("reading column " + column + " of " + file + ": "
              + e.getMessage(), e);
        }
        long first = vectors.rowGroupFirstRow(rg);
        float[] values = batch.values();
        for (int r = 0, n = batch.rowCount(); r < n; r++) {
          long row = first + r;
          if (passing != null && !passing.get((int) row)) {
            continue;
          }
          if (query == null || batch.isNull(r)) {
            if (nulls.size() < ranking.limit) {
              nulls.add(fileBase | row);
            }
            continue;
          }
          int len = batch.length(r);
          if (len != query.length) {
            throw new IllegalArgumentException(spec.function.sqlName()
                + ": vectors have different lengths: " + len + " and " + query.length
                + " (row " + row + " of " + file + ", column " + column + ")");
          }
          int off = batch.offset(r);
          float value = spec.function.apply(values, off, query, 0, len);
          if (local.offer(spec.function.rankKey(value), fileBase | row)) {
            kept.put(fileBase | row, Arrays.copyOfRange(values, off, off + len));
          }
          if ((r & 0xffff) == 0xffff) {
            cancel.check();
          }
        }
        ranking.stats.rowsScored.addAndGet(batch.rowCount());
        ranking.merge(local, nulls, kept);
      });
    } catch (IOException e) {
      throw FileErrors.reading(file, e);
    }
  }

  /**
   * Searches one file through its IVF index: probes the nearest lists, scores only their rows'
   * vectors (decoding each needed page once, or taking it from the page cache), and merges them
   * into the ranking. Returns false when the file must be searched exactly instead: no usable
   * index, or every list was probed and still fewer than k rows ranked (rows whose vector is
   * NULL are in no list, and only an exact pass finds them).
   */
  private static boolean rankWithIndex(SearchSpec spec, int fileIndex, Path file,
      VectorColumn vectors, String column, float[] query, BitSet passing,
      QueryCancellation cancel, Ranking ranking) throws IOException {
    FileIndex index = FileIndex.load(file, spec.table.footer(file), column);
    if (index.status() != FileIndex.Status.OK || index.metric() != spec.function.metric()
        || index.index().dimension() != query.length) {
      if (index.status() != FileIndex.Status.NONE) {
        LOG.warn("searching {} exactly: {}", file, index.status() == FileIndex.Status.OK
            ? "its index is for another metric or dimension" : index.problem());
      }
      return false;
    }
    int lists = index.index().listCount();
    // An explicit nprobe, else the depth this file's recall curve gives for k and the target
    // (indexes built before curves existed use the formula).
    IvfProbe.Depth depth = spec.nprobe != null ? IvfProbe.Depth.fixed(Math.min(spec.nprobe, lists))
        : index.index().recallCurve().map(c -> IvfProbe.Depth.recall(c, spec.recall))
            .orElseGet(() -> IvfProbe.Depth.fixed(IvfProbe.defaultNprobe(lists)));
    IvfProbe.Candidates candidates = IvfProbe.candidates(index, IvfProbe.order(index, query),
        depth, ranking.limit, passing);
    ranking.stats.listsProbed.addAndGet(candidates.listsProbed);
    long fileBase = (long) fileIndex << ROW_BITS;
    PageRows[] pages = PageRows.group(candidates.rows, vectors, index);
    TopK merged = new TopK(ranking.limit);
    List<Long> nulls = new ArrayList<>();
    Map<Long, float[]> kept = new HashMap<>();
    PageSource source = new PageSource(file, vectors, spec.table.settings().cacheBytes() > 0);
    Arrays.stream(pages).parallel().forEach(page -> {
      cancel.check();
      TopK local = new TopK(ranking.limit);
      List<Long> localNulls = new ArrayList<>();
      Map<Long, float[]> localKept = new HashMap<>();
      VectorBatch batch = source.read(page.rowGroup, page.table, page.firstPage, page.lastPage);
      float[] values = batch.values();
      for (int i = 0; i < page.rows.length; i++) {
        int r = page.indexes[i];
        long id = fileBase | page.rows[i];
        if (batch.isNull(r)) {
          localNulls.add(id);
          continue;
        }
        int len = batch.length(r);
        if (len != query.length) {
          throw new IllegalArgumentException(spec.function.sqlName()
              + ": vectors have different lengths: " + len + " and " + query.length
              + " (row " + page.rows[i] + " of " + file + ", column " + column + ")");
        }
        int off = batch.offset(r);
        float value = spec.function.apply(values, off, query, 0, len);
        if (local.offer(spec.function.rankKey(value), id)) {
          localKept.put(id, Arrays.copyOfRange(values, off, off + len));
        }
      }
      synchronized (merged) {
        merged.addAll(local);
        nulls.addAll(localNulls);
        kept.putAll(localKept);
      }
    });
    if (candidates.exhaustive && passing == null && merged.size() < ranking.limit) {
      return false;
    }
    if (candidates.exhaustive && passing != null && merged.size() < ranking.limit
        && candidates.rows.length < passing.cardinality()) {
      return false;
    }
    ranking.stats.indexedFiles.incrementAndGet();
    ranking.stats.rowsScored.addAndGet(candidates.rows.length);
    ranking.merge(merged, nulls, kept);
    return true;
  }

  private static boolean hasColumn(SearchSpec spec, Path file, String column) {
    return spec.table.footer(file).getFileMetaData().getSchema().containsField(column);
  }

  /** Rows of {@code file} for which the WHERE clause is true, read from its columns only. */
  private static BitSet passingRows(SearchSpec spec, Path file, Predicate1<Object[]> filter,
      QueryCancellation cancel) {
    String[] names = new String[spec.filterColumns.length];
    for (int i = 0; i < names.length; i++) {
      names[i] = spec.table.columnNames().get(spec.filterColumns[i]);
    }
    BitSet passing = new BitSet();
    try {
      if (spec.table.settings().cacheBytes() > 0) {
        // The filter's columns come from the column value cache: decoded once per file version,
        // not on every query.
        FileVersion version = FileVersion.of(file);
        List<BlockMetaData> blocks = spec.table.footer(file).getBlocks();
        long first = 0;
        for (int rg = 0; rg < blocks.size(); rg++) {
          cancel.check();
          long end = first + blocks.get(rg).getRowCount();
          Object[][] columns = new Object[names.length][];
          for (int c = 0; c < names.length; c++) {
            columns[c] = cachedColumn(spec, version, names[c], rg, first, end);
          }
          Object[] row = new Object[names.length];
          for (int r = 0; r < end - first; r++) {
            for (int c = 0; c < names.length; c++) {
              row[c] = columns[c][r];
            }
            if (filter.apply(row)) {
              passing.set(Math.toIntExact(first + r));
            }
          }
          first = end;
        }
        return passing;
      }
      try (ParquetRowReader reader = new ParquetRowReader(file, names, FilterCompat.NOOP, null)) {
        Object[] row;
        long n = 0;
        while ((row = reader.next()) != null) {
          if (filter.apply(row)) {
            passing.set(Math.toIntExact(reader.lastRowIndex()));
          }
          if ((++n & 0xfff) == 0) {
            cancel.check();
          }
        }
      }
    } catch (IOException e) {
      throw FileErrors.reading(file, e);
    }
    return passing;
  }


  /**
   * Reads the scan's columns for the given rows, returned in the given order. The vector column
   * comes from the copies kept while ranking; only the other columns are read again.
   */
  private static List<Object[]> materialize(SearchSpec spec, long[] rows,
      Map<Long, float[]> vectors) {
    Map<Integer, List<Long>> byFile = new HashMap<>();
    for (long r : rows) {
      byFile.computeIfAbsent((int) (r >>> ROW_BITS), f -> new ArrayList<>())
          .add(r & ((1L << ROW_BITS) - 1));
    }
    Map<Long, Object[]> found = new HashMap<>();
    for (Map.Entry<Integer, List<Long>> e : byFile.entrySet()) {
      Path file = spec.table.files().get(e.getKey());
      long fileBase = (long) e.getKey() << ROW_BITS;
      long[] wanted = e.getValue().stream().mapToLong(Long::longValue).sorted().toArray();
      for (long r : wanted) {
        found.put(fileBase | r, new Object[spec.fields.length]);
      }
      try {
        readColumns(spec, file, wanted, fileBase, found);
      } catch (IOException ex) {
        throw FileErrors.reading(file, ex);
      }
    }
    List<Object[]> out = new ArrayList<>(rows.length);
    for (long r : rows) {
      Object[] row = found.get(r);
      float[] v = vectors.get(r);
      row[spec.vectorField] = v == null ? null : new FloatVector(v);
      out.add(row);
    }
    return out;
  }

  /**
   * Fills the non-vector columns of the wanted rows of one file. With the cache on they come from
   * the column value cache (whole row groups decoded once, then shared by later queries); with it
   * off they are read directly, only the pages of the wanted rows where the file has offset
   * indexes.
   */
  private static void readColumns(SearchSpec spec, Path file, long[] wanted, long fileBase,
      Map<Long, Object[]> found) throws IOException {
    ParquetMetadata footer = spec.table.footer(file);
    boolean cache = spec.table.settings().cacheBytes() > 0;
    String[] direct = new String[spec.fields.length];
    boolean anyDirect = false;
    for (int i = 0; i < spec.fields.length; i++) {
      if (i == spec.vectorField) {
        continue;
      }
      String column = spec.table.columnNames().get(spec.fields[i]);
      if (cache) {
        fillFromCache(spec, file, footer, column, i, wanted, fileBase, found);
      } else {
        direct[i] = column;
        anyDirect = true;
      }
    }
    if (!anyDirect) {
      return;
    }
    try (ParquetRowReader reader = new ParquetRowReader(file, direct, FilterCompat.NOOP,
        wanted)) {
      Object[] row;
      while ((row = reader.next()) != null) {
        Object[] target = found.get(fileBase | reader.lastRowIndex());
        for (int i = 0; i < direct.length; i++) {
          if (direct[i] != null) {
            target[i] = row[i];
          }
        }
      }
    }
  }

  private static void fillFromCache(SearchSpec spec, Path file, ParquetMetadata footer,
      String column, int position, long[] wanted, long fileBase, Map<Long, Object[]> found)
      throws IOException {
    FileVersion version = FileVersion.of(file);
    List<BlockMetaData> blocks = footer.getBlocks();
    long first = 0;
    int w = 0;
    for (int rg = 0; rg < blocks.size() && w < wanted.length; rg++) {
      long end = first + blocks.get(rg).getRowCount();
      if (wanted[w] < end) {
        Object[] values = cachedColumn(spec, version, column, rg, first, end);
        while (w < wanted.length && wanted[w] < end) {
          found.get(fileBase | wanted[w])[position] = values[(int) (wanted[w] - first)];
          w++;
        }
      }
      first = end;
    }
  }

  /**
   * Every value of {@code column} in row group {@code rg} (rows {@code [first, end)} of the
   * file), decoded once per file version and kept in the column value cache.
   */
  private static Object[] cachedColumn(SearchSpec spec, FileVersion version, String column,
      int rg, long first, long end) throws IOException {
    ColumnValueCache cache = ColumnValueCache.shared();
    cache.ensureCapacity(spec.table.settings().cacheBytes() / 8);
    return cache.get(new ColumnValueCache.Key(version, column, rg), () -> {
      long[] all = new long[(int) (end - first)];
      for (int i = 0; i < all.length; i++) {
        all[i] = first + i;
      }
      Object[] out = new Object[all.length];
      try (ParquetRowReader reader = new ParquetRowReader(version.path(),
          new String[] {column}, FilterCompat.NOOP, all)) {
        Object[] row;
        while ((row = reader.next()) != null) {
          out[(int) (reader.lastRowIndex() - first)] = row[0];
        }
      }
      return out;
    });
  }



}
