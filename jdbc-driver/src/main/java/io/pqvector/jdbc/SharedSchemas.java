package io.pqvector.jdbc;

import io.pqvector.calcite.ParquetDirectorySchema;
import io.pqvector.calcite.search.SearchSettings;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;

/**
 * One directory schema per directory and set of connection options in the JVM, shared by every
 * connection that asks for the same: its table listing and footers are read once, and its plans
 * (cached per schema instance) serve all of them, served connections included. Connections whose
 * options differ in anything (nprobe, recall, useIndex, cache size, ...) get schemas of their own,
 * so they never run a plan made for other settings. A schema lives while a connection uses it.
 */
final class SharedSchemas {
  private record Key(Path root, SearchSettings settings, SortedMap<String, String> options) {}

  private static final class Ref extends WeakReference<ParquetDirectorySchema> {
    final Key key;

    Ref(Key key, ParquetDirectorySchema schema, ReferenceQueue<ParquetDirectorySchema> queue) {
      super(schema, queue);
      this.key = key;
    }
  }

  private static final Map<Key, Ref> SCHEMAS = new HashMap<>();
  private static final ReferenceQueue<ParquetDirectorySchema> GONE = new ReferenceQueue<>();

  private SharedSchemas() {}

  /**
   * The schema for {@code root} with {@code settings}; {@code options} are all of the connection's
   * pqvector options, so that anything else that may shape a plan also separates the schemas.
   */
  static synchronized ParquetDirectorySchema of(Path root, SearchSettings settings,
      SortedMap<String, String> options) {
    for (Ref r; (r = (Ref) GONE.poll()) != null; ) {
      SCHEMAS.remove(r.key, r);
    }
    Key key = new Key(root.toAbsolutePath().normalize(), settings, options);
    Ref ref = SCHEMAS.get(key);
    ParquetDirectorySchema schema = ref == null ? null : ref.get();
    if (schema == null) {
      schema = new ParquetDirectorySchema(root, settings);
      SCHEMAS.put(key, new Ref(key, schema, GONE));
    }
    return schema;
  }
}
