package io.pqvector.calcite.prepare;

import io.pqvector.calcite.VersionedSchema;
import java.util.function.Supplier;
import org.apache.calcite.jdbc.CalcitePrepare.CalciteSignature;

/**
 * The plan a prepared statement runs: the one it was prepared with while the files of its tables
 * are as they were then, else a plan made for the files as they are now (a statement prepared once
 * and run for days sees files added, removed and replaced since, as a new statement would). Each
 * run looks at the files of the plan's own tables only, so its cost does not grow with what else
 * lies under the root.
 */
final class CurrentPlan {
  private final VersionedSchema files;
  private final Supplier<PlanCache.Planned> planner;
  private long version;
  private PlanCache.Planned plan;

  /**
   * @param version the files' version known before {@code plan} was made
   * @param planner plans the statement again (through the plan cache where it has a key)
   */
  CurrentPlan(VersionedSchema files, long version, PlanCache.Planned plan,
      Supplier<PlanCache.Planned> planner) {
    this.files = files;
    this.version = version;
    this.plan = plan;
    this.planner = planner;
  }

  /** The plan for the files as they are now; looks at the files of the plan's tables. */
  synchronized CalciteSignature<?> get() {
    long now = files.currentVersion(plan.tables());
    if (now != version) {
      PlanCache.Planned fresh = planner.get();
      String was = plan.signature().rowType.getFullTypeString();
      String is = fresh.signature().rowType.getFullTypeString();
      if (!is.equals(was)) {
        throw new IllegalStateException("the columns of the query's tables changed since the"
            + " statement was prepared (" + was + " is now " + is + "); prepare it again");
      }
      plan = fresh;
      version = now;
    }
    return plan.signature();
  }
}
