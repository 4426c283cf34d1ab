package io.pqvector.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.pqvector.calcite.function.TextEmbedder;
import io.pqvector.calcite.function.TextEmbeddings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The default model's vectors against an independent computation, and their determinism. */
class ReferenceVectorsTest {
  static final List<String> SENTENCES = List.of(
      "The quick brown fox jumps over the lazy dog.",
      "A man is playing a guitar on stage.",
      "http client library for python",
      "Vector search over plain Parquet files, through JDBC and SQL.",
      "Ein Mann spielt Gitarre.",
      "naïve café résumé — unicode, accents and dashes",
      "GNU C compiler",
      "What is the capital of France?",
      "a",
      "Embeddings map text to points in a space where similar meanings lie close together;"
          + " this sentence is longer than the others to exercise padding in a batch.",
      "1234567890 !@#$%^&*()",
      "SELECT package FROM packages ORDER BY array_cosine_distance(embedding, embed('x'))");

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  @Test
  void vectorsMatchAnIndependentComputationOfTheModel() throws Exception {
    TextEmbedder model = TextEmbeddings.model(null);
    assertEquals("all-MiniLM-L6-v2", model.modelName());
    assertEquals(384, model.dimension());
    float[][] ours = model.embed(SENTENCES, false);
    float[][] reference;
    try (ReferenceEncoder r = new ReferenceEncoder()) {
      reference = r.embed(SENTENCES);
    }
    // A second, independent implementation: langchain4j's own in-process model class.
    List<TextSegment> segments = new ArrayList<>();
    SENTENCES.forEach(t -> segments.add(TextSegment.from(t)));
    List<Embedding> langchain4j = new AllMiniLmL6V2EmbeddingModel().embedAll(segments).content();
    for (int i = 0; i < SENTENCES.size(); i++) {
      assertEquals(384, ours[i].length);
      double c = cosine(ours[i], reference[i]);
      assertTrue(c >= 0.999, "cosine " + c + " for '" + SENTENCES.get(i) + "'");
      double l = cosine(ours[i], langchain4j.get(i).vector());
      assertTrue(l >= 0.999, "cosine to langchain4j " + l + " for '" + SENTENCES.get(i) + "'");
      assertEquals(1.0, dot(ours[i], ours[i]), 1e-4);
    }
    // Sanity that the comparison can fail: different sentences are far apart.
    assertTrue(cosine(ours[0], reference[1]) < 0.5);
  }

  private static double dot(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d += a[i] * b[i];
    }
    return d;
  }

  @Test
  void vectorsDoNotDependOnBatchOrThread() throws Exception {
    TextEmbedder model = TextEmbeddings.model(null);
    float[][] batch = model.embed(SENTENCES, false);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<float[][]>> singles = new ArrayList<>();
      for (String s : SENTENCES) {
        singles.add(pool.submit(() -> model.embed(List.of(s), false)));
      }
      float[][] halves = new float[SENTENCES.size()][];
      Future<float[][]> first = pool.submit(() -> model.embed(SENTENCES.subList(0, 5), false));
      float[][] second = model.embed(SENTENCES.subList(5, SENTENCES.size()), false);
      System.arraycopy(first.get(), 0, halves, 0, 5);
      System.arraycopy(second, 0, halves, 5, second.length);
      for (int i = 0; i < SENTENCES.size(); i++) {
        assertArrayEquals(batch[i], singles.get(i).get()[0], SENTENCES.get(i));
        assertArrayEquals(batch[i], halves[i], SENTENCES.get(i));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void longTextsAreTruncatedToTheTokenizersWindow() throws Exception {
    TextEmbedder model = TextEmbeddings.model(null);
    // Texts are cut at the model's window of 128 tokens, as the model's tokenizer.json (and so
    // langchain4j's pipeline) does: what follows token 128 is ignored, as in the reference
    // computation truncated the same way.
    String head = "Parquet files hold columns of typed values in row groups. ".repeat(15);
    String tail = "The recipe needs flour, eggs, butter and sugar for the cake. ".repeat(50);
    float[][] v = model.embed(List.of(head + tail, head), false);
    assertEquals(1.0, dot(v[0], v[0]), 1e-4);
    assertTrue(cosine(v[0], v[1]) > 0.9999, "cosine " + cosine(v[0], v[1]));
    try (ReferenceEncoder r = new ReferenceEncoder(128)) {
      float[] truncated = r.embed(List.of(head + tail))[0];
      assertTrue(cosine(v[0], truncated) >= 0.999, "cosine " + cosine(v[0], truncated));
    }
  }
}
