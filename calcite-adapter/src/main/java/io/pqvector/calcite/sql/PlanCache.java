package io.pqvector.calcite.sql;

import java.lang.reflect.Type;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.calcite.DataContext;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.avatica.AvaticaParameter;
import org.apache.calcite.avatica.ColumnMetaData;
import org.apache.calcite.jdbc.CalcitePrepare.CalciteSignature;
import org.apache.calcite.linq4j.QueryProvider;
import org.apache.calcite.runtime.Bindable;
import org.apache.calcite.schema.SchemaPlus;

/**
 * Plans of queries whose vector literals were lifted into parameters, per connection. A query
 * that differs from an earlier one only in its query vector reuses that plan and its generated
 * code; only the vector is bound anew. An entry is used only while the schema version it was
 * planned against is current, so a plan never outlives the files it was made for.
 */
final class PlanCache {
  private static final int CAPACITY = 128;

  private final Map<Key, CalciteSignature<?>> entries =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<Key, CalciteSignature<?>> e) {
          return size() > CAPACITY;
        }
      };

  /** What a cached plan depends on besides the connection: text, types, row limit, files. */
  static final class Key {
    final String template;
    final Type elementType;
    final long maxRowCount;
    final long schemaVersion;

    Key(String template, Type elementType, long maxRowCount, long schemaVersion) {
      this.template = template;
      this.elementType = elementType;
      this.maxRowCount = maxRowCount;
      this.schemaVersion = schemaVersion;
    }

    @Override public boolean equals(Object o) {
      if (!(o instanceof Key)) {
        return false;
      }
      Key k = (Key) o;
      return template.equals(k.template) && Objects.equals(elementType, k.elementType)
          && maxRowCount == k.maxRowCount && schemaVersion == k.schemaVersion;
    }

    @Override public int hashCode() {
      return Objects.hash(template, elementType, maxRowCount, schemaVersion);
    }
  }

  synchronized CalciteSignature<?> get(Key key) {
    return entries.get(key);
  }

  synchronized void put(Key key, CalciteSignature<?> signature) {
    entries.put(key, signature);
  }

  /**
   * The user's statement as a signature over a (possibly cached) template plan: it declares only
   * the user's own parameters, feeds the lifted vectors to the template's extra ones, and turns
   * errors raised while rows are fetched into SQLExceptions (see {@link SqlErrors}).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static <T> CalciteSignature<T> bind(String sql, CalciteSignature<?> template,
      VectorLiteralLifter.Lifted lifted) {
    List<AvaticaParameter> userParameters = new ArrayList<>();
    for (int i = 0; i < lifted.sources.length; i++) {
      if (lifted.sources[i] >= 0) {
        userParameters.add(template.parameters.get(i));
      }
    }
    CalciteSignature<T> plan = (CalciteSignature<T>) template;
    List<AvaticaParameter> templateParameters = template.parameters;
    Bindable<T> bindable = root -> {
      QueryDeadline deadline = QueryDeadline.arm(root);
      return SqlErrors.binding(
          () -> plan.enumerable(new LiftedParameters(root, lifted, templateParameters)), deadline);
    };
    return new CalciteSignature<>(sql, userParameters, template.internalParameters,
        template.rowType, unboundedText(template.columns), template.cursorFactory,
        template.rootSchema,
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

    LiftedParameters(DataContext user, VectorLiteralLifter.Lifted lifted,
        List<AvaticaParameter> parameters) {
      this.user = user;
      this.lifted = lifted;
      this.parameters = parameters;
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
      return user.get(name);
    }
  }
}
