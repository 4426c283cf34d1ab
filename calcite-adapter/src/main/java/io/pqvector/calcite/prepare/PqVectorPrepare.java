package io.pqvector.calcite.prepare;

import io.pqvector.calcite.VersionedSchema;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.calcite.jdbc.CalciteConnection;
import io.pqvector.calcite.function.VectorOperators;
import java.lang.reflect.Type;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.config.CalciteConnectionConfig;
import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.prepare.CalcitePrepareImpl;
import org.apache.calcite.prepare.Prepare;
import org.apache.calcite.rel.hint.HintPredicates;
import org.apache.calcite.rel.hint.HintStrategyTable;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.sql.SqlOperatorTable;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.util.SqlOperatorTables;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql2rel.SqlToRelConverter;
import io.pqvector.calcite.VectorTopKRule;
import org.apache.calcite.tools.Program;
import org.apache.calcite.tools.Programs;

/**
 * Calcite's statement preparation with pqvector's additions: the vector functions in the operator
 * table (as real operators, so a bare {@code ?} can be typed) and the {@code nprobe} and
 * {@code recall} query hints,
 * which the stock JDBC path would drop (it uses an empty hint strategy table).
 */
public class PqVectorPrepare extends CalcitePrepareImpl {
  static final HintStrategyTable HINTS = HintStrategyTable.builder()
      .hintStrategy(VectorTopKRule.NPROBE_HINT, HintPredicates.or(HintPredicates.PROJECT,
          HintPredicates.TABLE_SCAN, HintPredicates.FILTER, HintPredicates.SORT,
          HintPredicates.CALC))
      .hintStrategy(VectorTopKRule.RECALL_HINT, HintPredicates.or(HintPredicates.PROJECT,
          HintPredicates.TABLE_SCAN, HintPredicates.FILTER, HintPredicates.SORT,
          HintPredicates.CALC))
      .build();

  /** What the JVM-wide plan cache has done: plans made, plans reused, plans held now. */
  public record PlanCacheStats(long built, long reused, long size) {}

  /** The JVM-wide plan cache's figures (the server reports them; tests check sharing by them). */
  public static PlanCacheStats planCacheStats() {
    return PlanCache.stats();
  }

  /**
   * Plans a query, reusing the plan of an earlier query with the same text, or one that differed
   * only in its vector literals, made for the same files and settings (by any connection).
   * Parsing, validation, planning and code generation cost tens of milliseconds (mostly Janino),
   * which would otherwise be paid by every literal-vector query and by every connection that
   * prepares a statement another has prepared (a pool's connections, a server's clients); and
   * each plan's generated classes would be loaded, and compiled by the JIT, once per connection.
   */
  @Override public <T> CalciteSignature<T> prepareSql(CalcitePrepare.Context context,
      CalcitePrepare.Query<T> query, Type elementType, long maxRowCount) {
    if (query.sql == null) {
      return super.prepareSql(context, query, elementType, maxRowCount);
    }
    rejectWrites(query.sql);
    VectorLiteralLifter.Lifted lifted = VectorLiteralLifter.lift(query.sql);
    VersionedSchema files = SchemaVersions.find(context.getRootSchema());
    // The version as last seen: planning lists the files itself, and each run looks at those of
    // the plan's tables (a plan found in the cache for an older state is made again then).
    long version = files == null ? 0 : files.knownVersion();
    // Planning again for a later run needs a context of its own: this one holds a snapshot of
    // the schema as it is now.
    Supplier<CalcitePrepare.Context> later = () -> freshContext(context);
    Supplier<PlanCache.Planned> asWritten = () -> PlanCache.Planned.of(
        () -> super.prepareSql(later.get(), query, elementType, maxRowCount));
    if (files == null) {
      CalciteSignature<T> plain = super.prepareSql(context, query, elementType, maxRowCount);
      return PlanCache.bind(query.sql, plain,
          VectorLiteralLifter.Lifted.none(query.sql, plain.parameters.size()), plain.rootSchema,
          null);
    }
    Function<CalcitePrepare.Context, PlanCache.Planned> cached = c -> PlanCache.get(
        PlanCache.Key.of(files, c.getDefaultSchemaPath(), lifted.template, elementType,
            maxRowCount),
        () -> PlanCache.Planned.of(() -> super.prepareSql(c,
            CalcitePrepare.Query.of(lifted.template), elementType, maxRowCount)));
    PlanCache.Planned template;
    try {
      template = cached.apply(context);
    } catch (RuntimeException e) {
      if (lifted.values.isEmpty()) {
        throw e; // the template is the query as written: its errors are the query's own
      }
      // The query as written is the reference: plan it so, and report its own errors.
      PlanCache.Planned plain = PlanCache.Planned.of(
          () -> super.prepareSql(context, query, elementType, maxRowCount));
      return PlanCache.bind(query.sql, plain.signature(),
          VectorLiteralLifter.Lifted.none(query.sql, plain.signature().parameters.size()),
          plain.signature().rootSchema, new CurrentPlan(files, version, plain, asWritten));
    }
    // Nothing lifted: the parameters are the user's, as many as Calcite found.
    VectorLiteralLifter.Lifted parameters = lifted.values.isEmpty()
        ? VectorLiteralLifter.Lifted.none(query.sql, template.signature().parameters.size())
        : lifted;
    CalciteSignature<T> bound = PlanCache.bind(query.sql, template.signature(), parameters,
        context.getRootSchema(),
        new CurrentPlan(files, version, template, () -> cached.apply(later.get())));
    return !lifted.values.isEmpty() && VectorLiteralLifter.isExplain(query.sql)
        ? PlanCache.showingVectors(bound, lifted) : bound;
  }

  /** A new prepare context of the connection {@code context} belongs to. */
  private static CalcitePrepare.Context freshContext(CalcitePrepare.Context context) {
    return context.getDataContext().getQueryProvider() instanceof CalciteConnection connection
        ? connection.createPrepareContext() : context;
  }

  /** Statements that write: the tables are Parquet files other tools own, so say so. */
  private static final Pattern WRITE_STATEMENT = Pattern.compile(
      "^\\s*(?:(?:--[^\\n]*\\n|/\\*.*?\\*/)\\s*)*(CREATE|DROP|ALTER|TRUNCATE|INSERT|UPDATE|DELETE"
          + "|MERGE|UPSERT|GRANT|REVOKE|RENAME|REPLACE|COPY)\\b",
      Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

  private static void rejectWrites(String sql) {
    Matcher m = WRITE_STATEMENT.matcher(sql);
    if (m.find()) {
      throw new UnsupportedOperationException("pqvector is read-only: "
          + m.group(1).toUpperCase(Locale.ROOT) + " is not supported (tables are"
          + " Parquet files; change them with the tool that writes them)");
    }
  }

  @Override protected CalcitePreparingStmt getPreparingStmt(CalcitePrepare.Context context,
      Type elementType, CalciteCatalogReader catalogReader, RelOptPlanner planner) {
    EnumerableRel.Prefer prefer = elementType == Object[].class
        ? EnumerableRel.Prefer.ARRAY : EnumerableRel.Prefer.CUSTOM;
    return new PreparingStmt(this, context, catalogReader, context.getRootSchema(), prefer,
        createCluster(planner, new RexBuilder(context.getTypeFactory())),
        createConvertletTable());
  }

  /** Validator and SQL-to-rel converter with the vector operators and hints. */
  static final class PreparingStmt extends CalcitePreparingStmt {
    private final CalcitePrepare.Context context;

    PreparingStmt(CalcitePrepareImpl prepare, CalcitePrepare.Context context,
        Prepare.CatalogReader catalogReader, CalciteSchema schema, EnumerableRel.Prefer prefer,
        org.apache.calcite.plan.RelOptCluster cluster,
        org.apache.calcite.sql2rel.SqlRexConvertletTable convertlets) {
      super(prepare, context, catalogReader, context.getTypeFactory(), schema, prefer, cluster,
          EnumerableConvention.INSTANCE, convertlets);
      this.context = context;
    }

    @Override protected SqlValidator createSqlValidator(Prepare.CatalogReader catalogReader,
        UnaryOperator<SqlValidator.Config> configTransform) {
      CalciteConnectionConfig config = context.config();
      SqlOperatorTable operators = SqlOperatorTables.chain(
          config.fun(SqlOperatorTable.class, SqlStdOperatorTable.instance()),
          VectorOperators.table(), catalogReader);
      SqlValidator.Config validatorConfig = configTransform.apply(SqlValidator.Config.DEFAULT
          .withLenientOperatorLookup(config.lenientOperatorLookup())
          .withConformance(config.conformance())
          .withDefaultNullCollation(config.defaultNullCollation())
          .withIdentifierExpansion(true));
      return new PqVectorValidator(operators, (CalciteCatalogReader) catalogReader,
          context.getTypeFactory(), validatorConfig);
    }

    /** Calcite's program, then REAL/DOUBLE/ARRAY sort keys ordered as DuckDB orders them. */
    @Override protected Program getProgram() {
      return Programs.sequence(super.getProgram(), TotalOrderSort.PROGRAM);
    }

    @Override protected SqlToRelConverter getSqlToRelConverter(SqlValidator validator,
        Prepare.CatalogReader catalogReader, SqlToRelConverter.Config config) {
      return super.getSqlToRelConverter(validator, catalogReader,
          config.withHintStrategyTable(HINTS));
    }
  }

}
