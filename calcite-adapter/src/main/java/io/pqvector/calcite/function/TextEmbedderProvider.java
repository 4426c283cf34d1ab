package io.pqvector.calcite.function;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Found with {@link java.util.ServiceLoader}: opens embedding models. The optional module
 * {@code pqvector-embed.jar} registers one.
 */
public interface TextEmbedderProvider {
  /**
   * @param modelDirectory a directory with {@code model.onnx}, {@code tokenizer.json} and
   *     {@code embed.json}, or null for the default model
   */
  TextEmbedder open(Path modelDirectory) throws IOException;
}
