package io.pqvector.calcite.function;

import java.util.List;

/**
 * A text embedding model, the service behind the SQL function {@code embed(text)} and the
 * {@code embed} command. The driver holds no model: implementations come from the optional
 * {@code pqvector-embed.jar} through {@link TextEmbedderProvider}.
 */
public interface TextEmbedder {
  /** The name recorded beside an embedded column (e.g. {@code all-MiniLM-L6-v2}). */
  String modelName();

  int dimension();

  /**
   * The embeddings of {@code texts}, in order; a NULL or empty text gives null. Queries
   * ({@code asQuery}) and documents may get different prefixes (e5's {@code query: }); the same
   * text with the same role always gives the same vector, whatever the batch or thread.
   */
  float[][] embed(List<String> texts, boolean asQuery);
}
