package io.pqvector.calcite.function;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Iterator;
import java.util.List;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.calcite.DataContext;
import org.apache.calcite.jdbc.CalciteConnection;

/**
 * Finds the embedding model a connection asks for and runs {@code embed(text)}. Models come from
 * the optional {@code pqvector-embed.jar}; without it every use says which jar to add. Opened
 * models are shared by all connections (a model load takes seconds and ~100 MB), and each keeps
 * the vectors of its recent query texts, so {@code embed('...')} costs one model call per query
 * however many rows the plan evaluates it for.
 */
public final class TextEmbeddings {
  /** The jar that brings the models; named in the error when it is missing. */
  public static final String MODULE_JAR = "pqvector-embed.jar";
  /** Calcite-side name of the {@code embedModel} connection property. */
  public static final String MODEL_PROPERTY = "pqvector.embedModel";
  private static final String FOOTER_KEY_PREFIX = "pqvector.embed.";
  private static final int RECENT_QUERIES = 256;

  private static final Map<String, Model> MODELS = new ConcurrentHashMap<>();
  private static final AtomicLong QUERY_MODEL_CALLS = new AtomicLong();

  private TextEmbeddings() {}

  /** The Parquet footer key under which the {@code embed} command records a column's model. */
  public static String footerKey(String column) {
    return FOOTER_KEY_PREFIX + column;
  }

  /**
   * The model for a connection's {@code embedModel} value (a directory), or the default model
   * for null or empty.
   *
   * @throws UnsupportedOperationException when {@value #MODULE_JAR} is not on the class path
   * @throws IllegalArgumentException when the directory cannot be opened as a model
   */
  public static TextEmbedder model(String modelDirectory) {
    return load(modelDirectory).embedder;
  }

  private static Model load(String modelDirectory) {
    String key = modelDirectory == null || modelDirectory.isBlank() ? ""
        : Paths.get(modelDirectory.trim()).toAbsolutePath().normalize().toString();
    Model m = MODELS.get(key);
    if (m != null) {
      return m;
    }
    synchronized (MODELS) {
      return MODELS.computeIfAbsent(key, k -> new Model(open(k)));
    }
  }

  private static TextEmbedder open(String directory) {
    TextEmbedderProvider provider = provider();
    Path dir = directory.isEmpty() ? null : Paths.get(directory);
    if (dir != null && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("embedModel: not a directory: " + dir
          + " (expected a directory with model.onnx, tokenizer.json and embed.json)");
    }
    try {
      return provider.open(dir);
    } catch (IOException e) {
      throw new IllegalArgumentException("embedModel: cannot open model "
          + (dir == null ? "(default)" : dir) + ": " + e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw new IllegalArgumentException("embedModel: cannot open model "
          + (dir == null ? "(default)" : dir) + ": " + e.getCause().getMessage(), e);
    }
  }

  private static TextEmbedderProvider provider() {
    for (ClassLoader loader : new ClassLoader[] {TextEmbeddings.class.getClassLoader(),
        Thread.currentThread().getContextClassLoader()}) {
      try {
        Iterator<TextEmbedderProvider> it =
            ServiceLoader.load(TextEmbedderProvider.class, loader).iterator();
        if (it.hasNext()) {
          return it.next();
        }
      } catch (ServiceConfigurationError e) {
        throw new UnsupportedOperationException("embed: " + MODULE_JAR
            + " is on the class path but cannot be loaded: " + e.getMessage(), e);
      }
    }
    throw new UnsupportedOperationException("embed needs the optional module " + MODULE_JAR
        + ": put it on the class path next to pqvector.jar (in DBeaver, add it to the driver's"
        + " files); build it with mvn package, it is embed/target/" + MODULE_JAR);
  }

  /** How many times {@code embed()} in SQL ran a model (texts not found among recent ones). */
  public static long queryModelCalls() {
    return QUERY_MODEL_CALLS.get();
  }

  /** Body of the SQL function {@code embed(text)}; the model is the connection's. */
  public static EmbeddedVector embed(DataContext root, String text) {
    if (text == null) {
      return null;
    }
    return load(modelProperty(root)).query(text);
  }

  private static String modelProperty(DataContext root) {
    Object provider = root == null ? null : root.getQueryProvider();
    if (provider instanceof CalciteConnection) {
      return ((CalciteConnection) provider).getProperties().getProperty(MODEL_PROPERTY);
    }
    return null;
  }

  /** An opened model and the vectors of its recent query texts. */
  private static final class Model {
    final TextEmbedder embedder;
    private final Cache<String, EmbeddedVector> recent = Caffeine.newBuilder()
        .maximumSize(RECENT_QUERIES)
        .executor(Runnable::run)
        .build();

    Model(TextEmbedder embedder) {
      this.embedder = embedder;
    }

    EmbeddedVector query(String text) {
      EmbeddedVector v = recent.getIfPresent(text);
      if (v != null) {
        return v;
      }
      QUERY_MODEL_CALLS.incrementAndGet();
      float[] values = embedder.embed(List.of(text), true)[0];
      if (values == null) {
        return null; // empty text
      }
      v = new EmbeddedVector(values, embedder.modelName());
      recent.put(text, v);
      return v;
    }
  }
}
