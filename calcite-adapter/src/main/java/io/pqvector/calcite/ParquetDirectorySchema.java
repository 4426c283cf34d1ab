package io.pqvector.calcite;

import io.pqvector.calcite.search.SearchSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import io.pqvector.parquet.FileVersion;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.impl.AbstractSchema;
import io.pqvector.parquet.VersionedFooter;

/**
 * Every Parquet file under the root directory is a table named after the file; a sub-directory
 * holding Parquet files is one table named after the directory. The directory is listed on each
 * lookup, so tables appear and disappear with their files; footers are read once per file version.
 * Hidden entries (starting with '.' or '_') and non-Parquet files are ignored. Symbolic links that
 * lead outside the root are not followed unless {@code followSymlinks} is set.
 */
public final class ParquetDirectorySchema extends AbstractSchema implements VersionedSchema {
  private final Path root;
  private final Path realRoot;
  private final boolean followSymlinks;
  private final SearchSettings settings;
  private final Map<String, Versioned> tables = new ConcurrentHashMap<>();
  private final Map<Path, VersionedFooter> fileSchemas = new ConcurrentHashMap<>();
  private final AtomicLong version = new AtomicLong();

  public ParquetDirectorySchema(Path root, SearchSettings settings) {
    this.root = root;
    this.settings = settings;
    this.followSymlinks = settings.followSymlinks();
    try {
      this.realRoot = root.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read directory " + root + ": " + e.getMessage(), e);
    }
  }

  public Path root() {
    return root;
  }

  @Override protected Map<String, Table> getTableMap() {
    Map<String, List<Path>> found = listTables();
    Map<String, Table> result = new HashMap<>();
    for (Map.Entry<String, List<Path>> e : found.entrySet()) {
      try {
        result.put(e.getKey(), table(e.getKey(), e.getValue()));
      } catch (RuntimeException ex) {
        result.put(e.getKey(), new UnreadableTable("table '" + e.getKey() + "' cannot be read: "
            + ex.getMessage()));
      }
    }
    if (tables.keySet().retainAll(found.keySet())) {
      version.incrementAndGet();
    }
    return result;
  }

  @Override public long currentVersion() {
    getTableMap();
    return version.get();
  }

  @Override public boolean isMutable() {
    return false;
  }

  private ParquetTable table(String name, List<Path> files) {
    List<FileVersion> versions = new ArrayList<>();
    for (Path f : files) {
      versions.add(versionOf(f));
    }
    Versioned cached = tables.get(name);
    if (cached != null && cached.versions.equals(versions)) {
      return cached.table;
    }
    Map<Path, VersionedFooter> footers = new HashMap<>();
    for (FileVersion v : versions) {
      VersionedFooter fs = fileSchemas.get(v.path());
      if (fs == null || !fs.version().equals(v)) {
        fs = ParquetTable.readFooter(v.path()); // the file's version now, read with its footer
        fileSchemas.put(v.path(), fs);
      }
      footers.put(v.path(), fs);
    }
    ParquetTable table = new ParquetTable(name, files, footers, settings);
    tables.put(name, new Versioned(versions, table));
    version.incrementAndGet();
    return table;
  }

  /** Table name to its files, sorted, files before same-named directories. */
  private Map<String, List<Path>> listTables() {
    Map<String, List<Path>> result = new TreeMap<>();
    Map<String, List<Path>> directories = new TreeMap<>();
    try (Stream<Path> entries = Files.list(root)) {
      for (Path p : (Iterable<Path>) entries.sorted()::iterator) {
        String fileName = p.getFileName().toString();
        if (isHidden(fileName) || !allowed(p)) {
          continue;
        }
        if (Files.isRegularFile(p) && isParquetName(fileName)) {
          result.put(fileName.substring(0, fileName.length() - ".parquet".length()),
              List.of(p));
        } else if (Files.isDirectory(p)) {
          List<Path> files = parquetFilesUnder(p);
          if (!files.isEmpty()) {
            directories.put(fileName, files);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
    }
    directories.forEach(result::putIfAbsent);
    return result;
  }

  private List<Path> parquetFilesUnder(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    // Without FOLLOW_LINKS a walk that starts at a link to a directory lists only the link.
    Set<FileVisitOption> options = followSymlinks
        ? EnumSet.of(FileVisitOption.FOLLOW_LINKS) : EnumSet.noneOf(FileVisitOption.class);
    Files.walkFileTree(dir, options, Integer.MAX_VALUE, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
        return d.equals(dir) || !isHidden(d.getFileName().toString())
            ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
      }

      @Override
      public FileVisitResult visitFile(Path p, BasicFileAttributes attrs) {
        // Without FOLLOW_LINKS a link's own attributes arrive here; what it leads to decides.
        boolean regular = attrs.isSymbolicLink() ? Files.isRegularFile(p) : attrs.isRegularFile();
        if (regular && !isHidden(p.getFileName().toString())
            && isParquetName(p.getFileName().toString()) && allowed(p)) {
          files.add(p);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
        // Files come and go while queries run (a writer's temporary file, an index journal): an
        // entry that vanished between the listing and its attributes is simply not a table file.
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }
    });
    files.sort(null);
    return files;
  }

  private boolean allowed(Path p) {
    if (followSymlinks || !Files.isSymbolicLink(p)) {
      return true;
    }
    try {
      return p.toRealPath().startsWith(realRoot);
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean isHidden(String name) {
    return name.startsWith(".") || name.startsWith("_");
  }

  private static boolean isParquetName(String name) {
    return name.toLowerCase(Locale.ROOT).endsWith(".parquet");
  }

  /** The file's version; a file that vanished gets an impossible one, so nothing matches it. */
  private static FileVersion versionOf(Path p) {
    try {
      return FileVersion.of(p);
    } catch (IOException e) {
      return new FileVersion(p, -1, -1);
    }
  }

  private static final class Versioned {
    final List<FileVersion> versions;
    final ParquetTable table;

    Versioned(List<FileVersion> versions, ParquetTable table) {
      this.versions = versions;
      this.table = table;
    }
  }
}
