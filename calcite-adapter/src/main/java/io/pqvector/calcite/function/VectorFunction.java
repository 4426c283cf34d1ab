package io.pqvector.calcite.function;

import io.pqvector.vector.Metric;

/**
 * The five vector SQL functions (and DuckDB's list_* aliases): what each computes, through the
 * index's {@link Metric}, over float arrays at offsets, and their Java bodies. The SQL functions
 * and the top-k operator both call this, so ranking rows in the operator gives exactly the order
 * a Sort on the SQL expression would.
 */
public enum VectorFunction {
  ARRAY_DISTANCE("array_distance", "list_distance", Metric.L2, false),
  ARRAY_COSINE_DISTANCE("array_cosine_distance", "list_cosine_distance", Metric.COSINE, false),
  ARRAY_COSINE_SIMILARITY("array_cosine_similarity", "list_cosine_similarity", Metric.COSINE, true),
  ARRAY_INNER_PRODUCT("array_inner_product", "list_inner_product", Metric.DOT, true),
  ARRAY_NEGATIVE_INNER_PRODUCT("array_negative_inner_product", "list_negative_inner_product",
      Metric.DOT, false);

  private final String sqlName;
  private final String listName;
  private final Metric metric;
  private final boolean largerIsNearer;

  VectorFunction(String sqlName, String listName, Metric metric, boolean largerIsNearer) {
    this.sqlName = sqlName;
    this.listName = listName;
    this.metric = metric;
    this.largerIsNearer = largerIsNearer;
  }

  public String sqlName() {
    return sqlName;
  }

  /** DuckDB's name for the same function on lists, accepted as an alias. */
  public String listName() {
    return listName;
  }

  /** Cosine of two empty vectors is NULL in DuckDB (other functions give 0). */
  public boolean nullWhenEmpty() {
    return metric == Metric.COSINE;
  }

  /** The index metric whose order this function's nearest-first order follows. */
  public Metric metric() {
    return metric;
  }

  /** Similarities rank nearest-first in DESC order, distances in ASC order. */
  public boolean largerIsNearer() {
    return largerIsNearer;
  }

  /**
   * The function's value on {@code a[aOff..aOff+dim)} and {@code b[bOff..bOff+dim)}: the metric's
   * distance, or for a similarity the value that distance was derived from (cosine similarity is
   * 1 - cosine distance, the inner product is minus the dot distance).
   */
  public float apply(float[] a, int aOff, float[] b, int bOff, int dim) {
    float distance = metric.distance(a, aOff, b, bOff, dim);
    if (!largerIsNearer) {
      return distance;
    }
    return metric == Metric.COSINE ? 1f - distance : -distance;
  }

  /**
   * A key that sorts ascending in the same order as the SQL value sorts in the nearest-first
   * direction, NaN included: Calcite and DuckDB rank NaN above every number, so NaN comes last in
   * ASC and first in DESC.
   */
  public float rankKey(float value) {
    if (!largerIsNearer) {
      return value;
    }
    return Float.isNaN(value) ? Float.NEGATIVE_INFINITY : -value;
  }

  public static VectorFunction ofSqlName(String name) {
    for (VectorFunction f : values()) {
      if (f.sqlName.equalsIgnoreCase(name) || f.listName.equalsIgnoreCase(name)) {
        return f;
      }
    }
    return null;
  }

  // The Java bodies of the SQL functions (see VectorOperators), with DuckDB's semantics: NULL in
  // gives NULL out (a NULL vector, or a stored one holding a NULL element); a query vector holding
  // a NULL and vectors of different lengths are errors; cosine of two empty vectors is NULL.

  public static Float arrayDistance(Object a, Object b) {
    return compute("array_distance", a, b, ARRAY_DISTANCE);
  }

  public static Float arrayCosineDistance(Object a, Object b) {
    return compute("array_cosine_distance", a, b, ARRAY_COSINE_DISTANCE);
  }

  public static Float arrayCosineSimilarity(Object a, Object b) {
    return compute("array_cosine_similarity", a, b, ARRAY_COSINE_SIMILARITY);
  }

  public static Float arrayInnerProduct(Object a, Object b) {
    return compute("array_inner_product", a, b, ARRAY_INNER_PRODUCT);
  }

  public static Float arrayNegativeInnerProduct(Object a, Object b) {
    return compute("array_negative_inner_product", a, b, ARRAY_NEGATIVE_INNER_PRODUCT);
  }

  // DuckDB's list_* names for the same functions.

  public static Float listDistance(Object a, Object b) {
    return compute("list_distance", a, b, ARRAY_DISTANCE);
  }

  public static Float listCosineDistance(Object a, Object b) {
    return compute("list_cosine_distance", a, b, ARRAY_COSINE_DISTANCE);
  }

  public static Float listCosineSimilarity(Object a, Object b) {
    return compute("list_cosine_similarity", a, b, ARRAY_COSINE_SIMILARITY);
  }

  public static Float listInnerProduct(Object a, Object b) {
    return compute("list_inner_product", a, b, ARRAY_INNER_PRODUCT);
  }

  public static Float listNegativeInnerProduct(Object a, Object b) {
    return compute("list_negative_inner_product", a, b, ARRAY_NEGATIVE_INNER_PRODUCT);
  }

  private static Float compute(String function, Object a, Object b, VectorFunction op) {
    float[] x = floats(function, a, "left");
    float[] y = floats(function, b, "right");
    if (x == null || y == null) {
      return null;
    }
    if (x.length != y.length) {
      throw new IllegalArgumentException(function + ": vectors have different lengths: "
          + x.length + " and " + y.length);
    }
    if (x.length == 0 && op.nullWhenEmpty()) {
      return null;
    }
    return op.apply(x, 0, y, 0, x.length);
  }

  private static float[] floats(String function, Object value, String side) {
    try {
      return QueryVectors.toFloats(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(function + ": " + e.getMessage() + " (" + side
          + " argument)", e);
    }
  }
}
