package io.pqvector.calcite.search;

import io.pqvector.calcite.rows.FileChangedException;
import io.pqvector.calcite.rows.FileErrors;
import io.pqvector.calcite.rows.ParquetRowReader;
import io.pqvector.calcite.cancel.QueryCancellation;
import io.pqvector.calcite.function.QueryVectors;
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
 * Runs an IvfTopK (the {@code VectorTopK} operator): ranks the vectors of every file of the table against the query,
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
    QueryFiles seen = new QueryFiles(spec.table);
    SearchSpec search = spec.withTable(seen);
    List<Path> files = search.table.files();
    String filterKey = filter == null ? null : search.filterShape.key(root);
    if (filter != null) {
      ranking.numeric = search.filterShape.numericComparisons(root);
      ranking.numericDecides = search.filterShape.decidedBy(ranking.numeric);
    }
    List<Object[]> rows;
    try {
      IntStream.range(0, files.size()).parallel().forEach(f ->
          rankFile(search, f, files.get(f), query, filter, filterKey, cancel, ranking));
      Winners winners = ranking.winners();
      rows = WinningRows.read(search, winners.rows, winners.vectors);
    } catch (RuntimeException e) {
      try {
        seen.requireUnchanged(); // a file that changed under the query explains the failure
      } catch (FileChangedException changed) {
        changed.addSuppressed(e);
        throw changed;
      }
      throw e;
    }
    seen.requireUnchanged();
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
    /** The filter's numeric comparisons with this query's constants (none without a filter). */
    NumericComparison.Bound[] numeric = new NumericComparison.Bound[0];
    /** Whether a row passing {@link #numeric} passes the filter. */
    boolean numericDecides;

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

  /** @param filterKey identifies the filter's result on a file, or null (not repeatable) */
  private static void rankFile(SearchSpec spec, int fileIndex, Path file, float[] query,
      Predicate1<Object[]> filter, String filterKey, QueryCancellation cancel, Ranking ranking) {
    String column = spec.table.columnNames().get(spec.fields[spec.vectorField]);
    long fileBase = (long) fileIndex << ROW_BITS;
    if (!hasColumn(spec, file, column)) {
      // Every vector of this file is NULL: its rows can only fill the tail of a short result.
      BitSet passing = filter == null ? null
          : passingRows(spec, file, filter, cancel, ranking.stats);
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
    try (VectorColumn vectors = openColumn(spec, file, column)) {
      BitSet passing = null;
      if (spec.useIndex && query != null) {
        FileIndex index = usableIndex(spec, file, column, query, ranking);
        if (index != null) {
          boolean cached = spec.table.settings().cacheBytes() > 0;
          if (cached && index.listsDisjoint()) {
            if (rankByLists(spec, fileIndex, file, vectors, index, query, filter, filterKey,
                cancel, ranking)) {
              return;
            }
          } else if (filter != null && !cached
              && ProbedRowFilter.applies(spec.table.footer(file), filterColumnNames(spec))) {
            if (rankByProbedRows(spec, fileIndex, file, vectors, index, query, filter, cancel,
                ranking)) {
              return;
            }
          } else {
            passing = filter == null ? null
                : passingRows(spec, file, filter, cancel, ranking.stats);
            if (rankWithIndex(spec, fileIndex, file, vectors, index, column, query, passing,
                cancel, ranking)) {
              return;
            }
          }
        }
      }
      if (filter != null && passing == null) {
        passing = passingRows(spec, file, filter, cancel, ranking.stats);
      }
      BitSet filtered = passing;
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
          if (filtered != null && !filtered.get((int) row)) {
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
   * The file's index for the query's column, or null (recorded as a fallback when the file has
   * one that does not serve: damaged, stale, another metric or dimension).
   */
  private static FileIndex usableIndex(SearchSpec spec, Path file, String column, float[] query,
      Ranking ranking) {
    QueryFiles files = (QueryFiles) spec.table;
    FileIndex index = FileIndex.load(file, files.pinned(file), column);
    if (index.version() != null) {
      // Its lists name rows of the data the query reads, or the query stops here.
      files.requireSameData(file, index.version());
    }
    if (index.status() != FileIndex.Status.OK || index.metric() != spec.function.metric()
        || index.index().dimension() != query.length) {
      if (index.status() != FileIndex.Status.NONE) {
        String why = index.status() == FileIndex.Status.OK
            ? "its index is for another metric or dimension" : index.problem();
        LOG.warn("searching {} exactly: {}", file, why);
        ranking.stats.exactFallback("searched " + file + " exactly instead of through its index: "
            + why);
      }
      return null;
    }
    return index;
  }

  /** How many lists to probe in {@code index}'s file. */
  private static IvfProbe.Depth depth(SearchSpec spec, FileIndex index) {
    int lists = index.index().listCount();
    // An explicit nprobe, else the depth this file's recall curve gives for k and the target
    // (indexes built before curves existed use the formula).
    return spec.nprobe != null ? IvfProbe.Depth.fixed(Math.min(spec.nprobe, lists))
        : index.index().recallCurve().map(c -> IvfProbe.Depth.recall(c, spec.recall))
            .orElseGet(() -> IvfProbe.Depth.fixed(IvfProbe.defaultNprobe(lists)));
  }

  /**
   * Searches one file through its IVF index, candidates first and then their pages: probes the nearest lists, scores only their rows'
   * vectors (decoding each needed page once, or taking it from the page cache), and merges them
   * into the ranking. Returns false when the file must be searched exactly instead: no usable
   * index, or every list was probed and still fewer than k rows ranked (rows whose vector is
   * NULL are in no list, and only an exact pass finds them).
   */
  private static boolean rankWithIndex(SearchSpec spec, int fileIndex, Path file,
      VectorColumn vectors, FileIndex index, String column, float[] query, BitSet passing,
      QueryCancellation cancel, Ranking ranking) throws IOException {
    IvfProbe.Candidates candidates = IvfProbe.candidates(index, IvfProbe.order(index, query),
        depth(spec, index), ranking.limit, passing);
    ranking.stats.listsProbed.addAndGet(candidates.listsProbed);
    long fileBase = (long) fileIndex << ROW_BITS;
    PageRows[] pages = PageRows.group(candidates.rows, vectors, index);
    PageRows.prefetch(file, pages);
    boolean cached = spec.table.settings().cacheBytes() > 0;
    PageSource source = new PageSource(file, vectors, cached, spec.table.version(file));
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

  /**
   * Searches one file through its IVF index list by list, the cache on and the lists disjoint:
   * per list, the filter (if any) is evaluated on the list's rows only, and the rows that pass
   * are scored from the list's vectors kept contiguous ({@link ListVectors}). Probing follows
   * {@link IvfProbe.Probe}, as {@link #rankWithIndex} does. When the lists read so far suggest
   * the filter is selective enough that the rows that pass will be fewer than the rows the
   * lists hold, a bitmap of the whole file is built (and kept), and the search starts over with
   * it, so it can score the passing rows instead, exactly as {@link IvfProbe#candidates} does.
   * Returns false when the file must be searched exactly instead.
   */
  private static boolean rankByLists(SearchSpec spec, int fileIndex, Path file,
      VectorColumn vectors, FileIndex index, float[] query, Predicate1<Object[]> predicate,
      String filterKey, QueryCancellation cancel, Ranking ranking) throws IOException {
    String column = vectors.column();
    long fileBase = (long) fileIndex << ROW_BITS;
    int dim = query.length;
    long fileRows = vectors.rowCount();
    PageSource source = new PageSource(file, vectors, true, spec.table.version(file));
    FilterCache filters = predicate == null ? null
        : new FilterCache(spec, file, source.version(), index.version(), predicate, filterKey,
            fileRows);
    BitSet passing = filters == null ? null : filters.cachedBitmap();
    CandidateFilter filter = filters == null ? null
        : passing != null ? CandidateFilter.of(passing) : filters.candidateFilter(ranking);
    long passingCount = passing == null ? -1 : passing.cardinality();
    int[] order = IvfProbe.order(index, query);
    IvfProbe.Depth depth = depth(spec, index);
    PageRows.prefetchLists(file, vectors, index, order, depth.lists(ranking.limit));
    while (true) {
      TopK top = ranking.newTopK();
      List<Long> nulls = new ArrayList<>();
      IvfProbe.Probe probe = new IvfProbe.Probe(order.length, depth, ranking.limit,
          filter != null);
      long scored = 0;
      int[] positions = new int[filter == null ? 0 : 256]; // rows of a list that pass
      boolean restart = false;
      int at;
      while ((at = probe.next()) >= 0) {
        cancel.check();
        int[] rows = index.listRows(order[at]);
        if (passing != null && probe.listed() + rows.length >= passingCount) {
          // The lists read would hold more rows than pass: score the passing rows instead.
          int[] all = passing.stream().toArray();
          TopK exact = ranking.newTopK();
          List<Long> exactNulls = new ArrayList<>();
          scoreRows(spec, all, vectors, index, source, fileBase, query, file, column, exact,
              exactNulls, cancel);
          ranking.stats.listsProbed.addAndGet(probe.probed());
          if (exact.size() < ranking.limit && all.length < passingCount) {
            return false;
          }
          ranking.stats.indexedFiles.incrementAndGet();
          ranking.stats.rowsScored.addAndGet(all.length);
          ranking.merge(exact, exactNulls);
          return true;
        }
        if (filter != null && positions.length < rows.length) {
          positions = new int[Math.max(rows.length, positions.length * 2)];
        }
        int count = filter == null ? rows.length : filter.selectList(order[at], rows, positions);
        if (filter != null && passing == null) {
          ranking.stats.rowsFiltered.addAndGet(rows.length);
        }
        if (passing == null && filter != null && filters.selective(probe.listed() + rows.length,
            probe.passed() + count)) {
          passing = filters.bitmap(filter, ranking.stats);
          passingCount = passing.cardinality();
          filter = CandidateFilter.of(passing);
          restart = true;
          break;
        }
        VectorBatch block = count == 0 ? null
            : ListVectors.get(source, vectors, index, order[at], rows, dim);
        if (count == 0) {
          // nothing of this list passes: its vectors are not needed
        } else if (block != null) {
          float[] values = block.values();
          for (int j = 0; j < count; j++) {
            int i = filter == null ? j : positions[j];
            int off = i * dim;
            top.offer(spec.function.rankKey(spec.function.apply(values, off, query, 0, dim)),
                fileBase | rows[i], values, off);
          }
        } else {
          int[] candidates = new int[count];
          for (int j = 0; j < count; j++) {
            candidates[j] = rows[filter == null ? j : positions[j]];
          }
          Arrays.sort(candidates);
          scoreRows(spec, candidates, vectors, index, source, fileBase, query, file, column,
              top, nulls, cancel);
        }
        scored += count;
        probe.done(rows.length, count);
      }
      if (restart) {
        continue;
      }
      ranking.stats.listsProbed.addAndGet(probe.probed());
      if (probe.exhausted() && top.size() < ranking.limit) {
        if (filter == null) {
          return false;
        }
        // Passing rows outside every list (NULL vectors) are found only by an exact pass.
        BitSet all = passing != null ? passing : filters.bitmap(filter, ranking.stats);
        if (scored < all.cardinality()) {
          return false;
        }
      }
      ranking.stats.indexedFiles.incrementAndGet();
      ranking.stats.rowsScored.addAndGet(scored);
      ranking.merge(top, nulls);
      return true;
    }
  }

  /**
   * Searches one file through its IVF index with a WHERE clause and the cache off, where the file
   * has offset indexes on the filter columns: probes lists as {@link #rankByLists} does, one at a
   * time by the same rule, but reads the filter columns for the rows of several lists at once
   * (as many as probing will read at least), from the pages that hold them, and then scores the
   * rows that passed. That pays where each list's rows lie together ({@link #compact}); where
   * they are spread over the file it evaluates the filter on the whole file in one pass. When
   * the lists read suggest the filter is selective enough for scoring the passing rows to pay,
   * it evaluates the filter on the whole file after all and searches with that bitmap ({@link
   * #rankWithIndex}). Returns false when the file must be searched exactly.
   */
  private static boolean rankByProbedRows(SearchSpec spec, int fileIndex, Path file,
      VectorColumn vectors, FileIndex index, float[] query, Predicate1<Object[]> predicate,
      QueryCancellation cancel, Ranking ranking) throws IOException {
    String column = vectors.column();
    long fileRows = vectors.rowCount();
    ProbedRowFilter filter = new ProbedRowFilter(file, filterColumnNames(spec), predicate);
    int[] order = IvfProbe.order(index, query);
    IvfProbe.Probe probe = new IvfProbe.Probe(order.length, depth(spec, index), ranking.limit,
        true);
    int[] candidates = new int[256];
    int count = 0;
    int evaluatedTo = 0; // lists order[0..evaluatedTo) have had the filter evaluated
    int at;
    while ((at = probe.next()) >= 0) {
      cancel.check();
      if (at >= evaluatedTo) {
        int ahead = probe.atLeastMore();
        if (at > 0 && probe.passed() < ranking.limit) {
          // Short of k passing rows: as many lists as the pass rate so far says k needs.
          double rowsNeeded = (double) (ranking.limit - probe.passed()) * probe.listed()
              / Math.max(1, probe.passed());
          double rowsPerList = (double) probe.listed() / at;
          ahead = (int) Math.min(order.length - at,
              Math.max(ahead, Math.ceil(rowsNeeded / Math.max(1, rowsPerList))));
        }
        int[][] lists = new int[ahead][];
        for (int i = 0; i < lists.length; i++) {
          lists[i] = index.listRows(order[at + i]);
        }
        if (at == 0 && !compact(lists)) {
          // Each list's rows are spread over the file (indexed in place): reading them by row
          // reads about every page of the filter columns, once per batch of lists, so one pass
          // over the file is cheaper.
          BitSet passing = passingRows(spec, file, predicate, cancel, ranking.stats);
          return rankWithIndex(spec, fileIndex, file, vectors, index, column, query, passing,
              cancel, ranking);
        }
        for (int[] rows : lists) {
          ranking.stats.rowsFiltered.addAndGet(rows.length);
        }
        filter.evaluate(lists);
        evaluatedTo = at + lists.length;
      }
      int[] rows = index.listRows(order[at]);
      if (count + rows.length > candidates.length) {
        candidates = Arrays.copyOf(candidates, Math.max(2 * candidates.length,
            count + rows.length));
      }
      int before = count;
      for (int row : rows) {
        if (filter.passes(row)) {
          candidates[count++] = row;
        }
      }
      if (selective(fileRows, probe.listed() + rows.length, probe.passed() + count - before)) {
        BitSet passing = passingRows(spec, file, predicate, cancel, ranking.stats);
        return rankWithIndex(spec, fileIndex, file, vectors, index, column, query, passing,
            cancel, ranking);
      }
      probe.done(rows.length, count - before);
    }
    ranking.stats.listsProbed.addAndGet(probe.probed());
    int[] scored = IvfProbe.sortedDistinct(candidates, count);
    count = scored.length;
    TopK top = ranking.newTopK();
    List<Long> nulls = new ArrayList<>();
    scoreRows(spec, scored, vectors, index,
        new PageSource(file, vectors, false, spec.table.version(file)),
        (long) fileIndex << ROW_BITS, query, file, column, top, nulls, cancel);
    if (probe.exhausted() && top.size() < ranking.limit
        && count < passingRows(spec, file, predicate, cancel, ranking.stats).cardinality()) {
      return false; // passing rows outside every list (NULL vectors): only an exact pass has them
    }
    ranking.stats.indexedFiles.incrementAndGet();
    ranking.stats.rowsScored.addAndGet(count);
    ranking.merge(top, nulls);
    return true;
  }

  /**
   * Whether the lists' rows lie together in the file, each list's within a range at most four
   * times its size (as {@code rewrite} lays them out, or data written in cluster order), so
   * that reading them by row reads few pages.
   */
  private static boolean compact(int[][] lists) {
    long rows = 0;
    long span = 0;
    for (int[] list : lists) {
      if (list.length == 0) {
        continue;
      }
      int min = Integer.MAX_VALUE;
      int max = Integer.MIN_VALUE;
      for (int row : list) {
        min = Math.min(min, row);
        max = Math.max(max, row);
      }
      rows += list.length;
      span += (long) max - min + 1;
    }
    return span <= 4 * rows;
  }

  /**
   * Whether, judging by the rows listed so far and how many passed, fewer rows of the file pass
   * than twice what the lists read so far hold: then a bitmap of the file pays, as scoring the
   * passing rows may soon be cheaper than reading further lists.
   */
  private static boolean selective(long fileRows, long listed, long passed) {
    double expected = (double) fileRows * (passed + 1) / (listed + 1);
    return expected <= 2.0 * listed;
  }

  private static String[] filterColumnNames(SearchSpec spec) {
    String[] names = new String[spec.filterColumns.length];
    for (int i = 0; i < names.length; i++) {
      names[i] = spec.table.columnNames().get(spec.filterColumns[i]);
    }
    return names;
  }

  /** Scores the given rows (ascending) from their pages. */
  private static void scoreRows(SearchSpec spec, int[] sortedRows, VectorColumn vectors,
      FileIndex index, PageSource source, long fileBase, float[] query, Path file, String column,
      TopK top, List<Long> nulls, QueryCancellation cancel) throws IOException {
    for (PageRows run : PageRows.group(sortedRows, vectors, index)) {
      cancel.check();
      scoreRun(spec, run, source.read(run.rowGroup, run.table, run.firstPage, run.lastPage),
          fileBase, query, file, column, top, nulls);
    }
  }

  /**
   * The filter of one query on one file, with what the search cache keeps for it: the filter
   * columns' values and, for a selective filter, the bitmap of the rows that pass.
   */
  private static final class FilterCache {
    private final SearchSpec spec;
    private final Path file;
    private final FileVersion version;
    /** The version the index was read from: list codes are kept under it. */
    private final FileVersion indexVersion;
    private final Predicate1<Object[]> predicate;
    private final long fileRows;
    private final SearchCache.Key bitmapKey;
    private final boolean repeatable;

    FilterCache(SearchSpec spec, Path file, FileVersion version, FileVersion indexVersion,
        Predicate1<Object[]> predicate, String filterKey, long fileRows) {
      this.spec = spec;
      this.file = file;
      this.version = version;
      this.indexVersion = indexVersion;
      this.predicate = predicate;
      this.fileRows = fileRows;
      this.repeatable = filterKey != null;
      this.bitmapKey = new SearchCache.Key(version, "passing " + filterKey);
      SearchCache.shared().ensureCapacity(spec.table.settings().cacheBytes() / 8);
    }

    BitSet cachedBitmap() {
      return repeatable ? (BitSet) SearchCache.shared().peek(bitmapKey) : null;
    }

    CandidateFilter candidateFilter(Ranking ranking) throws IOException {
      FilterColumn[] columns = new FilterColumn[spec.filterColumns.length];
      String[] names = filterColumnNames(spec);
      for (int c = 0; c < columns.length; c++) {
        String name = names[c];
        columns[c] = SearchCache.shared().get(new SearchCache.Key(version, "column " + name),
            () -> FilterColumn.read(file, name, fileRows), FilterColumn::memoryBytes);
      }
      // The codes of a list depend on the columns (and their order), not on the predicate, and
      // on the index: its list numbers name other rows once the file is indexed again.
      String listCodes = "list codes " + String.join(",", names) + " of list ";
      return CandidateFilter.of(predicate, columns, repeatable, (list, compute) -> {
        try {
          return SearchCache.shared().get(new SearchCache.Key(indexVersion, listCodes + list),
              compute::get, codes -> 16 + 4L * codes.length);
        } catch (IOException e) {
          throw new UncheckedIOException(e); // computing codes reads nothing
        }
      }, ranking.numeric, ranking.numericDecides);
    }

    /** {@link VectorSearch#selective} for this file. */
    boolean selective(long listed, long passed) {
      return VectorSearch.selective(fileRows, listed, passed);
    }

    /** The rows of the file that pass, evaluated with {@code filter}, and kept. */
    BitSet bitmap(CandidateFilter filter, SearchStats stats) throws IOException {
      SearchCache.Loader<BitSet> evaluate = () -> {
        stats.rowsFiltered.addAndGet(fileRows);
        BitSet out = new BitSet((int) fileRows);
        for (int r = 0; r < fileRows; r++) {
          if (filter.passes(r)) {
            out.set(r);
          }
        }
        return out;
      };
      return repeatable ? SearchCache.shared().get(bitmapKey, evaluate, b -> 64 + fileRows / 8)
          : evaluate.load();
    }
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

  /**
   * Opens the vector column of {@code file} with the footer of the version the query reads. A
   * file that changes after that is caught by the query's check at the end ({@link
   * QueryFiles#requireUnchanged}): what was read from it is kept only under a version that no
   * later query reads.
   */
  private static VectorColumn openColumn(SearchSpec spec, Path file, String column)
      throws IOException {
    return VectorColumn.open(file, spec.table.footer(file), column);
  }

  private static boolean hasColumn(SearchSpec spec, Path file, String column) {
    return spec.table.footer(file).getFileMetaData().getSchema().containsField(column);
  }

  /** Rows of {@code file} for which the WHERE clause is true, read from its columns only. */
  private static BitSet passingRows(SearchSpec spec, Path file, Predicate1<Object[]> filter,
      QueryCancellation cancel, SearchStats stats) {
    String[] names = filterColumnNames(spec);
    stats.rowsFiltered.addAndGet(spec.table.footer(file).getBlocks().stream()
        .mapToLong(BlockMetaData::getRowCount).sum());
    BitSet passing = new BitSet();
    try {
      if (spec.table.settings().cacheBytes() > 0) {
        // The filter's columns come from the column value cache: decoded once per file version,
        // not on every query.
        FileVersion version = spec.table.version(file);
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
