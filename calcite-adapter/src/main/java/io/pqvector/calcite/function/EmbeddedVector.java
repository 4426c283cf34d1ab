package io.pqvector.calcite.function;

/**
 * The value of {@code embed(text)}: a vector that remembers which model made it, so a search can
 * refuse to compare it with a column embedded by another model of the same dimension.
 */
public final class EmbeddedVector extends FloatVector {
  private final String model;

  public EmbeddedVector(float[] values, String model) {
    super(values);
    this.model = model;
  }

  public String model() {
    return model;
  }
}
