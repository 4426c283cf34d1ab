package io.pqvector.calcite;

/**
 * A schema whose tables follow files on disk. Its version changes whenever a table appears,
 * disappears or any of its files changes, which is what invalidates cached plans.
 */
public interface VersionedSchema {
  /** The current version, after looking at the files again. */
  long currentVersion();
}
