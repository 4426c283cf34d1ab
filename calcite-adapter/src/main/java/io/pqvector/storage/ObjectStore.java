package io.pqvector.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.List;

/**
 * Where table files live, reduced to what reading needs: listing the objects under a folder and
 * reading byte ranges of one object version. Every call is one request to the backing store, so
 * callers decide what to cache (see {@link ObjectFileSystem}).
 *
 * <p>Errors are the java.nio.file exceptions a local file system would give, naming the object:
 * {@link java.nio.file.NoSuchFileException} for a missing object or bucket,
 * {@link java.nio.file.AccessDeniedException} for a refused request, and
 * {@link ObjectChangedException} when the object no longer is the version asked for.
 */
public interface ObjectStore extends Closeable {
  /** How objects are named for people, e.g. {@code s3://bucket}; an object is {@code name() + "/" + key}. */
  String name();

  /** Every object whose key starts with {@code prefix} (a folder ending in '/', or ""), sorted by key. */
  List<StoredObject> list(String prefix) throws IOException;

  /** The current version of the object {@code key}. */
  StoredObject stat(String key) throws IOException;

  /**
   * Reads {@code dst.remaining()} bytes of {@code version} starting at {@code offset} (which the
   * caller has checked lie inside the object) into {@code dst}.
   */
  void read(StoredObject version, long offset, ByteBuffer dst) throws IOException;

  /**
   * Bytes of {@code version} that its listing fetched along the way (a store whose listing is a
   * ranged read of the object's end), as {@code {offset, bytes}}; null if none.
   */
  default Fetched fetchedWithListing(StoredObject version) {
    return null;
  }

  /** Bytes {@code offset..offset+bytes.length-1} of an object version. */
  record Fetched(long offset, byte[] bytes) {}

  @Override
  default void close() throws IOException {}

  /**
   * Replaces {@code version} by a new version of the same key: its bytes {@code [0, keep)}
   * followed by {@code tail}, only if the object still is {@code version}. On any failure the
   * object stays as it was. Returns the new version.
   *
   * @throws ObjectChangedException when the object is no longer {@code version} (nothing written)
   * @throws ReadOnlyFileSystemException when the store cannot write
   */
  default StoredObject replaceTail(StoredObject version, long keep, List<byte[]> tail) throws IOException {
    throw new ReadOnlyFileSystemException();
  }

  /**
   * Stores the local {@code file} as the object {@code key}, replacing an existing object only
   * when {@code replace}; on failure nothing is stored. Returns the new version.
   *
   * @throws java.nio.file.FileAlreadyExistsException when the object exists and not {@code replace}
   * @throws ReadOnlyFileSystemException when the store cannot write
   */
  default StoredObject upload(Path file, String key, boolean replace) throws IOException {
    throw new ReadOnlyFileSystemException();
  }
}
