package io.pqvector.embed;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import io.pqvector.calcite.sql.TextEmbedder;
import java.util.ArrayList;
import java.util.List;

/**
 * A BERT-style ONNX model run through langchain4j's in-process pipeline: a text is tokenised,
 * split into windows of 510 tokens at word boundaries when longer, each window is run through
 * the model and pooled, the windows are averaged weighted by their token counts, and the result
 * is normalised. Each text is one model call on the calling thread, so a vector does not depend
 * on the batch or the thread it was computed in.
 */
final class OnnxTextEmbedder implements TextEmbedder {
  private final String name;
  private final Pipeline pipeline;
  private final ModelConfig config;
  private volatile int dimension;

  OnnxTextEmbedder(String name, OnnxBertBiEncoder encoder, int dimension, ModelConfig config) {
    this.name = name;
    this.pipeline = new Pipeline(encoder);
    this.config = config;
    this.dimension = dimension;
  }

  @Override public String modelName() {
    return name;
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
    List<TextSegment> segments = new ArrayList<>(texts.size());
    List<Integer> positions = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      String t = texts.get(i);
      if (t != null && !t.isBlank()) {
        segments.add(TextSegment.from(prefix + t));
        positions.add(i);
      }
    }
    float[][] result = new float[texts.size()][];
    if (!segments.isEmpty()) {
      List<Embedding> embeddings = pipeline.embedAll(segments).content();
      for (int i = 0; i < positions.size(); i++) {
        result[positions.get(i)] = embeddings.get(i).vector();
      }
    }
    return result;
  }

  /** langchain4j's model over our encoder, running each text on the caller's thread. */
  private static final class Pipeline extends AbstractInProcessEmbeddingModel {
    private final OnnxBertBiEncoder encoder;

    Pipeline(OnnxBertBiEncoder encoder) {
      super(Runnable::run);
      this.encoder = encoder;
    }

    @Override protected OnnxBertBiEncoder model() {
      return encoder;
    }
  }
}
