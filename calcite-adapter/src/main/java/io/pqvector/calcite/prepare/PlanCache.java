package io.pqvector.calcite.prepare;

import io.pqvector.calcite.PlannedTables;
import io.pqvector.calcite.VersionedSchema;
import io.pqvector.calcite.cancel.QueryDeadline;
import io.pqvector.calcite.function.FloatVector;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.util.concurrent.ExecutionError;
import com.google.common.util.concurrent.UncheckedExecutionException;
import java.lang.reflect.Field;
import java.lang.reflect.Type;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.calcite.DataContext;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.avatica.AvaticaParameter;
import org.apache.calcite.avatica.ColumnMetaData;
import org.apache.calcite.jdbc.CalcitePrepare.CalciteSignature;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.linq4j.QueryProvider;
import org.apache.calcite.runtime.Bindable;
import org.apache.calcite.schema.SchemaPlus;

/**
 * Plans of queries whose vector literals were lifted into parameters, one bounded cache for the
 * whole JVM. A query that differs from an earlier one only in its query vector reuses that plan
 * and its generated code; only the vector is bound anew. Connections share plans through their
 * file-backed schema: connections with the same directory and settings are given one schema
 * instance (see the JDBC driver), and a plan is keyed by that instance, so a connection with other
 * settings (nprobe, recall, useIndex, ...) never reuses it. An entry is used only while the schema
 * version it was planned against is current, so a plan never outlives the files it was made for.
 */
final class PlanCache {
  /**
   * Plans kept for the whole JVM; the least recently used go first. Guava's LRU cache, as for the
   * data caches ({@link io.pqvector.cache.ByteBoundedCache}): Caffeine's admission policy may drop
   * a plan the moment it is made when the cache is full of older plans, and the next query of the
   * same shape, usually right after, would plan again.
   */
  static final int CAPACITY = 512;

  private static final Cache<Key, Planned> SHARED = CacheBuilder.newBuilder()
      .maximumSize(CAPACITY).build();
  /**
   * An identity per schema instance that does not keep the schema alive: a key holds this token,
   * never the schema, so a cached plan outlives neither its connections' memory nor their files.
   */
  private static final Map<VersionedSchema, Object> SCHEMA_TOKENS =
      Collections.synchronizedMap(new WeakHashMap<>());
  private static final AtomicLong BUILT = new AtomicLong();
  private static final AtomicLong REUSED = new AtomicLong();

  private PlanCache() {}

  /** A plan and the tables of the file-backed schema it reads (their files decide its version). */
  record Planned(CalciteSignature<?> signature, Set<String> tables) {
    /** What {@code planning} made, with the tables its plan reads. */
    static Planned of(Supplier<? extends CalciteSignature<?>> planning) {
      PlannedTables.Recorded<? extends CalciteSignature<?>> r = PlannedTables.record(planning);
      return new Planned(r.value(), r.tables());
    }
  }

  /**
   * What a cached plan depends on: the schema instance (its directory and settings), its file
   * version as last seen (each run looks at the files of the plan's tables: {@link CurrentPlan}),
   * the default schema path, the query text with vectors lifted, the row type and limit.
   */
  record Key(Object schema, long schemaVersion, List<String> defaultSchemaPath, String template,
      Type elementType, long maxRowCount) {
    static Key of(VersionedSchema schema, List<String> defaultSchemaPath, String template,
        Type elementType, long maxRowCount) {
      Object token = SCHEMA_TOKENS.computeIfAbsent(schema, s -> new Object());
      return new Key(token, schema.knownVersion(), defaultSchemaPath == null ? List.of()
          : List.copyOf(defaultSchemaPath), template, elementType, maxRowCount);
    }
  }

  /**
   * The cached plan for {@code key}, or the one {@code planner} makes (once, however many threads
   * ask for the same key at the same time). The plan is kept without the planning connection's
   * root schema; {@link #bind} gives it the root schema of the connection that runs it.
   *
   * @throws RuntimeException what planning threw
   */
  static Planned get(Key key, Supplier<Planned> planner) {
    boolean[] built = {false};
    try {
      Planned plan = SHARED.get(key, () -> {
        built[0] = true;
        BUILT.incrementAndGet();
        Planned made = planner.get();
        return new Planned(withoutRoot(made.signature(), key.maxRowCount()), made.tables());
      });
      if (!built[0]) {
        REUSED.incrementAndGet();
      }
      return plan;
    } catch (ExecutionException | UncheckedExecutionException | ExecutionError e) {
      Throwable cause = e.getCause();
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw cause instanceof RuntimeException ? (RuntimeException) cause
          : new RuntimeException(cause);
    }
  }

  /** Plans made and plans reused since the JVM started, and plans held now. */
  static PqVectorPrepare.PlanCacheStats stats() {
    return new PqVectorPrepare.PlanCacheStats(BUILT.get(), REUSED.get(), SHARED.size());
  }

  /**
   * The plan without the root schema of the connection that made it, so that the cache holds no
   * connection's schema tree. Calcite keeps the plan's code (its Bindable) in a private field; when
   * it cannot be read the plan is kept whole, which only holds that tree longer.
   */
  @SuppressWarnings("unchecked")
  private static <T> CalciteSignature<T> withoutRoot(CalciteSignature<T> p, long maxRowCount) {
    Bindable<T> code = null;
    if (BINDABLE != null) {
      try {
        code = (Bindable<T>) BINDABLE.get(p);
      } catch (IllegalAccessException e) {
        code = null;
      }
    }
    // The signature applies the row limit it was planned with around its code, as Calcite's does.
    return code == null ? p : new CalciteSignature<>(p.sql, p.parameters, p.internalParameters,
        p.rowType, p.columns, p.cursorFactory, null, p.getCollationList(), maxRowCount, code,
        p.statementType);
  }

  private static final Field BINDABLE = bindableField();

  private static Field bindableField() {
    try {
      Field f = CalciteSignature.class.getDeclaredField("bindable");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The user's statement as a signature over a (possibly cached) template plan: it declares only
   * the user's own parameters, feeds the lifted vectors to the template's extra ones, and turns
   * errors raised while rows are fetched into SQLExceptions (see {@link SqlErrors}). It runs
   * against {@code rootSchema}, the schema tree of the connection that runs it, and each run
   * takes the plan from {@code current} (null: always the template), so a statement prepared
   * before the files changed runs on the files as they are.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static <T> CalciteSignature<T> bind(String sql, CalciteSignature<?> template,
      VectorLiteralLifter.Lifted lifted, CalciteSchema rootSchema, CurrentPlan current) {
    List<AvaticaParameter> userParameters = new ArrayList<>();
    for (int i = 0; i < lifted.sources.length; i++) {
      if (lifted.sources[i] >= 0) {
        userParameters.add(template.parameters.get(i));
      }
    }
    CalciteSignature<T> plan = (CalciteSignature<T>) template;
    Bindable<T> bindable = root -> {
      QueryDeadline deadline = QueryDeadline.arm(root);
      return SqlErrors.binding(() -> {
        CalciteSignature<T> run = current == null ? plan : (CalciteSignature<T>) current.get();
        return run.enumerable(new LiftedParameters(root, lifted, run.parameters,
            run.internalParameters));
      }, deadline);
    };
    return new CalciteSignature<>(sql, userParameters, template.internalParameters,
        template.rowType, unboundedText(template.columns), template.cursorFactory, rootSchema,
        template.getCollationList(), -1, bindable, template.statementType);
  }

  /**
   * The plan of an EXPLAIN whose vector literals were lifted: it is the plan the query really runs
   * with, and each lifted vector shows as {@code <vector(n)>} instead of n DECIMAL literals (which
   * buried the operators, IvfTopK included, under the numbers).
   */
  /** A lifted literal as a plan shows it: a vector by its length, the text of embed('...'). */
  private static String shownLiteral(Object value) {
    if (value instanceof float[]) {
      return "<vector(" + ((float[]) value).length + ")>";
    }
    return "'" + String.valueOf(value).replace("'", "''") + "'";
  }

  @SuppressWarnings("unchecked")
  static <T> CalciteSignature<T> showingVectors(CalciteSignature<T> plan,
      VectorLiteralLifter.Lifted lifted) {
    Pattern marker = Pattern.compile("\\?(\\d+)");
    java.util.function.UnaryOperator<String> rewrite = text -> {
      Matcher m = marker.matcher(text);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        int i = Integer.parseInt(m.group(1));
        String shown = i < lifted.sources.length && lifted.sources[i] < 0
            ? shownLiteral(lifted.values.get(-1 - lifted.sources[i]))
            : "?" + (i < lifted.sources.length ? lifted.sources[i] : i);
        m.appendReplacement(out, Matcher.quoteReplacement(shown));
      }
      m.appendTail(out);
      return out.toString();
    };
    Bindable<T> bindable = root -> plan.enumerable(root).select(row -> {
      if (row instanceof String) {
        return (T) rewrite.apply((String) row);
      }
      if (row instanceof Object[]) {
        Object[] cells = ((Object[]) row).clone();
        for (int c = 0; c < cells.length; c++) {
          if (cells[c] instanceof String) {
            cells[c] = rewrite.apply((String) cells[c]);
          }
        }
        return (T) cells;
      }
      return row;
    });
    return new CalciteSignature<>(plan.sql, plan.parameters, plan.internalParameters,
        plan.rowType, plan.columns, plan.cursorFactory, plan.rootSchema,
        plan.getCollationList(), -1, bindable, plan.statementType);
  }

  /**
   * Text and binary columns have no declared length (Parquet has none), which Calcite reports as
   * precision 0; clients size their buffers from it, so report the largest length instead.
   */
  static List<ColumnMetaData> unboundedText(List<ColumnMetaData> columns) {
    List<ColumnMetaData> out = new ArrayList<>(columns.size());
    for (ColumnMetaData c : columns) {
      int type = c.type.id;
      boolean text = type == Types.VARCHAR || type == Types.CHAR || type == Types.VARBINARY
          || type == Types.BINARY;
      out.add(!text || c.precision > 0 ? c : new ColumnMetaData(c.ordinal, c.autoIncrement,
          c.caseSensitive, c.searchable, c.currency, c.nullable, c.signed, c.displaySize,
          c.label, c.columnName, c.schemaName, Integer.MAX_VALUE, c.scale, c.tableName,
          c.catalogName, c.type, c.readOnly, c.writable, c.definitelyWritable,
          c.columnClassName));
    }
    return out;
  }

  /**
   * JDBC lets a vector parameter be bound as float[] or double[]; generated code for an ARRAY
   * parameter expects a List, so primitive arrays become lists (without copying floats).
   */
  static Object primitiveArraysAsLists(Object value) {
    if (value instanceof float[]) {
      return new FloatVector((float[]) value);
    }
    if (value instanceof double[]) {
      List<Double> list = new ArrayList<>();
      for (double d : (double[]) value) {
        list.add(d);
      }
      return list;
    }
    return value;
  }

  /** Parameter values of the template: the user's by position, the lifted vectors in between. */
  private static final class LiftedParameters implements DataContext {
    private final DataContext user;
    private final VectorLiteralLifter.Lifted lifted;
    private final List<AvaticaParameter> parameters;
    /**
     * The values the plan's code reads by name (stashed tables, search specs): those of the plan
     * that runs, which is not the one the statement was prepared with once the files changed.
     */
    private final Map<String, Object> internal;

    LiftedParameters(DataContext user, VectorLiteralLifter.Lifted lifted,
        List<AvaticaParameter> parameters, Map<String, Object> internal) {
      this.user = user;
      this.lifted = lifted;
      this.parameters = parameters;
      this.internal = internal;
    }

    @Override public SchemaPlus getRootSchema() {
      return user.getRootSchema();
    }

    @Override public JavaTypeFactory getTypeFactory() {
      return user.getTypeFactory();
    }

    @Override public QueryProvider getQueryProvider() {
      return user.getQueryProvider();
    }

    @Override public Object get(String name) {
      if (name.startsWith("?")) {
        int i = Integer.parseInt(name.substring(1));
        if (i < lifted.sources.length) {
          int source = lifted.sources[i];
          if (source < 0) {
            return lifted.values.get(-1 - source);
          }
          Object value = primitiveArraysAsLists(user.get("?" + source));
          return i < parameters.size()
              ? ParameterValues.coerce(value, parameters.get(i), source + 1) : value;
        }
      }
      return internal.containsKey(name) ? internal.get(name) : user.get(name);
    }
  }
}
