package io.pqvector.storage;

import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/** A stored object (or a folder, which exists as long as objects lie under it) seen as file attributes. */
record ObjectAttributes(StoredObject object) implements BasicFileAttributes {
  static final ObjectAttributes FOLDER = new ObjectAttributes(null);

  @Override public FileTime lastModifiedTime() {
    return FileTime.fromMillis(object == null ? 0 : object.modifiedMillis());
  }

  @Override public FileTime lastAccessTime() {
    return lastModifiedTime();
  }

  @Override public FileTime creationTime() {
    return lastModifiedTime();
  }

  @Override public boolean isRegularFile() {
    return object != null;
  }

  @Override public boolean isDirectory() {
    return object == null;
  }

  @Override public boolean isSymbolicLink() {
    return false;
  }

  @Override public boolean isOther() {
    return false;
  }

  @Override public long size() {
    return object == null ? 0 : object.length();
  }

  /** The version tag: two versions of one key with equal size and time still differ here. */
  @Override public Object fileKey() {
    return object == null ? null : object.key() + "@" + object.tag();
  }
}
