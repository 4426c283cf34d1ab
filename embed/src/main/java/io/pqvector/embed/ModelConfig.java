package io.pqvector.embed;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * A model directory's {@code embed.json}: {@code name} (recorded beside embedded columns;
 * default the directory's name), {@code pooling} ({@code mean} or {@code cls}),
 * {@code normalize} (must be true: vectors are always normalised), {@code queryPrefix} and
 * {@code documentPrefix} (e5 wants {@code "query: "} and {@code "passage: "}), {@code maxTokens}
 * (texts are truncated to this many tokens, special tokens included; default 512).
 */
record ModelConfig(String name, boolean meanPooling, String queryPrefix, String documentPrefix,
    int maxTokens) {
  /** all-MiniLM-L6-v2 as langchain4j ships it: its tokenizer.json truncates at 128 tokens. */
  static final ModelConfig DEFAULT =
      new ModelConfig(OnnxEmbedderProvider.DEFAULT_MODEL, true, "", "", 128);
  static final String FILE = "embed.json";
  private static final Set<String> KEYS =
      Set.of("name", "pooling", "normalize", "queryPrefix", "documentPrefix", "maxTokens");

  static ModelConfig read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new IOException(dir + " has no " + FILE + " (e.g. {\"name\": \"my-model\","
          + " \"pooling\": \"mean\", \"normalize\": true, \"queryPrefix\": \"\"})");
    }
    JsonObject o;
    try {
      JsonElement e = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
      if (!e.isJsonObject()) {
        throw new IOException(file + ": expected a JSON object");
      }
      o = e.getAsJsonObject();
    } catch (RuntimeException e) {
      throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
    }
    for (String k : o.keySet()) {
      if (!KEYS.contains(k)) {
        throw new IOException(file + ": unknown key '" + k + "' (known: " + String.join(", ",
            new java.util.TreeSet<>(KEYS)) + ")");
      }
    }
    try {
      String name = o.has("name") ? o.get("name").getAsString() : dir.getFileName().toString();
      String pooling = o.has("pooling") ? o.get("pooling").getAsString() : "mean";
      boolean mean = switch (pooling.toLowerCase(Locale.ROOT)) {
        case "mean" -> true;
        case "cls" -> false;
        default -> throw new IOException(file + ": pooling must be mean or cls but is '"
            + pooling + "'");
      };
      if (o.has("normalize") && !o.get("normalize").getAsBoolean()) {
        throw new IOException(file + ": normalize=false is not supported (vectors are always"
            + " normalised to length 1)");
      }
      int maxTokens = o.has("maxTokens") ? o.get("maxTokens").getAsInt() : 512;
      if (maxTokens < 2) {
        throw new IOException(file + ": maxTokens must be at least 2 but is " + maxTokens);
      }
      return new ModelConfig(name, mean,
          o.has("queryPrefix") ? o.get("queryPrefix").getAsString() : "",
          o.has("documentPrefix") ? o.get("documentPrefix").getAsString() : "", maxTokens);
    } catch (RuntimeException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }
}
