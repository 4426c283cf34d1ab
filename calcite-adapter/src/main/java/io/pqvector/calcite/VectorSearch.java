package io.pqvector.calcite;


import io.pqvector.calcite.VectorTopK.SearchSpec;
import io.pqvector.calcite.sql.QueryVectors;
import io.pqvector.parquet.decode.VectorBatch;
import io.pqvector.parquet.decode.VectorColumn;
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
import java.util.List;
import java.util.stream.IntStream;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;
import org.apache.calcite.linq4j.function.Predicate1;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import io.pqvector.parquet.FileVersion;

/**
 * Runs a {@link VectorTopK}: ranks the vectors of every file of the table against the query,
 * through each file's index or exactly, keeping a bounded top-k (vectors decoded straight from
 * pages into one float array); {@link WinningRows} then reads the other columns of the winners.
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
    float[] query = QueryVectors.queryVector(spec.function.sqlName(), queryValue);
    EmbeddingModelCheck.require(queryValue, spec.table,
        spec.table.columnNames().get(spec.fields[spec.vectorField]));
    QueryCancellation cancel = QueryCancellation.of(root);
    Ranking ranking = new Ranking(limit, query == null ? 0 : query.length);
    List<Path> files = spec.table.files();
    IntStream.range(0, files.size()).parallel().forEach(f ->
        rankFile(spec, f, files.get(f), query, filter, cancel, ranking));
    Winners winners = ranking.winners();
    List<Object[]> rows = WinningRows.read(spec, winners.rows, winners.vectors);
    LAST_STATS.set(ranking.stats);
    ranking.stats.fallbacks().forEach(QueryWarnings::add);
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

  /**
   * The best rows so far across files, with copies of their vectors (so winners need no second
   * decode), and rows whose distance is NULL, to fill a short result.
   */
  static final class Ranking {
    private final TopK top;
    private final int limit;
    /** Length of the query vector, the length of every ranked row's vector; 0 for none. */
    private final int dim;
    private final List<Long> nullRows = new ArrayList<>();

    Ranking(int limit, int dim) {
      this.limit = limit;
      this.dim = dim;
      this.top = newTopK();
    }

    final SearchStats stats = new SearchStats();

    /** A top-k for one worker, keeping vectors like this ranking. */
    TopK newTopK() {
      return dim > 0 ? TopK.withVectors(limit, dim) : new TopK(limit);
    }

    synchronized void merge(TopK local, List<Long> localNulls) {
      top.addAll(local);
      for (Long r : localNulls) {
        if (nullRows.size() < limit) {
          nullRows.add(r);
        }
      }
    }

    /** Ranked rows, then as many NULL-distance rows as the limit leaves room for. */
    synchronized Winners winners() {
      long[] ranked = top.rowsSorted();
      float[][] rankedVectors = dim > 0 ? top.vectorsSorted() : new float[ranked.length][];
      if (dim == 0) {
        Arrays.fill(rankedVectors, new float[0]); // ranked rows of a 0-dimension query hold []
      }
      int room = Math.max(0, Math.min(limit - ranked.length, nullRows.size()));
      long[] all = Arrays.copyOf(ranked, ranked.length + room);
      nullRows.sort(null);
      for (int i = 0; i < room; i++) {
        all[ranked.length + i] = nullRows.get(i);
      }
      return new Winners(all, Arrays.copyOf(rankedVectors, all.length));
    }
  }

  /** The rows of the answer, in order, and each one's vector (null for a NULL vector). */
  record Winners(long[] rows, float[][] vectors) {
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
      ranking.merge(new TopK(0), nulls);
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
        TopK local = ranking.newTopK();
        List<Long> nulls = new ArrayList<>();
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
            throw wrongDimensions(spec, query, column, len, file, row);
          }
          if (len == 0 && spec.function.nullWhenEmpty()) {
            if (nulls.size() < ranking.limit) {
              nulls.add(fileBase | row);
            }
            continue;
          }
          int off = batch.offset(r);
          float value = spec.function.apply(values, off, query, 0, len);
          local.offer(spec.function.rankKey(value), fileBase | row, values, off);
          if ((r & 0xffff) == 0xffff) {
            cancel.check();
          }
        }
        ranking.stats.rowsScored.addAndGet(batch.rowCount());
        ranking.merge(local, nulls);
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
        String why = index.status() == FileIndex.Status.OK
            ? "its index is for another metric or dimension" : index.problem();
        LOG.warn("searching {} exactly: {}", file, why);
        ranking.stats.exactFallback("searched " + file + " exactly instead of through its index: "
            + why);
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
    boolean cached = spec.table.settings().cacheBytes() > 0;
    PageSource source = new PageSource(file, vectors, cached);
    // One top-k per worker, each scoring every workers-th page run. A probe of cached pages is
    // mostly arithmetic that one core finishes sooner than a fork-join round trip; decoding
    // pages (cache off) is worth spreading over the cores.
    long floats = (long) candidates.rows.length * query.length;
    int workers = cached && floats < PARALLEL_MIN_FLOATS ? 1
        : Math.max(1, Math.min(pages.length, Runtime.getRuntime().availableProcessors()));
    TopK[] tops = new TopK[workers];
    List<Long> nulls = java.util.Collections.synchronizedList(new ArrayList<>());
    IntStream shares = IntStream.range(0, workers);
    (workers == 1 ? shares : shares.parallel()).forEach(w -> {
      TopK local = ranking.newTopK();
      List<Long> localNulls = new ArrayList<>();
      for (int p = w; p < pages.length; p += workers) {
        cancel.check();
        scoreRun(spec, pages[p], source.read(pages[p].rowGroup, pages[p].table,
            pages[p].firstPage, pages[p].lastPage), fileBase, query, file, column, local,
            localNulls);
      }
      tops[w] = local;
      nulls.addAll(localNulls);
    });
    TopK merged = ranking.newTopK();
    for (TopK t : tops) {
      merged.addAll(t);
    }
    if (candidates.exhaustive && passing == null && merged.size() < ranking.limit) {
      return false;
    }
    if (candidates.exhaustive && passing != null && merged.size() < ranking.limit
        && candidates.rows.length < passing.cardinality()) {
      return false;
    }
    ranking.stats.indexedFiles.incrementAndGet();
    ranking.stats.rowsScored.addAndGet(candidates.rows.length);
    ranking.merge(merged, nulls);
    return true;
  }

  /** Candidate floats below which an index probe of cached pages runs on the calling thread. */
  private static final long PARALLEL_MIN_FLOATS = 4L << 20;

  /** Scores the candidate rows of one decoded run of pages into {@code top}. */
  private static void scoreRun(SearchSpec spec, PageRows page, VectorBatch batch, long fileBase,
      float[] query, Path file, String column, TopK top, List<Long> nulls) {
    float[] values = batch.values();
    for (int i = 0; i < page.rows.length; i++) {
      int r = page.indexes[i];
      long id = fileBase | page.rows[i];
      if (batch.isNull(r)) {
        nulls.add(id);
        continue;
      }
      int len = batch.length(r);
      if (len != query.length) {
        throw wrongDimensions(spec, query, column, len, file, page.rows[i]);
      }
      int off = batch.offset(r);
      top.offer(spec.function.rankKey(spec.function.apply(values, off, query, 0, len)), id,
          values, off);
    }
  }

  private static IllegalArgumentException wrongDimensions(SearchSpec spec, float[] query,
      String column, int len, Path file, long row) {
    return new IllegalArgumentException(spec.function.sqlName() + ": the query vector has "
        + query.length + " dimensions and column " + column + " has " + len + " (" + file
        + ", row " + row + ")");
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
            columns[c] = WinningRows.cachedColumn(spec, version, names[c], rg, first, end);
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
}
