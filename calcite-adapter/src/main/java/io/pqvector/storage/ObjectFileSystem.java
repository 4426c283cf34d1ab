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
 *   <li>Ranges a query is about to read (the probed lists' pages) can be announced with
 *       {@link #prefetch}: nearby ones are merged and fetched in parallel.
 *   <li>Every request runs on a pool thread while the query waits polling its cancel flag
 *       ({@link ObjectRequests}), so cancel and timeout stop a query waiting for a response, and
 *       abort the request ({@link RequestAbort}).
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
  /** Ranges to prefetch this close are fetched as one (a request costs more than the bytes between). */
  static final long GAP = 256 * 1024;
  static final long MAX_MERGED = 8L << 20;
  /** Requests of one prefetch in flight at once. */
  static final int PARALLEL = 8;
  /** How often a query waiting for a response looks at its cancel flag. */
  static final long CANCEL_POLL_MILLIS = 50;

  private final ObjectStore store;
  private final String prefix;
  private final long refreshNanos;
  private final ObjectFileSystemProvider provider = new ObjectFileSystemProvider(this);
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong bytesRead = new AtomicLong();
  /** Fetched and in-flight ranges per object version, by offset; guarded by itself. */
  private final Map<StoredObject, TreeMap<Long, Range>> ranges = new java.util.HashMap<>();
  /** The fetched ranges, least recently used first; guarded by {@link #ranges}. */
  private final LinkedHashMap<Range, Boolean> kept = new LinkedHashMap<>(64, 0.75f, true);
  private long keptBytes;
  /** Runs every request, so that a waiting query can give up on it (cancel, timeout). */
  private static final java.util.concurrent.ExecutorService FETCH =
      java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pqvector-object-fetch");
        t.setDaemon(true);
        return t;
      });
  private volatile Listing listing;

  private record Listing(long takenNanos, NavigableMap<String, StoredObject> objects) {}

  /** Bytes {@code offset..offset+length-1} of one version: fetched, or being fetched. */
  private static final class Range {
    final StoredObject version;
    final long offset;
    final int length;
    final CompletableFuture<byte[]> bytes = new CompletableFuture<>();
    /** The query the range was fetched for (its cancellation may abort the request), or null. */
    final ObjectRequests owner;
    final RequestAbort abort = new RequestAbort();

    Range(StoredObject version, long offset, int length, ObjectRequests owner) {
      this.version = version;
      this.offset = offset;
      this.length = length;
      this.owner = owner;
    }

    long end() {
      return offset + length;
    }
  }

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
    ObjectRequests scope = ObjectRequests.current();
    counted(scope);
    TreeMap<String, StoredObject> objects = new TreeMap<>();
    for (StoredObject o : store.list(prefix)) {
      objects.put(o.key(), o);
      ObjectStore.Fetched f = store.fetchedWithListing(o);
      if (f != null) {
        // The listing read the object's end: keep it, the footer read needs no request.
        Range r = new Range(o, f.offset(), f.bytes().length, null);
        r.bytes.complete(f.bytes());
        bytesRead.addAndGet(f.bytes().length);
        if (scope != null) {
          scope.received(f.bytes().length);
        }
        synchronized (ranges) {
          if (covering(o, f.offset()) == null) {
            ranges.computeIfAbsent(o, v -> new TreeMap<>()).put(r.offset, r);
            keep(r);
          }
        }
      }
    }
    listing = new Listing(System.nanoTime(), objects);
  }

  private void counted(ObjectRequests scope) {
    requests.incrementAndGet();
    if (scope != null) {
      scope.requested();
    }
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
    counted(ObjectRequests.current());
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
   * Reads {@code dst.remaining()} bytes of {@code version} at {@code offset} for {@code scope}
   * (the query reading, or null), through the kept ranges: the tail for reads in the last
   * {@link #TAIL} bytes; aligned blocks for small reads (parsers read in 64 KiB steps, and
   * neighbouring steps, offset indexes and pages of one column land in one block); other ranges as
   * asked. A read inside a range fetched before, or being fetched (see {@link #prefetch}), takes
   * its bytes from it. What was fetched is kept, within {@link #KEPT_BYTES}, so a repeated query
   * makes no request.
   */
  void read(StoredObject version, long offset, ByteBuffer dst, ObjectRequests scope) throws IOException {
    long length = version.length();
    long tailStart = Math.max(0, length - TAIL);
    if (offset >= tailStart && tailStart > 0) {
      start(version, 0, (int) Math.min(BLOCK, length), scope, null); // the magic is read next
    }
    long position = offset;
    while (dst.hasRemaining()) {
      Range r;
      synchronized (ranges) {
        r = covering(version, position);
      }
      if (r == null) {
        if (position >= tailStart) {
          r = start(version, tailStart, (int) (length - tailStart), scope, null);
        } else if (dst.remaining() <= SMALL_READ) {
          long blockStart = position / BLOCK * BLOCK;
          if (blockStart == 0 && tailStart > 0) {
            start(version, tailStart, (int) (length - tailStart), scope, null); // a footer read follows
          }
          r = start(version, blockStart, (int) Math.min(BLOCK, length - blockStart), scope, null);
        } else {
          long end;
          synchronized (ranges) {
            TreeMap<Long, Range> m = ranges.get(version);
            Long next = m == null ? null : m.higherKey(position);
            end = Math.min(position + dst.remaining(), next == null ? Long.MAX_VALUE : next);
          }
          r = start(version, position, (int) (end - position), scope, null);
        }
      }
      byte[] bytes = await(r, scope);
      if (bytes == null) {
        continue; // another query's cancellation stopped the request: fetch it again
      }
      int n = (int) Math.min(dst.remaining(), r.end() - position);
      dst.put(bytes, (int) (position - r.offset), n);
      position += n;
    }
  }

  /**
   * Starts fetching byte ranges of {@code file} that a query is about to read, if it is an object
   * (for a local file this does nothing): ranges less than {@link #GAP} apart are merged (up to
   * {@link #MAX_MERGED} bytes), ranges already kept or being fetched are skipped, and the rest are
   * requested in parallel, at most {@link #PARALLEL} at a time. The reads that follow wait for
   * them instead of making one round trip after another.
   */
  public static void prefetch(Path file, long[] offsets, long[] lengths) throws IOException {
    if (!(file.toAbsolutePath() instanceof ObjectPath)) {
      return;
    }
    file = file.toAbsolutePath();
    if (!(file instanceof ObjectPath p) || offsets.length == 0) {
      return;
    }
    ObjectFileSystem fs = (ObjectFileSystem) p.getFileSystem();
    ObjectAttributes a = fs.attributes((ObjectPath) p.toAbsolutePath());
    if (!a.isRegularFile()) {
      return;
    }
    StoredObject version = a.object();
    long[][] sorted = new long[offsets.length][];
    for (int i = 0; i < offsets.length; i++) {
      sorted[i] = new long[] {offsets[i], offsets[i] + lengths[i]};
    }
    java.util.Arrays.sort(sorted, (x, y) -> Long.compare(x[0], y[0]));
    ObjectRequests scope = ObjectRequests.current();
    java.util.concurrent.Semaphore gate = new java.util.concurrent.Semaphore(PARALLEL);
    long start = -1;
    long end = -1;
    for (long[] r : sorted) {
      long from = Math.max(0, r[0]);
      long to = Math.min(version.length(), r[1]);
      if (to <= from) {
        continue;
      }
      if (start >= 0 && from - end <= GAP && Math.max(end, to) - start <= MAX_MERGED) {
        end = Math.max(end, to);
        continue;
      }
      if (start >= 0) {
        fs.startUnlessKept(version, start, end, scope, gate);
      }
      start = from;
      end = to;
    }
    if (start >= 0) {
      fs.startUnlessKept(version, start, end, scope, gate);
    }
  }

  /** Whether {@code file} is an object in a store (not a local file). */
  public static boolean isObject(Path file) {
    return file instanceof ObjectPath;
  }

  private void startUnlessKept(StoredObject version, long start, long end, ObjectRequests scope,
      java.util.concurrent.Semaphore gate) {
    // Trim what kept or in-flight ranges already cover at either end.
    synchronized (ranges) {
      Range r;
      while (start < end && (r = covering(version, start)) != null) {
        start = r.end();
      }
    }
    if (start < end) {
      start(version, start, (int) (end - start), scope, gate);
    }
  }

  /** The kept or in-flight range holding byte {@code position} of {@code version}, or null; under the lock. */
  private Range covering(StoredObject version, long position) {
    TreeMap<Long, Range> m = ranges.get(version);
    if (m == null) {
      return null;
    }
    int looked = 0;
    for (Range r : m.headMap(position, true).descendingMap().values()) {
      if (r.end() > position) {
        kept.get(r); // most recently used
        return r;
      }
      if (++looked == 16) {
        break;
      }
    }
    return null;
  }

  /** The range {@code offset..offset+length-1}, as kept or in flight, else fetched from now on. */
  private Range start(StoredObject version, long offset, int length, ObjectRequests scope,
      java.util.concurrent.Semaphore gate) {
    Range r;
    synchronized (ranges) {
      Range covering = covering(version, offset);
      if (covering != null && covering.end() >= offset + length) {
        return covering;
      }
      r = new Range(version, offset, length, scope);
      Range replaced = ranges.computeIfAbsent(version, v -> new TreeMap<>()).put(offset, r);
      if (replaced != null && kept.remove(replaced) != null) {
        keptBytes -= replaced.length;
      }
    }
    counted(scope);
    FETCH.execute(() -> fetch(r, gate));
    return r;
  }

  private void fetch(Range r, java.util.concurrent.Semaphore gate) {
    try {
      if (gate != null) {
        gate.acquire();
      }
      try {
        ByteBuffer buffer = ByteBuffer.allocate(r.length);
        r.abort.run(() -> store.read(r.version, r.offset, buffer));
        byte[] bytes = buffer.array();
        bytesRead.addAndGet(bytes.length);
        if (r.owner != null) {
          r.owner.received(bytes.length);
        }
        synchronized (ranges) {
          keep(r);
        }
        r.bytes.complete(bytes);
      } finally {
        if (gate != null) {
          gate.release();
        }
      }
    } catch (ObjectChangedException e) {
      forget(r);
      // Let the next version check see the new object, so callers that retry on a changed
      // version (footer reads do) read it.
      try {
        synchronized (this) {
          relist();
        }
      } catch (IOException | RuntimeException listing) {
        e.addSuppressed(listing);
      }
      r.bytes.completeExceptionally(e);
    } catch (Throwable e) {
      forget(r);
      r.bytes.completeExceptionally(r.abort.isAborted() || e instanceof InterruptedException
          ? new RequestAbortedException(store.name() + "/" + r.version.key()) : e);
    }
  }

  private void forget(Range r) {
    synchronized (ranges) {
      TreeMap<Long, Range> m = ranges.get(r.version);
      if (m != null && m.remove(r.offset, r) && m.isEmpty()) {
        ranges.remove(r.version);
      }
    }
  }

  /**
   * The bytes of {@code r}, once fetched; null when another query's cancellation aborted it. While
   * waiting, polls the reading query's cancellation: a cancelled query stops waiting at once, and
   * aborts the request if it was made for it.
   */
  private byte[] await(Range r, ObjectRequests scope) throws IOException {
    while (true) {
      try {
        return r.bytes.get(CANCEL_POLL_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        if (scope != null) {
          try {
            scope.checkCancelled();
          } catch (RuntimeException cancelled) {
            if (r.owner == scope) {
              r.abort.abort();
            }
            throw cancelled;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        if (r.owner == scope) {
          r.abort.abort();
        }
        throw new java.io.InterruptedIOException("interrupted reading " + store.name() + "/" + r.version.key());
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RequestAbortedException && r.owner != scope) {
          return null;
        }
        if (cause instanceof IOException io) {
          throw io;
        }
        if (cause instanceof RuntimeException re) {
          throw re;
        }
        throw new IOException(cause);
      }
    }
  }

  /** Keeps a fetched range, dropping the least recently used beyond {@link #KEPT_BYTES}; under the lock. */
  private void keep(Range r) {
    if (r.length > KEPT_BYTES / 8) {
      TreeMap<Long, Range> m = ranges.get(r.version);
      if (m != null) {
        m.remove(r.offset, r);
      }
      return;
    }
    if (kept.put(r, Boolean.TRUE) == null) {
      keptBytes += r.length;
    }
    java.util.Iterator<Range> eldest = kept.keySet().iterator();
    while (keptBytes > KEPT_BYTES && eldest.hasNext()) {
      Range old = eldest.next();
      eldest.remove();
      keptBytes -= old.length;
      TreeMap<Long, Range> m = ranges.get(old.version);
      if (m != null && m.remove(old.offset, old) && m.isEmpty()) {
        ranges.remove(old.version);
      }
    }
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
