package io.pqvector.calcite;

import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The tables of a {@link VersionedSchema} that a statement's plan reads, recorded on the planning
 * thread as each is turned into a scan: what the plan depends on, so that a run looks at those
 * tables' files only, not at everything under the root. (Looking a name up is no sign: Calcite
 * loads every table of the schema to resolve one name without regard to case.)
 */
public final class PlannedTables {
  private static final ThreadLocal<Set<String>> RECORDING = new ThreadLocal<>();

  private PlannedTables() {}

  /** What {@code planning} returned, with the names of the tables its plan reads. */
  public record Recorded<T>(T value, Set<String> tables) {}

  public static <T> Recorded<T> record(Supplier<T> planning) {
    Set<String> outer = RECORDING.get();
    Set<String> names = new TreeSet<>();
    RECORDING.set(names);
    try {
      T value = planning.get();
      return new Recorded<>(value, Set.copyOf(names));
    } finally {
      RECORDING.set(outer);
      if (outer != null) {
        outer.addAll(names); // a planning inside another: the outer plan reads these too
      }
    }
  }

  /** Notes that the plan being made reads {@code table}. */
  static void reads(String table) {
    Set<String> names = RECORDING.get();
    if (names != null) {
      names.add(table);
    }
  }
}
