package io.pqvector.embed;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.pqvector.calcite.function.TextEmbedder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A BERT-style ONNX sentence model: a text is tokenised (truncated to the model's window), run
 * through ONNX Runtime, its token vectors pooled (mean or CLS) and normalised to length 1. Each
 * text is one model call on the calling thread, without padding, so a vector does not depend on
 * the batch or thread it was computed in, and no time goes to padding tokens.
 */
final class OnnxTextEmbedder implements TextEmbedder {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final ModelConfig config;
  private final boolean typeIds;
  private volatile int dimension;

  OnnxTextEmbedder(byte[] model, byte[] tokenizerJson, ModelConfig config, int dimension)
      throws IOException {
    this.config = config;
    this.dimension = dimension;
    try {
      env = OrtEnvironment.getEnvironment();
      session = env.createSession(model, new OrtSession.SessionOptions());
      Set<String> inputs = session.getInputNames();
      typeIds = inputs.contains("token_type_ids");
      tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson),
          Map.of("padding", "false", "truncation", "true",
              "maxLength", String.valueOf(config.maxTokens())));
    } catch (OrtException | RuntimeException e) {
      throw new IOException("cannot load the model: " + e.getMessage(), e);
    }
  }

  @Override public String modelName() {
    return config.name();
  }

  @Override public int dimension() {
    int d = dimension;
    if (d <= 0) {
      d = embed(List.of("dimension probe"), false)[0].length;
      dimension = d;
    }
    return d;
  }

  @Override public float[][] embed(List<String> texts, boolean asQuery) {
    String prefix = asQuery ? config.queryPrefix() : config.documentPrefix();
    float[][] result = new float[texts.size()][];
    for (int i = 0; i < texts.size(); i++) {
      String t = texts.get(i);
      if (t != null && !t.isBlank()) {
        result[i] = embedOne(prefix + t);
      }
    }
    return result;
  }

  private float[] embedOne(String text) {
    Encoding encoding = tokenizer.encode(text);
    long[] ids = encoding.getIds();
    long[] shape = {1, ids.length};
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
      inputs.put("attention_mask", OnnxTensor.createTensor(env,
          LongBuffer.wrap(encoding.getAttentionMask()), shape));
      if (typeIds) {
        inputs.put("token_type_ids", OnnxTensor.createTensor(env,
            LongBuffer.wrap(encoding.getTypeIds()), shape));
      }
      try (OrtSession.Result r = session.run(inputs)) {
        float[][] tokens = ((float[][][]) r.get(0).getValue())[0];
        return normalise(config.meanPooling() ? mean(tokens) : tokens[0].clone());
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on a text of " + ids.length
          + " tokens: " + e.getMessage(), e);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  /** Mean of the token vectors (no padding, so every token counts), summed in double. */
  private static float[] mean(float[][] tokens) {
    int dim = tokens[0].length;
    double[] sum = new double[dim];
    for (float[] token : tokens) {
      for (int d = 0; d < dim; d++) {
        sum[d] += token[d];
      }
    }
    float[] out = new float[dim];
    for (int d = 0; d < dim; d++) {
      out[d] = (float) (sum[d] / tokens.length);
    }
    return out;
  }

  private static float[] normalise(float[] v) {
    double norm = 0;
    for (float x : v) {
      norm += (double) x * x;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) {
      for (int d = 0; d < v.length; d++) {
        v[d] = (float) (v[d] / norm);
      }
    }
    return v;
  }
}
