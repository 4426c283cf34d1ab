package io.pqvector.calcite.sql;

import io.pqvector.vector.Metric;
import io.pqvector.vector.VectorKernels;

/**
 * The arithmetic of the five vector SQL functions over float arrays at offsets. The SQL functions
 * and the top-k operator both call this, so ranking rows in the operator gives exactly the order
 * a Sort on the SQL expression would.
 */
public enum VectorFunction {
  ARRAY_DISTANCE("array_distance", "list_distance", Metric.L2, false) {
    @Override public float apply(float[] a, int aOff, float[] b, int bOff, int dim) {
      return (float) Math.sqrt(VectorKernels.squaredL2(a, aOff, b, bOff, dim));
    }
  },
  ARRAY_COSINE_DISTANCE("array_cosine_distance", "list_cosine_distance", Metric.COSINE, false) {
    @Override public float apply(float[] a, int aOff, float[] b, int bOff, int dim) {
      return VectorKernels.cosineDistance(a, aOff, b, bOff, dim);
    }
  },
  ARRAY_COSINE_SIMILARITY("array_cosine_similarity", "list_cosine_similarity", Metric.COSINE, true) {
    @Override public float apply(float[] a, int aOff, float[] b, int bOff, int dim) {
      return 1f - VectorKernels.cosineDistance(a, aOff, b, bOff, dim);
    }
  },
  ARRAY_INNER_PRODUCT("array_inner_product", "list_inner_product", Metric.DOT, true) {
    @Override public float apply(float[] a, int aOff, float[] b, int bOff, int dim) {
      return VectorKernels.dot(a, aOff, b, bOff, dim);
    }
  },
  ARRAY_NEGATIVE_INNER_PRODUCT("array_negative_inner_product", "list_negative_inner_product", Metric.DOT, false) {
    @Override public float apply(float[] a, int aOff, float[] b, int bOff, int dim) {
      return -VectorKernels.dot(a, aOff, b, bOff, dim);
    }
  };

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

  public abstract float apply(float[] a, int aOff, float[] b, int bOff, int dim);

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
}
