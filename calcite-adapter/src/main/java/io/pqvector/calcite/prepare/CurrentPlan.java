package io.pqvector.calcite.prepare;

import io.pqvector.calcite.VersionedSchema;
import java.util.function.Supplier;
import org.apache.calcite.jdbc.CalcitePrepare.CalciteSignature;

/**
 * The plan a prepared statement runs: the one it was prepared with while the files are as they
 * were then, else a plan made for the files as they are now (a statement prepared once and run
 * for days sees files added, removed and replaced since, as a new statement would).
 */
final class CurrentPlan {
  private final VersionedSchema files;
  private final Supplier<CalciteSignature<?>> planner;
  private long version;
  private CalciteSignature<?> plan;

  /**
   * @param version the files' version taken before {@code plan} was made
   * @param planner plans the statement again (through the plan cache where it has a key)
   */
  CurrentPlan(VersionedSchema files, long version, CalciteSignature<?> plan,
      Supplier<CalciteSignature<?>> planner) {
    this.files = files;
    this.version = version;
    this.plan = plan;
    this.planner = planner;
  }

  /** The plan for the files as they are now; looks at the files (as preparing a query does). */
  synchronized CalciteSignature<?> get() {
    long now = files.currentVersion();
    if (now != version) {
      CalciteSignature<?> fresh = planner.get();
      if (!fresh.rowType.getFullTypeString().equals(plan.rowType.getFullTypeString())) {
        throw new IllegalStateException("the columns of the query's tables changed since the"
            + " statement was prepared (" + plan.rowType.getFullTypeString() + " is now "
            + fresh.rowType.getFullTypeString() + "); prepare it again");
      }
      plan = fresh;
      version = now;
    }
    return plan;
  }
}
