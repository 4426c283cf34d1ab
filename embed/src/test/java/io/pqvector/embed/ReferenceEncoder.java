package io.pqvector.embed;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayInputStream;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 computed the way its model card describes, independently of the code under
 * test (langchain4j's pipeline): the HuggingFace tokenizer encodes a whole batch at once with
 * padding and truncation to 512 tokens, ONNX Runtime runs the batch in one call, and the token
 * vectors are mean-pooled under the attention mask, then normalised to length 1. It is also the
 * "raw runtime" of the throughput benchmark.
 */
final class ReferenceEncoder implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;

  ReferenceEncoder() throws Exception {
    this(512);
  }

  ReferenceEncoder(int maxTokens) throws Exception {
    session = env.createSession(OnnxEmbedderProvider.resource(OnnxEmbedderProvider.DEFAULT_ONNX),
        new OrtSession.SessionOptions());
    tokenizer = HuggingFaceTokenizer.newInstance(
        new ByteArrayInputStream(OnnxEmbedderProvider.resource(
            OnnxEmbedderProvider.DEFAULT_TOKENIZER)),
        Map.of("padding", "true", "truncation", "true", "maxLength",
            String.valueOf(maxTokens)));
  }

  float[][] embed(List<String> texts) throws Exception {
    Encoding[] encodings = tokenizer.batchEncode(texts);
    int n = encodings.length;
    int len = encodings[0].getIds().length;
    long[] ids = new long[n * len];
    long[] mask = new long[n * len];
    long[] types = new long[n * len];
    for (int i = 0; i < n; i++) {
      System.arraycopy(encodings[i].getIds(), 0, ids, i * len, len);
      System.arraycopy(encodings[i].getAttentionMask(), 0, mask, i * len, len);
      System.arraycopy(encodings[i].getTypeIds(), 0, types, i * len, len);
    }
    long[] shape = {n, len};
    try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
        OnnxTensor b = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor c = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
        OrtSession.Result r = session.run(Map.of("input_ids", a, "attention_mask", b,
            "token_type_ids", c))) {
      float[][][] tokens = (float[][][]) r.get(0).getValue();
      float[][] out = new float[n][];
      for (int i = 0; i < n; i++) {
        int dim = tokens[i][0].length;
        double[] sum = new double[dim];
        int count = 0;
        for (int t = 0; t < len; t++) {
          if (mask[i * len + t] == 1) {
            count++;
            for (int d = 0; d < dim; d++) {
              sum[d] += tokens[i][t][d];
            }
          }
        }
        double norm = 0;
        for (int d = 0; d < dim; d++) {
          sum[d] /= count;
          norm += sum[d] * sum[d];
        }
        norm = Math.sqrt(norm);
        out[i] = new float[dim];
        for (int d = 0; d < dim; d++) {
          out[i][d] = (float) (sum[d] / norm);
        }
      }
      return out;
    }
  }

  @Override public void close() throws Exception {
    session.close();
    tokenizer.close();
  }
}
