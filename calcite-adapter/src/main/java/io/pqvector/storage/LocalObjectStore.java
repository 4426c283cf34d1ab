package io.pqvector.storage;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A local directory as an {@link ObjectStore}: keys are '/'-separated paths below the root, and an
 * object's version is its size and modification time (a local file has no ETag).
 */
public final class LocalObjectStore implements ObjectStore {
  private final Path root;

  public LocalObjectStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  public String name() {
    return root.toString();
  }

  @Override
  public List<StoredObject> list(String prefix) throws IOException {
    List<StoredObject> result = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String key = keyOf(p);
        if (key.startsWith(prefix) && Files.isRegularFile(p)) {
          result.add(version(key, Files.readAttributes(p, BasicFileAttributes.class)));
        }
      }
    }
    result.sort((a, b) -> a.key().compareTo(b.key()));
    return result;
  }

  @Override
  public StoredObject stat(String key) throws IOException {
    return version(key, Files.readAttributes(root.resolve(key), BasicFileAttributes.class));
  }

  @Override
  public void read(StoredObject version, long offset, ByteBuffer dst) throws IOException {
    Path file = root.resolve(version.key());
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      if (!version(version.key(), Files.readAttributes(file, BasicFileAttributes.class)).equals(version)) {
        throw new ObjectChangedException(file.toString());
      }
      long position = offset;
      while (dst.hasRemaining()) {
        int n = channel.read(dst, position);
        if (n < 0) {
          throw new EOFException(file + " ends at " + position);
        }
        position += n;
      }
    }
  }

  private String keyOf(Path p) {
    return root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
  }

  private static StoredObject version(String key, BasicFileAttributes a) {
    long modified = a.lastModifiedTime().toMillis();
    return new StoredObject(key, a.size(), a.size() + "-" + modified, modified);
  }
}
