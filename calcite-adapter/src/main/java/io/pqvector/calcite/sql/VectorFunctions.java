package io.pqvector.calcite.sql;

import io.pqvector.calcite.FloatVector;
import io.pqvector.vector.VectorKernels;


/**
 * Java bodies of the vector SQL functions, with DuckDB's names and semantics. NULL in gives NULL
 * out (a NULL vector, or one holding a NULL element); vectors of different lengths are an error.
 */
public final class VectorFunctions {
  private VectorFunctions() {}

  public static Float arrayDistance(Object a, Object b) {
    return compute("array_distance", a, b, Op.L2);
  }

  public static Float arrayCosineDistance(Object a, Object b) {
    return compute("array_cosine_distance", a, b, Op.COSINE_DISTANCE);
  }

  public static Float arrayCosineSimilarity(Object a, Object b) {
    return compute("array_cosine_similarity", a, b, Op.COSINE_SIMILARITY);
  }

  public static Float arrayInnerProduct(Object a, Object b) {
    return compute("array_inner_product", a, b, Op.INNER_PRODUCT);
  }

  public static Float arrayNegativeInnerProduct(Object a, Object b) {
    return compute("array_negative_inner_product", a, b, Op.NEGATIVE_INNER_PRODUCT);
  }

  /** The five functions' arithmetic, each over two equally long float arrays. */
  enum Op {
    L2 {
      @Override float apply(float[] a, float[] b) {
        return (float) Math.sqrt(VectorKernels.squaredL2(a, 0, b, 0, a.length));
      }
    },
    COSINE_DISTANCE {
      @Override float apply(float[] a, float[] b) {
        return VectorKernels.cosineDistance(a, 0, b, 0, a.length);
      }
    },
    COSINE_SIMILARITY {
      @Override float apply(float[] a, float[] b) {
        return 1f - VectorKernels.cosineDistance(a, 0, b, 0, a.length);
      }
    },
    INNER_PRODUCT {
      @Override float apply(float[] a, float[] b) {
        return VectorKernels.dot(a, 0, b, 0, a.length);
      }
    },
    NEGATIVE_INNER_PRODUCT {
      @Override float apply(float[] a, float[] b) {
        return -VectorKernels.dot(a, 0, b, 0, a.length);
      }
    };

    abstract float apply(float[] a, float[] b);
  }

  private static Float compute(String function, Object a, Object b, Op op) {
    float[] x = QueryVectors.toFloats(a);
    float[] y = QueryVectors.toFloats(b);
    if (x == null || y == null) {
      return null;
    }
    if (x.length != y.length) {
      throw new IllegalArgumentException(function + ": vectors have different lengths: "
          + x.length + " and " + y.length);
    }
    return op.apply(x, y);
  }

}
