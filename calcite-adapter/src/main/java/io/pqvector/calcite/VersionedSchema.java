package io.pqvector.calcite;

import java.util.Collection;

/**
 * A schema whose tables follow files on disk. Its version changes whenever a table is seen to
 * appear, disappear or change any of its files, which is what invalidates cached plans.
 */
public interface VersionedSchema {
  /**
   * The current version as far as {@code tables} are concerned, after looking at their files
   * again (and at the list of tables, where it may have changed); a change to other tables may
   * or may not be reflected. What a run of a plan over those tables checks: its cost follows the
   * tables the query reads, not everything under the root.
   */
  long currentVersion(Collection<String> tables);

  /** The version as last seen, without looking at the files. */
  long knownVersion();
}
