package io.pqvector.calcite.search;

import java.util.BitSet;
import org.apache.calcite.linq4j.function.Predicate1;

/**
 * A WHERE clause evaluated on the rows an index search is about to score, one file at a time,
 * so a filtered query costs what it scores rather than what the file holds. Either a bitmap of
 * the rows that pass (kept for selective filters), or the filter's own predicate over the
 * filter columns' kept values ({@link FilterColumn}). When every column the filter reads has few
 * distinct values, the predicate is decided once per combination of codes met, and a row costs
 * an array lookup; otherwise it is applied to the row's values, read from the columns.
 *
 * <p>Not thread-safe: one per file and query.
 */
abstract class CandidateFilter {
  /**
   * Writes the positions {@code i} (ascending) of the rows {@code rows[i]} that pass into
   * {@code positions}, and returns how many there are.
   */
  abstract int select(int[] rows, int count, int[] positions);

  /** Whether row {@code row} of the file passes. */
  abstract boolean passes(int row);

  /**
   * {@link #select} for the rows of IVF list {@code list} (its row ids, in list order), which a
   * filter may keep derived values for.
   */
  int selectList(int list, int[] rows, int[] positions) {
    return select(rows, rows.length, positions);
  }

  /**
   * Where a coded filter keeps, per list, its rows' combined codes in list order: in a file
   * indexed in place a list's rows are spread over the file, so looking their codes up row by
   * row misses the CPU caches once per row and column (measured: a third of a filtered query's
   * time at 1,000,000 rows); read from one array per list, they stream.
   */
  interface ListCodes {
    /** The kept codes of {@code list}, computing and keeping them if they are not. */
    int[] get(int list, java.util.function.Supplier<int[]> compute);
  }

  /** A filter over a bitmap of the passing rows. */
  static CandidateFilter of(BitSet passing) {
    return new CandidateFilter() {
      @Override int select(int[] rows, int count, int[] positions) {
        int n = 0;
        for (int i = 0; i < count; i++) {
          if (passing.get(rows[i])) {
            positions[n++] = i;
          }
        }
        return n;
      }

      @Override boolean passes(int row) {
        return passing.get(row);
      }
    };
  }

  /**
   * A filter applying {@code predicate} to the values of {@code columns}, in its row layout;
   * {@code repeatable} when the predicate gives the same answer for the same values every time
   * (it may then decide each combination of values once).
   */
  static CandidateFilter of(Predicate1<Object[]> predicate, FilterColumn[] columns,
      boolean repeatable) {
    return of(predicate, columns, repeatable, null, new NumericComparison.Bound[0], false);
  }

  /**
   * As {@link #of(Predicate1, FilterColumn[], boolean)}, keeping lists' codes in {@code lists};
   * {@code numeric} are comparisons among the filter's conjuncts that a row must pass, decided on
   * the columns' primitive values before the predicate is asked, and {@code decided} says that
   * a row passing them passes the filter.
   */
  static CandidateFilter of(Predicate1<Object[]> predicate, FilterColumn[] columns,
      boolean repeatable, ListCodes lists, NumericComparison.Bound[] numeric, boolean decided) {
    long combinations = 1;
    for (FilterColumn c : columns) {
      if (!repeatable || c.codes == null) {
        return new ByValue(predicate, columns, numeric, decided);
      }
      combinations *= c.distinct.length; // at most 4096 per column: checked before it overflows
      if (combinations > MAX_DECISIONS) {
        return new ByValue(predicate, columns, numeric, decided);
      }
    }
    return new Coded(predicate, columns, (int) combinations, lists);
  }

  /** Combinations of codes a coded filter remembers its decision for (one byte each). */
  private static final int MAX_DECISIONS = 1 << 20;

  /** Every column coded: decides each combination of codes once. */
  private static final class Coded extends CandidateFilter {
    private static final byte UNKNOWN = 0;
    private static final byte PASS = 1;
    private static final byte FAIL = 2;
    private final Predicate1<Object[]> predicate;
    private final int[][] codes;
    private final Object[][] distinct;
    private final int[] strides;
    private final byte[] decisions;
    private final Object[] row;
    private final ListCodes lists;

    Coded(Predicate1<Object[]> predicate, FilterColumn[] columns, int combinations,
        ListCodes lists) {
      this.predicate = predicate;
      this.lists = lists;
      this.codes = new int[columns.length][];
      this.distinct = new Object[columns.length][];
      this.strides = new int[columns.length];
      int stride = 1;
      for (int c = 0; c < columns.length; c++) {
        codes[c] = columns[c].codes;
        distinct[c] = columns[c].distinct;
        strides[c] = stride;
        stride *= columns[c].distinct.length;
      }
      this.decisions = new byte[combinations];
      this.row = new Object[columns.length];
    }

    @Override int select(int[] rows, int count, int[] positions) {
      int n = 0;
      if (codes.length == 1) {
        int[] only = codes[0];
        for (int i = 0; i < count; i++) {
          if (passesCode(only[rows[i]])) {
            positions[n++] = i;
          }
        }
        return n;
      }
      for (int i = 0; i < count; i++) {
        if (passes(rows[i])) {
          positions[n++] = i;
        }
      }
      return n;
    }

    @Override int selectList(int list, int[] rows, int[] positions) {
      if (lists == null) {
        return select(rows, rows.length, positions);
      }
      int[] combined = lists.get(list, () -> {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
          out[i] = code(rows[i]);
        }
        return out;
      });
      int n = 0;
      for (int i = 0; i < combined.length; i++) {
        if (passesCode(combined[i])) {
          positions[n++] = i;
        }
      }
      return n;
    }

    /** The combination of codes of row {@code r}: an index into {@link #decisions}. */
    private int code(int r) {
      int code = 0;
      for (int c = 0; c < codes.length; c++) {
        code += codes[c][r] * strides[c];
      }
      return code;
    }

    @Override boolean passes(int r) {
      return passesCode(code(r));
    }

    /** Whether the rows of a combination of codes pass, deciding it the first time. */
    private boolean passesCode(int code) {
      byte d = decisions[code];
      if (d == UNKNOWN) {
        d = decide(code);
      }
      return d == PASS;
    }

    private byte decide(int code) {
      int rest = code;
      for (int c = codes.length - 1; c >= 0; c--) {
        row[c] = distinct[c][rest / strides[c]];
        rest %= strides[c];
      }
      byte d = predicate.apply(row) ? PASS : FAIL;
      decisions[code] = d;
      return d;
    }
  }

  /**
   * Some column keeps values: decides the numeric comparisons on primitive values first, then
   * (unless they decide the whole filter) applies the predicate to the row's values.
   */
  private static final class ByValue extends CandidateFilter {
    private final Predicate1<Object[]> predicate;
    private final FilterColumn[] columns;
    private final Object[] row;
    private final NumericComparison.Bound[] numeric;
    private final boolean decided;

    ByValue(Predicate1<Object[]> predicate, FilterColumn[] columns,
        NumericComparison.Bound[] numeric, boolean decided) {
      this.predicate = predicate;
      this.columns = columns;
      this.row = new Object[columns.length];
      this.numeric = numeric;
      this.decided = decided;
    }

    @Override int select(int[] rows, int count, int[] positions) {
      int n = 0;
      for (int i = 0; i < count; i++) {
        if (passes(rows[i])) {
          positions[n++] = i;
        }
      }
      return n;
    }

    @Override boolean passes(int r) {
      boolean known = decided;
      for (NumericComparison.Bound b : numeric) {
        int says = columns[b.column()].compare(r, b);
        if (says == NumericComparison.FAIL) {
          return false; // a conjunct that is not true: the filter is not
        }
        known &= says == NumericComparison.PASS;
      }
      if (known) {
        return true;
      }
      for (int c = 0; c < columns.length; c++) {
        row[c] = columns[c].value(r);
      }
      return predicate.apply(row);
    }
  }
}
