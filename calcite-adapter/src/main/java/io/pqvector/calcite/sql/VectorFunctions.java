package io.pqvector.calcite.sql;



/**
 * Java bodies of the vector SQL functions, with DuckDB's names and semantics. NULL in gives NULL
 * out (a NULL vector, or one holding a NULL element); vectors of different lengths are an error.
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

  private static Float compute(String function, Object a, Object b, VectorFunction op) {
    float[] x = QueryVectors.toFloats(a);
    float[] y = QueryVectors.toFloats(b);
    if (x == null || y == null) {
      return null;
    }
    if (x.length != y.length) {
      throw new IllegalArgumentException(function + ": vectors have different lengths: "
          + x.length + " and " + y.length);
    }
    return op.apply(x, 0, y, 0, x.length);
  }

}
