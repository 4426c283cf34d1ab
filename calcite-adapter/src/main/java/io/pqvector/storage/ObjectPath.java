package io.pqvector.storage;

import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A path in an {@link ObjectFileSystem}: {@code /} then '/'-separated key segments. Absolute paths
 * print as the object's name ({@code s3://bucket/prefix/x.parquet}), so error messages that name
 * a file name the object.
 */
final class ObjectPath implements Path {
  private final ObjectFileSystem fs;
  private final boolean absolute;
  private final String[] segments;

  ObjectPath(ObjectFileSystem fs, boolean absolute, String[] segments) {
    this.fs = fs;
    this.absolute = absolute;
    this.segments = segments;
  }

  static ObjectPath parse(ObjectFileSystem fs, String text) {
    List<String> parts = new ArrayList<>();
    for (String s : text.split("/")) {
      if (!s.isEmpty()) {
        parts.add(s);
      }
    }
    return new ObjectPath(fs, text.startsWith("/"), parts.toArray(new String[0]));
  }

  /** The object key of an absolute path ("" for the root). */
  String key() {
    return String.join("/", segments);
  }

  @Override public FileSystem getFileSystem() {
    return fs;
  }

  @Override public boolean isAbsolute() {
    return absolute;
  }

  @Override public Path getRoot() {
    return absolute ? new ObjectPath(fs, true, new String[0]) : null;
  }

  @Override public Path getFileName() {
    return segments.length == 0 ? null : new ObjectPath(fs, false, new String[] {segments[segments.length - 1]});
  }

  @Override public Path getParent() {
    if (segments.length == 0 || (!absolute && segments.length == 1)) {
      return absolute && segments.length == 1 ? getRoot() : null;
    }
    return new ObjectPath(fs, absolute, Arrays.copyOf(segments, segments.length - 1));
  }

  @Override public int getNameCount() {
    return segments.length;
  }

  @Override public Path getName(int index) {
    return new ObjectPath(fs, false, new String[] {segments[index]});
  }

  @Override public Path subpath(int begin, int end) {
    return new ObjectPath(fs, false, Arrays.copyOfRange(segments, begin, end));
  }

  @Override public boolean startsWith(Path other) {
    ObjectPath o = cast(other);
    if (o.absolute != absolute || o.segments.length > segments.length) {
      return false;
    }
    for (int i = 0; i < o.segments.length; i++) {
      if (!o.segments[i].equals(segments[i])) {
        return false;
      }
    }
    return true;
  }

  @Override public boolean endsWith(Path other) {
    ObjectPath o = cast(other);
    if (o.absolute) {
      return equals(o);
    }
    if (o.segments.length > segments.length) {
      return false;
    }
    int shift = segments.length - o.segments.length;
    for (int i = 0; i < o.segments.length; i++) {
      if (!o.segments[i].equals(segments[shift + i])) {
        return false;
      }
    }
    return true;
  }

  @Override public Path normalize() {
    List<String> out = new ArrayList<>();
    for (String s : segments) {
      if (s.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
      } else if (!s.equals(".")) {
        out.add(s);
      }
    }
    return new ObjectPath(fs, absolute, out.toArray(new String[0]));
  }

  @Override public Path resolve(Path other) {
    ObjectPath o = cast(other);
    if (o.absolute) {
      return o;
    }
    String[] joined = Arrays.copyOf(segments, segments.length + o.segments.length);
    System.arraycopy(o.segments, 0, joined, segments.length, o.segments.length);
    return new ObjectPath(fs, absolute, joined);
  }

  @Override public Path resolve(String other) {
    return resolve(parse(fs, other));
  }

  @Override public Path relativize(Path other) {
    ObjectPath o = cast(other);
    if (!o.startsWith(this)) {
      throw new IllegalArgumentException(other + " is not under " + this);
    }
    return new ObjectPath(fs, false, Arrays.copyOfRange(o.segments, segments.length, o.segments.length));
  }

  @Override public URI toUri() {
    return URI.create(toAbsolutePath().toString());
  }

  @Override public Path toAbsolutePath() {
    return absolute ? this : new ObjectPath(fs, true, segments);
  }

  @Override public Path toRealPath(LinkOption... options) throws java.io.IOException {
    ObjectPath real = (ObjectPath) toAbsolutePath().normalize();
    fs.attributes(real); // fails as a file system would when there is nothing there
    return real;
  }

  @Override public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events,
      WatchEvent.Modifier... modifiers) {
    throw new UnsupportedOperationException("objects cannot be watched");
  }

  @Override public int compareTo(Path other) {
    return toString().compareTo(other.toString());
  }

  @Override public boolean equals(Object o) {
    return o instanceof ObjectPath p && p.fs == fs && p.absolute == absolute
        && Arrays.equals(p.segments, segments);
  }

  @Override public int hashCode() {
    return Arrays.hashCode(segments) * 31 + (absolute ? 1 : 0);
  }

  @Override public String toString() {
    String joined = String.join("/", segments);
    return absolute ? fs.store().name() + "/" + joined : joined;
  }

  private ObjectPath cast(Path other) {
    if (!(other instanceof ObjectPath o) || o.fs != fs) {
      throw new ProviderMismatchException(other + " is not in " + fs.store().name());
    }
    return o;
  }
}
