package io.pqvector.calcite;

import io.pqvector.calcite.search.SearchSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collection;
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
import org.apache.calcite.schema.lookup.CompatibilityLookup;
import org.apache.calcite.schema.lookup.Lookup;
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
    RootState before = rootState();
    Map<String, Listing> found = listTables();
    Map<String, Table> result = new HashMap<>();
    for (Map.Entry<String, Listing> e : found.entrySet()) {
      try {
        result.put(e.getKey(), table(e.getKey(), e.getValue().files(), e.getValue().source()));
      } catch (RuntimeException ex) {
        result.put(e.getKey(), new UnreadableTable("table '" + e.getKey() + "' cannot be read: "
            + ex.getMessage()));
      }
    }
    if (tables.keySet().retainAll(found.keySet())) {
      version.incrementAndGet();
    }
    listed = before == null ? null : new Listed(before, Set.copyOf(found.keySet()));
    return result;
  }

  /**
   * Calcite resolves a name without regard to case by loading every table of the schema, each by
   * its own lookup; while the root is unchanged a lookup looks at that table's files only, so
   * resolving a name costs one listing, not one per table.
   */
  @Override public Lookup<Table> tables() {
    return tableLookup;
  }

  private final Lookup<Table> tableLookup =
      new CompatibilityLookup<>(this::lookUp, this::getTableNames);

  private Table lookUp(String name) {
    Listed then = unchangedListing();
    if (then != null) {
      if (!then.tables().contains(name)) {
        return null;
      }
      Table table = recheck(name);
      if (table != null) {
        return table;
      }
    }
    return getTableMap().get(name);
  }

  /** The version after listing every table again. */
  private long listedVersion() {
    getTableMap();
    return version.get();
  }

  @Override public long currentVersion(Collection<String> names) {
    Listed then = unchangedListing();
    if (then == null) {
      return listedVersion();
    }
    for (String name : names) {
      // Not a readable table when last listed: it can become one only by a new root entry, and
      // no plan reads it.
      if (tables.containsKey(name) && recheck(name) == null) {
        return listedVersion();
      }
    }
    return version.get();
  }

  /**
   * Looks at the files of table {@code name} alone (the root unchanged): the table as they are now,
   * or null when its files came or went, or it is gone or unreadable, where only a listing says
   * what it is.
   */
  private ParquetTable recheck(String name) {
    Versioned cached = tables.get(name);
    if (cached == null) {
      return null;
    }
    try {
      List<Path> files = cached.directory ? parquetFilesUnder(cached.source)
          : List.of(cached.source);
      if (files.isEmpty() || !files.equals(cached.table.files())) {
        return null;
      }
      return table(name, files, cached.source);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  @Override public long knownVersion() {
    return version.get();
  }

  /**
   * The root's modification time and identity when it was last listed, and when that listing
   * began. Adding, removing or renaming an entry of a directory changes its modification time,
   * so while it is unchanged the tables are those listed (their own files are looked at apart).
   */
  private record RootState(FileTime modified, Object key, long readAtMillis) {}

  /** The last listing: the root's state before it, and the names of the tables it found. */
  private record Listed(RootState root, Set<String> tables) {}

  /**
   * A directory changed within this long before it was listed may change again within the same
   * tick of a coarse file-system clock (FAT: 2 s) without its time moving: list it again.
   */
  private static final long SETTLE_MILLIS = 2_000;

  private volatile Listed listed;

  private RootState rootState() {
    if (root.getFileSystem() != FileSystems.getDefault()) {
      return null; // object storage: directories have no modification time to trust
    }
    long now = System.currentTimeMillis();
    try {
      BasicFileAttributes a = Files.readAttributes(root, BasicFileAttributes.class);
      return a.fileKey() == null ? null : new RootState(a.lastModifiedTime(), a.fileKey(), now);
    } catch (IOException e) {
      return null;
    }
  }

  /** The last listing, if the root has not changed since it (else null: list again). */
  private Listed unchangedListing() {
    Listed then = listed;
    if (then == null) {
      return null;
    }
    RootState now = rootState();
    RootState was = then.root();
    boolean unchanged = now != null && now.modified().equals(was.modified())
        && now.key().equals(was.key())
        && was.readAtMillis() - was.modified().toMillis() > SETTLE_MILLIS;
    return unchanged ? then : null;
  }

  @Override public boolean isMutable() {
    return false;
  }

  private ParquetTable table(String name, List<Path> files, Path source) {
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
    tables.put(name, new Versioned(versions, table, source, !files.equals(List.of(source))));
    version.incrementAndGet();
    return table;
  }

  /** A table's root entry (a file or a directory) and its files, sorted. */
  private record Listing(Path source, List<Path> files) {}

  /** Table name to its listing, files before same-named directories. */
  private Map<String, Listing> listTables() {
    Map<String, Listing> result = new TreeMap<>();
    Map<String, Listing> directories = new TreeMap<>();
    try (Stream<Path> entries = Files.list(root)) {
      for (Path p : (Iterable<Path>) entries.sorted()::iterator) {
        String fileName = p.getFileName().toString();
        if (isHidden(fileName) || !allowed(p)) {
          continue;
        }
        if (Files.isRegularFile(p) && isParquetName(fileName)) {
          result.put(fileName.substring(0, fileName.length() - ".parquet".length()),
              new Listing(p, List.of(p)));
        } else if (Files.isDirectory(p)) {
          List<Path> files = parquetFilesUnder(p);
          if (!files.isEmpty()) {
            directories.put(fileName, new Listing(p, files));
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

  /** A table as last built: its files' versions, and the file or directory it was listed as. */
  private record Versioned(List<FileVersion> versions, ParquetTable table, Path source,
      boolean directory) {}
}
