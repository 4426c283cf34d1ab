package io.pqvector.embed;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import io.pqvector.calcite.sql.TextEmbedder;
import io.pqvector.calcite.sql.TextEmbedderProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens models for pqvector's {@code embed()}: all-MiniLM-L6-v2 from langchain4j's jar by default
 * (384 dimensions, mean pooling, normalised), or a model directory holding {@code model.onnx},
 * {@code tokenizer.json} and {@code embed.json}. Resources are read through this class's own
 * class loader, so the jar works in tools that load drivers in a class loader of their own.
 */
public final class OnnxEmbedderProvider implements TextEmbedderProvider {
  /** The default model's name, as recorded in files embedded with it. */
  public static final String DEFAULT_MODEL = "all-MiniLM-L6-v2";
  static final String DEFAULT_ONNX = "all-minilm-l6-v2.onnx";
  static final String DEFAULT_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

  @Override public TextEmbedder open(Path modelDirectory) throws IOException {
    if (modelDirectory == null) {
      byte[] model = resource(DEFAULT_ONNX);
      return new OnnxTextEmbedder(DEFAULT_MODEL, encoder(model, resource(DEFAULT_TOKENIZER),
          PoolingMode.MEAN), 384, ModelConfig.DEFAULT);
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
    return new OnnxTextEmbedder(config.name(), encoder(Files.readAllBytes(onnx),
        Files.readAllBytes(tokenizer), config.pooling()), -1, config);
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

  private static OnnxBertBiEncoder encoder(byte[] model, byte[] tokenizer, PoolingMode pooling)
      throws IOException {
    try {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      OrtSession session = env.createSession(model, new OrtSession.SessionOptions());
      return new OnnxBertBiEncoder(env, session, new ByteArrayInputStream(tokenizer), pooling);
    } catch (OrtException | RuntimeException e) {
      throw new IOException("ONNX Runtime cannot load the model: " + e.getMessage(), e);
    }
  }
}
