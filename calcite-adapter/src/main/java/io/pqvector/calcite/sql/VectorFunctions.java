package io.pqvector.calcite.sql;



/**
 * Java bodies of the vector SQL functions, with DuckDB's names and semantics. NULL in gives NULL
 * out (a NULL vector, or a stored one holding a NULL element); a query vector holding a NULL and
 * vectors of different lengths are errors. Cosine of two empty vectors is NULL, as in DuckDB.
 */
public final class VectorFunctions {
  private VectorFunctions() {}

  public static Float arrayDistance(Object a, Object b) {
    return compute("array_distance", a, b, VectorFunction.ARRAY_DISTANCE);
  }

  public static Float arrayCosineDistance(Object a, Object b) {
    return compute("array_cosine_distance", a, b, VectorFunction.ARRAY_COSINE_DISTANCE);
  }

  public static Float arrayCosineSimilarity(Object a, Object b) {
    return compute("array_cosine_similarity", a, b, VectorFunction.ARRAY_COSINE_SIMILARITY);
  }

  public static Float arrayInnerProduct(Object a, Object b) {
    return compute("array_inner_product", a, b, VectorFunction.ARRAY_INNER_PRODUCT);
  }

  public static Float arrayNegativeInnerProduct(Object a, Object b) {
    return compute("array_negative_inner_product", a, b, VectorFunction.ARRAY_NEGATIVE_INNER_PRODUCT);
  }

  // DuckDB's list_* names for the same functions.

  public static Float listDistance(Object a, Object b) {
    return compute("list_distance", a, b, VectorFunction.ARRAY_DISTANCE);
  }

  public static Float listCosineDistance(Object a, Object b) {
    return compute("list_cosine_distance", a, b, VectorFunction.ARRAY_COSINE_DISTANCE);
  }

  public static Float listCosineSimilarity(Object a, Object b) {
    return compute("list_cosine_similarity", a, b, VectorFunction.ARRAY_COSINE_SIMILARITY);
  }

  public static Float listInnerProduct(Object a, Object b) {
    return compute("list_inner_product", a, b, VectorFunction.ARRAY_INNER_PRODUCT);
  }

  public static Float listNegativeInnerProduct(Object a, Object b) {
    return compute("list_negative_inner_product", a, b, VectorFunction.ARRAY_NEGATIVE_INNER_PRODUCT);
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
