package io.pqvector.calcite.prepare;

import io.pqvector.calcite.function.FloatVector;
import io.pqvector.calcite.function.PartlyNullVector;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.calcite.linq4j.Linq4j;
import org.junit.jupiter.api.Test;

/** DuckDB's order of values, which TotalOrderSort applies (checked against DuckDB in sql-tests). */
class SqlValueOrderTest {
  @Test void nanIsAboveEveryNumberAndZeroesAreEqual() {
    assertTrue(SqlValueOrder.compare(Float.NaN, Float.POSITIVE_INFINITY) > 0);
    assertTrue(SqlValueOrder.compare(1.0, Double.NaN) < 0);
    assertEquals(0, SqlValueOrder.compare(Float.NaN, Float.NaN));
    assertEquals(0, SqlValueOrder.compare(-0.0f, 0.0f));
    assertTrue(SqlValueOrder.compare(-1f, 2f) < 0);
  }

  @Test void arraysCompareElementByElement() {
    List<Float> withNull = Arrays.asList(1f, null);
    assertTrue(SqlValueOrder.compare(new FloatVector(new float[] {1, 2}), withNull) < 0);
    assertTrue(SqlValueOrder.compare(new FloatVector(new float[] {1}),
        new FloatVector(new float[] {1, 0})) < 0);
    assertTrue(SqlValueOrder.compare(new FloatVector(new float[] {Float.NaN}),
        new FloatVector(new float[] {1, 2})) > 0);
    assertEquals(0, SqlValueOrder.compare(new FloatVector(new float[] {1, 2}),
        new PartlyNullVector(Arrays.asList(1f, 2f))));
  }

  /** The bounded selection (small LIMIT) and the full sort (large LIMIT) agree with a plain sort. */
  @Test void offsetAndFetchOnBothPaths() {
    Random r = new Random(3);
    List<Object> rows = new ArrayList<>();
    for (int i = 0; i < 200_000; i++) {
      Float d = i % 1000 == 0 ? null : i % 777 == 0 ? Float.NaN : r.nextFloat();
      rows.add(new Object[] {i, d});
    }
    List<Object> expected = new ArrayList<>(rows);
    expected.sort((a, b) -> {
      Float x = (Float) ((Object[]) a)[1];
      Float y = (Float) ((Object[]) b)[1];
      if (x == null || y == null) {
        return x == y ? 0 : x == null ? 1 : -1; // NULLS LAST
      }
      return -SqlValueOrder.compare(x, y); // DESC
    });
    for (int fetch : new int[] {10, 150_000}) {
      List<Object> actual = SqlValueOrder.sort(Linq4j.asEnumerable(rows), new int[] {1},
          new boolean[] {true}, new boolean[] {false}, false, 5, fetch).toList();
      assertEquals(fetch, actual.size());
      for (int i = 0; i < fetch; i++) {
        Object want = ((Object[]) expected.get(i + 5))[1];
        Object got = ((Object[]) actual.get(i))[1];
        assertEquals(want == null ? null : ((Float) want).floatValue(),
            got == null ? null : ((Float) got).floatValue(), "row " + i + " of LIMIT " + fetch);
      }
    }
    assertTrue(Float.isNaN((Float) ((Object[]) expected.get(0))[1]));
  }
}
