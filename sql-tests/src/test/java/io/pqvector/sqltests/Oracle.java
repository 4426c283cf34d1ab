package io.pqvector.sqltests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares pqvector's ordered (id, distance) rows with DuckDB's. Distances must agree within a
 * relative tolerance; ids must agree position by position, except inside a group of (near-)tied
 * distances, where only the set of ids must agree (two engines may order ties differently; NULL
 * distances form one such group). DuckDB's answer carries one row more than the limit so a tie
 * group cut by the limit is recognised.
 */
final class Oracle {
  static final double RELATIVE_TOLERANCE = 1e-5;

  private Oracle() {}

  static boolean close(Double a, Double b) {
    if (a == null || b == null) {
      return a == null && b == null;
    }
    if (a.isNaN() || b.isNaN()) {
      return a.isNaN() && b.isNaN();
    }
    return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(1.0, Math.max(Math.abs(a), Math.abs(b)));
  }

  static Double number(Object o) {
    return o == null ? null : ((Number) o).doubleValue();
  }

  static void assertSameRanking(String sql, List<List<Object>> actual,
      List<List<Object>> expected, int limit) {
    assertSameRanking(sql, actual, expected, 0, limit);
  }

  /**
   * @param actual pqvector rows: column 0 id, optional column 1 distance
   * @param expected DuckDB rows (id, distance) from the first row on, to at least one more than
   *     {@code offset + limit} when there are that many
   * @param offset the OFFSET of pqvector's query
   * @param limit its LIMIT
   */
  static void assertSameRanking(String sql, List<List<Object>> actual,
      List<List<Object>> expected, int offset, int limit) {
    int n = Math.max(0, Math.min(limit, expected.size() - offset));
    assertEquals(n, actual.size(), () -> "row count of " + sql);
    // Tie groups over the expected rows (including the extra one).
    int[] group = new int[expected.size()];
    for (int i = 1; i < expected.size(); i++) {
      Double prev = number(expected.get(i - 1).get(1));
      Double cur = number(expected.get(i).get(1));
      boolean tied = prev == null ? cur == null
          : cur != null && Math.abs(prev - cur)
              <= 4 * RELATIVE_TOLERANCE * Math.max(1.0, Math.abs(prev));
      group[i] = tied ? group[i - 1] : group[i - 1] + 1;
    }
    Map<Integer, List<Object>> expectedIds = new HashMap<>();
    for (int i = 0; i < expected.size(); i++) {
      expectedIds.computeIfAbsent(group[i], g -> new ArrayList<>())
          .add(number(expected.get(i).get(0)).longValue());
    }
    for (int i = 0; i < n; i++) {
      List<Object> a = actual.get(i);
      List<Object> e = expected.get(offset + i);
      long actualId = number(a.get(0)).longValue();
      long expectedId = number(e.get(0)).longValue();
      if (a.size() > 1) {
        Double ad = number(a.get(1));
        Double ed = number(e.get(1));
        if (!close(ad, ed)) {
          fail("row " + i + " of " + abbreviate(sql) + ": distance " + ad + " (id " + actualId
              + ") but DuckDB has " + ed + " (id " + expectedId + ")\n pqvector: "
              + abbreviate(actual.toString()) + "\n DuckDB:   " + abbreviate(expected.toString()));
        }
      }
      if (actualId != expectedId && !expectedIds.get(group[offset + i]).contains(actualId)) {
        fail("row " + i + " of " + abbreviate(sql) + ": id " + actualId + " but DuckDB has "
            + expectedId + "\n pqvector: " + abbreviate(actual.toString())
            + "\n DuckDB:   " + abbreviate(expected.toString()));
      }
    }
    // Within tie groups wholly inside the window the ids must be the same set (no duplicates,
    // none missing).
    Map<Integer, List<Object>> actualIds = new HashMap<>();
    for (int i = 0; i < n; i++) {
      actualIds.computeIfAbsent(group[offset + i], g -> new ArrayList<>())
          .add(number(actual.get(i).get(0)).longValue());
    }
    for (Map.Entry<Integer, List<Object>> g : actualIds.entrySet()) {
      List<Object> exp = expectedIds.get(g.getKey());
      boolean complete = exp.size() == g.getValue().size();
      if (complete && !new java.util.HashSet<>(exp).equals(new java.util.HashSet<>(g.getValue()))) {
        fail("tied rows of " + abbreviate(sql) + ": ids " + g.getValue() + " but DuckDB has "
            + exp);
      }
      assertEquals(g.getValue().size(), new java.util.HashSet<>(g.getValue()).size(),
          () -> "duplicate ids in " + sql);
    }
  }

  static String abbreviate(String s) {
    String t = s.replaceAll("\\[(-?[0-9.]+, ){3}[^\\]]*\\]", "[...]");
    return t.length() > 2000 ? t.substring(0, 2000) + "..." : t;
  }
}
