package io.pqvector.storage;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.spi.FileSystemProvider;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The provider of one {@link ObjectFileSystem}: reads only; writes fail as on a read-only file system. */
final class ObjectFileSystemProvider extends FileSystemProvider {
  private final ObjectFileSystem fs;

  ObjectFileSystemProvider(ObjectFileSystem fs) {
    this.fs = fs;
  }

  private ObjectPath cast(Path p) {
    if (!(p instanceof ObjectPath o) || o.getFileSystem() != fs) {
      throw new ProviderMismatchException(p + " is not in " + fs.store().name());
    }
    return (ObjectPath) o.toAbsolutePath();
  }

  @Override public String getScheme() {
    return "pqvector-objects";
  }

  @Override public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
    throw new UnsupportedOperationException("object file systems are made by ObjectFileSystem's constructor");
  }

  @Override public FileSystem getFileSystem(URI uri) {
    return fs;
  }

  @Override public Path getPath(URI uri) {
    return fs.getPath(uri.getPath());
  }

  @Override public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options,
      FileAttribute<?>... attrs) throws IOException {
    for (OpenOption o : options) {
      if (o != StandardOpenOption.READ && o != LinkOption.NOFOLLOW_LINKS) {
        throw new ReadOnlyFileSystemException();
      }
    }
    ObjectPath p = cast(path);
    ObjectAttributes a = fs.attributes(p);
    if (!a.isRegularFile()) {
      throw new IOException(p + " is a folder, not an object");
    }
    return new ObjectChannel(fs, a.object());
  }

  @Override public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options,
      FileAttribute<?>... attrs) throws IOException {
    return newFileChannel(path, options, attrs);
  }

  @Override public DirectoryStream<Path> newDirectoryStream(Path dir,
      DirectoryStream.Filter<? super Path> filter) throws IOException {
    List<ObjectPath> children = fs.children(cast(dir));
    return new DirectoryStream<>() {
      @Override public Iterator<Path> iterator() {
        return children.stream().<Path>map(p -> p).filter(p -> {
          try {
            return filter.accept(p);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }).iterator();
      }

      @Override public void close() {
      }
    };
  }

  @Override public void createDirectory(Path dir, FileAttribute<?>... attrs) {
    throw new ReadOnlyFileSystemException();
  }

  @Override public void delete(Path path) {
    throw new ReadOnlyFileSystemException();
  }

  @Override public void copy(Path source, Path target, CopyOption... options) {
    throw new ReadOnlyFileSystemException();
  }

  @Override public void move(Path source, Path target, CopyOption... options) {
    throw new ReadOnlyFileSystemException();
  }

  @Override public boolean isSameFile(Path path, Path path2) {
    return path.toAbsolutePath().normalize().equals(path2.toAbsolutePath().normalize());
  }

  @Override public boolean isHidden(Path path) {
    Path name = path.getFileName();
    return name != null && name.toString().startsWith(".");
  }

  @Override public FileStore getFileStore(Path path) {
    throw new UnsupportedOperationException("no file store for " + path);
  }

  @Override public void checkAccess(Path path, AccessMode... modes) throws IOException {
    fs.attributes(cast(path));
    for (AccessMode m : modes) {
      if (m != AccessMode.READ) {
        throw new AccessDeniedException(path.toString(), null, "objects are read-only here");
      }
    }
  }

  @Override @SuppressWarnings("unchecked")
  public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type,
      LinkOption... options) {
    if (type != BasicFileAttributeView.class) {
      return null;
    }
    ObjectPath p = cast(path);
    return (V) new BasicFileAttributeView() {
      @Override public String name() {
        return "basic";
      }

      @Override public BasicFileAttributes readAttributes() throws IOException {
        return fs.attributes(p);
      }

      @Override public void setTimes(FileTime m, FileTime a, FileTime c) {
        throw new ReadOnlyFileSystemException();
      }
    };
  }

  @Override @SuppressWarnings("unchecked")
  public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type,
      LinkOption... options) throws IOException {
    if (!type.isAssignableFrom(ObjectAttributes.class)) {
      throw new UnsupportedOperationException(type.getSimpleName() + " of " + path);
    }
    return (A) fs.attributes(cast(path));
  }

  @Override public Map<String, Object> readAttributes(Path path, String attributes,
      LinkOption... options) throws IOException {
    ObjectAttributes a = fs.attributes(cast(path));
    return Map.of("size", a.size(), "lastModifiedTime", a.lastModifiedTime(),
        "isRegularFile", a.isRegularFile(), "isDirectory", a.isDirectory(),
        "isSymbolicLink", false, "isOther", false);
  }

  @Override public void setAttribute(Path path, String attribute, Object value, LinkOption... options) {
    throw new ReadOnlyFileSystemException();
  }
}
