package io.pqvector.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The objects under one folder of an {@link ObjectStore}, presented as a read-only
 * {@link FileSystem}, so that every reader of Parquet files (footers, index payloads, pages,
 * row reads) works on objects unchanged, through {@code FileChannel.open} and
 * {@code Files.readAttributes}.
 *
 * <p>What makes that cheap on a remote store:
 * <ul>
 *   <li>One listing of the folder answers every existence and version question; it is taken again
 *       when the folder itself is listed (each schema lookup) and it is older than {@code refresh}
 *       (0: every listing), or when a read finds an object replaced.
 *   <li>An object's version is its listed tag (ETag) and length; reads ask for exactly that version,
 *       so a replaced object fails the read instead of mixing old and new bytes.
 *   <li>The last 64 KiB of each version (footer, length, magic, often the index) are fetched in one
 *       request; small reads (parsers, offset indexes, single pages) fetch the aligned 256 KiB block
 *       around them; what was fetched is kept (128 MiB per file system), so opening a file again or
 *       repeating a query costs no request.
 * </ul>
 */
public final class ObjectFileSystem extends FileSystem {
  /** Bytes read speculatively at the end of an object: Parquet footers and indexes live there. */
  static final int TAIL = 64 * 1024;
  /** Reads up to this size are served from aligned blocks of {@link #BLOCK} bytes. */
  static final int SMALL_READ = 64 * 1024;
  static final int BLOCK = 256 * 1024;
  /** Bytes of object content kept per file system, across versions (least recently used go first). */
  static final long KEPT_BYTES = 128L << 20;

  private final ObjectStore store;
  private final String prefix;
  private final long refreshNanos;
  private final ObjectFileSystemProvider provider = new ObjectFileSystemProvider(this);
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong bytesRead = new AtomicLong();
  private final Map<BlockKey, byte[]> kept = new LinkedHashMap<>(64, 0.75f, true);
  private long keptBytes;
  private final Map<BlockKey, CompletableFuture<byte[]>> inFlight = new java.util.HashMap<>();
  private static final java.util.concurrent.Executor PREFETCH = java.util.concurrent.Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "pqvector-object-prefetch");
    t.setDaemon(true);
    return t;
  });
  private volatile Listing listing;

  private record Listing(long takenNanos, NavigableMap<String, StoredObject> objects) {}

  private record BlockKey(StoredObject version, long offset, int length) {}

  /**
   * The objects of {@code store} whose keys start with {@code prefix} (a folder: "" or ending in
   * '/'). Lists them once now, so a missing bucket or refused access fails here.
   */
  public ObjectFileSystem(ObjectStore store, String prefix, long refreshMillis) throws IOException {
    this.store = store;
    this.prefix = prefix;
    this.refreshNanos = Math.max(0, refreshMillis) * 1_000_000L;
    relist();
  }

  public ObjectStore store() {
    return store;
  }

  /** The folder the file system was made for. */
  public Path root() {
    return ObjectPath.parse(this, "/" + prefix);
  }

  /** Requests made to the store so far (listings, version checks, reads). */
  public long requestCount() {
    return requests.get();
  }

  /** Bytes of object content fetched so far. */
  public long bytesRead() {
    return bytesRead.get();
  }

  /**
   * The listed version of the object at {@code path} (a path of this file system): what every
   * read through the path reads, until the folder is listed again.
   *
   * @throws IOException when there is no object at {@code path} (a folder or nothing)
   */
  public StoredObject version(Path path) throws IOException {
    if (!(path instanceof ObjectPath p) || p.getFileSystem() != this) {
      throw new java.nio.file.ProviderMismatchException(path + " is not in " + store.name());
    }
    ObjectAttributes a = attributes((ObjectPath) p.toAbsolutePath().normalize());
    if (!a.isRegularFile()) {
      throw new IOException(path + " is a folder, not an object");
    }
    return a.object();
  }

  /** Lists the folder now, e.g. after this process wrote an object in it. */
  public void refresh() throws IOException {
    synchronized (this) {
      relist();
    }
  }

  /** Lists the folder again if the last listing is older than the refresh interval. */
  void refreshIfStale() throws IOException {
    Listing l = listing;
    if (System.nanoTime() - l.takenNanos >= refreshNanos) {
      synchronized (this) {
        if (listing == l) {
          relist();
        }
      }
    }
  }

  private void relist() throws IOException {
    requests.incrementAndGet();
    TreeMap<String, StoredObject> objects = new TreeMap<>();
    for (StoredObject o : store.list(prefix)) {
      objects.put(o.key(), o);
    }
    listing = new Listing(System.nanoTime(), objects);
  }

  /** File or folder attributes of an absolute path, from the listing where it covers the path. */
  ObjectAttributes attributes(ObjectPath path) throws IOException {
    String key = path.key();
    NavigableMap<String, StoredObject> objects = listing.objects;
    StoredObject o = objects.get(key);
    if (o != null) {
      return new ObjectAttributes(o);
    }
    if (key.equals(rootKey()) || isFolder(objects, key)) {
      return ObjectAttributes.FOLDER;
    }
    if (covered(key)) {
      throw new NoSuchFileException(path.toString());
    }
    requests.incrementAndGet();
    return new ObjectAttributes(store.stat(key));
  }

  private boolean covered(String key) {
    return (key + "/").startsWith(prefix) || key.startsWith(prefix);
  }

  private static boolean isFolder(NavigableMap<String, StoredObject> objects, String key) {
    String folder = key.isEmpty() ? "" : key + "/";
    String next = objects.ceilingKey(folder);
    return next != null && next.startsWith(folder);
  }

  /** The names directly under a folder: objects and sub-folders. */
  List<ObjectPath> children(ObjectPath dir) throws IOException {
    if (dir.key().equals(rootKey())) {
      refreshIfStale();
    }
    NavigableMap<String, StoredObject> objects = listing.objects;
    String key = dir.key();
    if (!isFolder(objects, key)) {
      if (objects.containsKey(key)) {
        throw new java.nio.file.NotDirectoryException(dir.toString());
      }
      if (!key.equals(rootKey())) {
        throw new NoSuchFileException(dir.toString());
      }
    }
    String folder = key.isEmpty() ? "" : key + "/";
    Set<String> names = new TreeSet<>();
    for (String k : objects.tailMap(folder, true).keySet()) {
      if (!k.startsWith(folder)) {
        break;
      }
      String rest = k.substring(folder.length());
      int slash = rest.indexOf('/');
      names.add(slash < 0 ? rest : rest.substring(0, slash));
    }
    List<ObjectPath> result = new ArrayList<>();
    for (String n : names) {
      if (!n.isEmpty()) {
        result.add((ObjectPath) dir.resolve(n));
      }
    }
    return result;
  }

  private String rootKey() {
    return prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
  }

  /**
   * Reads {@code dst.remaining()} bytes of {@code version} at {@code offset}, through the kept
   * ranges: the tail block; aligned blocks for small reads (parsers read in 64 KiB steps, and
   * neighbouring steps, offset indexes and pages of one column land in one block); other ranges
   * as asked. All are kept, within {@link #KEPT_BYTES}, so a repeated query makes no request.
   */
  void read(StoredObject version, long offset, ByteBuffer dst) throws IOException {
    long length = version.length();
    long tailStart = Math.max(0, length - TAIL);
    if (offset >= tailStart) {
      if (tailStart > 0) {
        prefetch(version, 0, (int) Math.min(BLOCK, length)); // the magic is read next
      }
      dst.put(range(version, tailStart, (int) (length - tailStart)), (int) (offset - tailStart), dst.remaining());
      return;
    }
    long blockStart = offset / BLOCK * BLOCK;
    boolean oneBlock = offset + dst.remaining() <= blockStart + BLOCK;
    if (dst.remaining() <= SMALL_READ || (oneBlock && isKept(version, blockStart, length))) {
      if (blockStart == 0 && tailStart > 0) {
        prefetch(version, tailStart, (int) (length - tailStart)); // a footer read follows the magic
      }
      long position = offset;
      while (dst.hasRemaining()) {
        long start = position / BLOCK * BLOCK;
        byte[] block = range(version, start, (int) Math.min(BLOCK, length - start));
        int n = (int) Math.min(dst.remaining(), start + block.length - position);
        dst.put(block, (int) (position - start), n);
        position += n;
      }
      return;
    }
    dst.put(range(version, offset, dst.remaining()));
  }

  private boolean isKept(StoredObject version, long blockStart, long length) {
    synchronized (kept) {
      return kept.containsKey(new BlockKey(version, blockStart, (int) Math.min(BLOCK, length - blockStart)));
    }
  }

  /**
   * Starts fetching a range that is about to be asked for, so that the two ends of a file (magic,
   * footer) cost one round trip rather than two.
   */
  private void prefetch(StoredObject version, long offset, int length) {
    BlockKey key = new BlockKey(version, offset, length);
    synchronized (kept) {
      if (kept.containsKey(key) || inFlight.containsKey(key)) {
        return;
      }
    }
    PREFETCH.execute(() -> {
      try {
        range(version, offset, length);
      } catch (IOException | RuntimeException e) {
        // The reader that needs these bytes fetches them itself and reports the error.
      }
    });
  }

  /** The bytes of a range: kept, being fetched by another thread, or fetched now (and kept). */
  private byte[] range(StoredObject version, long offset, int length) throws IOException {
    BlockKey key = new BlockKey(version, offset, length);
    CompletableFuture<byte[]> mine = new CompletableFuture<>();
    CompletableFuture<byte[]> other;
    synchronized (kept) {
      byte[] b = kept.get(key);
      if (b != null) {
        return b;
      }
      other = inFlight.putIfAbsent(key, mine);
    }
    if (other != null) {
      try {
        return other.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted reading " + store.name() + "/" + version.key());
      } catch (ExecutionException e) {
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        throw new IOException(e.getCause());
      }
    }
    try {
      ByteBuffer buffer = ByteBuffer.allocate(length);
      fetch(version, offset, buffer);
      byte[] bytes = buffer.array();
      keep(key, bytes);
      mine.complete(bytes);
      return bytes;
    } catch (IOException | RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      synchronized (kept) {
        inFlight.remove(key);
      }
    }
  }

  private void keep(BlockKey key, byte[] bytes) {
    if (bytes.length > KEPT_BYTES / 8) {
      return;
    }
    synchronized (kept) {
      if (kept.put(key, bytes) == null) {
        keptBytes += bytes.length;
      }
      java.util.Iterator<Map.Entry<BlockKey, byte[]>> eldest = kept.entrySet().iterator();
      while (keptBytes > KEPT_BYTES && eldest.hasNext()) {
        keptBytes -= eldest.next().getValue().length;
        eldest.remove();
      }
    }
  }

  private void fetch(StoredObject version, long offset, ByteBuffer dst) throws IOException {
    requests.incrementAndGet();
    int n = dst.remaining();
    try {
      store.read(version, offset, dst);
    } catch (ObjectChangedException e) {
      // Let the next version check see the new object, so callers that retry on a changed
      // version (footer reads do) read it.
      synchronized (this) {
        relist();
      }
      throw e;
    }
    bytesRead.addAndGet(n);
  }

  @Override public FileSystemProvider provider() {
    return provider;
  }

  @Override public void close() throws IOException {
    store.close();
  }

  @Override public boolean isOpen() {
    return true;
  }

  @Override public boolean isReadOnly() {
    return true;
  }

  @Override public String getSeparator() {
    return "/";
  }

  @Override public Iterable<Path> getRootDirectories() {
    return List.of(ObjectPath.parse(this, "/"));
  }

  @Override public Iterable<FileStore> getFileStores() {
    return List.of();
  }

  @Override public Set<String> supportedFileAttributeViews() {
    return Set.of("basic");
  }

  @Override public Path getPath(String first, String... more) {
    StringBuilder b = new StringBuilder(first);
    for (String m : more) {
      b.append('/').append(m);
    }
    return ObjectPath.parse(this, b.toString());
  }

  @Override public PathMatcher getPathMatcher(String syntaxAndPattern) {
    throw new UnsupportedOperationException("path matchers on " + store.name());
  }

  @Override public UserPrincipalLookupService getUserPrincipalLookupService() {
    throw new UnsupportedOperationException();
  }

  @Override public WatchService newWatchService() {
    throw new UnsupportedOperationException("objects cannot be watched");
  }
}
