package io.pqvector.cli;

import io.pqvector.ivf.BuildReport;
import io.pqvector.ivf.IndexBuildException;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.ivf.TrainingOptions;
import io.pqvector.parquet.appendix.ParquetAppendix;
import io.pqvector.storage.ObjectChangedException;
import io.pqvector.storage.ObjectFileSystem;
import io.pqvector.storage.StoredObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code index} on objects in a store ({@code s3://...}): the index is built from ranged reads of
 * the object, then the store writes the object's next version, which is exactly what the local
 * build would have made of the file (its first bytes kept, the new payload and footer after
 * them; see {@link ParquetAppendix#plan}), conditional on the version that was read.
 */
final class ObjectIndexing {
  private ObjectIndexing() {}

  /**
   * Indexes one object, a path of an {@link ObjectFileSystem}.
   *
   * @throws ObjectChangedException when the object was replaced after it was read; nothing written
   */
  static BuildReport index(Path object, TrainingOptions training) throws IndexBuildException, IOException {
    ObjectFileSystem fs = (ObjectFileSystem) object.getFileSystem();
    StoredObject read = fs.version(object);
    IvfIndexBuilder builder = IvfIndexBuilder.forFile(object).options(training);
    IvfIndexBuilder.BuiltIndex built = builder.buildIndex();
    ParquetAppendix.NewTail next = ParquetAppendix.plan(object, built.footerKey(), built.payload());
    if (!fs.version(object).equals(read)) {
      // A read found the object replaced and the folder was listed again: some bytes may be
      // the new version's.
      throw new ObjectChangedException(object.toString());
    }
    training.progress().update("writing", 0, 1);
    StoredObject written = fs.store().replaceTail(read, next.keep(), next.pieces());
    fs.refresh();
    training.progress().update("writing", 1, 1);
    return builder.report(built, read.length(), written.length());
  }

  /**
   * The table objects under {@code folder} by the rules tables are read by: {@code x.parquet}
   * directly in it, and every {@code .parquet} object in a sub-folder (one table per sub-folder,
   * unless {@code x.parquet} already names the table {@code x}); names starting with '.' or '_'
   * are skipped, at any depth.
   */
  static List<Path> tableObjects(Path folder) throws IOException {
    Set<String> fileTables = new HashSet<>();
    List<Path> candidates = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(folder)) {
      walk.filter(Files::isRegularFile).sorted().forEach(candidates::add);
    }
    List<Path> result = new ArrayList<>();
    for (Path p : candidates) {
      Path relative = folder.relativize(p);
      if (relative.getNameCount() == 1 && isTableFile(relative)) {
        String name = relative.toString();
        fileTables.add(name.substring(0, name.length() - ".parquet".length()));
      }
    }
    for (Path p : candidates) {
      Path relative = folder.relativize(p);
      if (isTableFile(relative)
          && (relative.getNameCount() == 1 || !fileTables.contains(relative.getName(0).toString()))) {
        result.add(p);
      }
    }
    return result;
  }

  private static boolean isTableFile(Path relative) {
    for (Path segment : relative) {
      String s = segment.toString();
      if (s.startsWith(".") || s.startsWith("_")) {
        return false;
      }
    }
    return relative.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".parquet");
  }
}
