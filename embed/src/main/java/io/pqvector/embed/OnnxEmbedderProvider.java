package io.pqvector.embed;

import io.pqvector.calcite.function.TextEmbedder;
import io.pqvector.calcite.function.TextEmbedderProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens models for pqvector's {@code embed()}: all-MiniLM-L6-v2 from langchain4j's model jar by
 * default (384 dimensions, mean pooling, normalised, 128 tokens), or a model directory holding
 * {@code model.onnx}, {@code tokenizer.json} and {@code embed.json}. Resources are read through this class's own
 * class loader, so the jar works in tools that load drivers in a class loader of their own.
 */
public final class OnnxEmbedderProvider implements TextEmbedderProvider {
  /** The default model's name, as recorded in files embedded with it. */
  public static final String DEFAULT_MODEL = "all-MiniLM-L6-v2";
  static final String DEFAULT_ONNX = "all-minilm-l6-v2.onnx";
  static final String DEFAULT_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

  @Override public TextEmbedder open(Path modelDirectory) throws IOException {
    if (modelDirectory == null) {
      return new OnnxTextEmbedder(resource(DEFAULT_ONNX), resource(DEFAULT_TOKENIZER),
          ModelConfig.DEFAULT, 384);
    }
    Path onnx = modelDirectory.resolve("model.onnx");
    Path tokenizer = modelDirectory.resolve("tokenizer.json");
    for (Path p : new Path[] {onnx, tokenizer}) {
      if (!Files.isRegularFile(p)) {
        throw new IOException(modelDirectory + " has no " + p.getFileName()
            + " (a model directory holds model.onnx, tokenizer.json and embed.json)");
      }
    }
    ModelConfig config = ModelConfig.read(modelDirectory);
    return new OnnxTextEmbedder(Files.readAllBytes(onnx), Files.readAllBytes(tokenizer), config,
        -1);
  }

  static byte[] resource(String name) throws IOException {
    try (InputStream in = OnnxEmbedderProvider.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("resource " + name + " is missing from the class path"
            + " (pqvector-embed.jar is incomplete)");
      }
      return in.readAllBytes();
    }
  }
}
