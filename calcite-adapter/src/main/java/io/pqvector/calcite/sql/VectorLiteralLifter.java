package io.pqvector.calcite.sql;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDynamicParam;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNumericLiteral;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.util.SqlBasicVisitor;

/**
 * Finds {@code ARRAY[<numbers>]} literals passed to a vector function and replaces each with a
 * {@code ?}, so that queries differing only in their query vector share one plan. The lifted
 * values are kept as float arrays, converted exactly as the literal would have been.
 */
final class VectorLiteralLifter {
  private VectorLiteralLifter() {}

  /** A query with its vector literals lifted into parameters. */
  static final class Lifted {
    /** The SQL with each lifted literal replaced by {@code ?}. */
    final String template;
    /**
     * For each {@code ?} of the template in text order: the index of the user's own parameter,
     * or -1 - (index into {@link #values}) for a lifted literal.
     */
    final int[] sources;
    final List<float[]> values;

    Lifted(String template, int[] sources, List<float[]> values) {
      this.template = template;
      this.sources = sources;
      this.values = values;
    }

    /** Nothing lifted: the template is the query and parameter i is the user's parameter i. */
    static Lifted none(String sql, int parameters) {
      int[] sources = new int[parameters];
      for (int i = 0; i < parameters; i++) {
        sources[i] = i;
      }
      return new Lifted(sql, sources, List.of());
    }
  }

  /** The lifted form of {@code sql} (parsed as {@code node}), or null if it has nothing to lift. */
  static Lifted lift(String sql, SqlNode node) {
    if (!node.getKind().belongsTo(SqlKind.QUERY) && node.getKind() != SqlKind.ORDER_BY) {
      return null;
    }
    List<SqlNode> literals = new ArrayList<>();
    List<SqlDynamicParam> params = new ArrayList<>();
    node.accept(new SqlBasicVisitor<Void>() {
      @Override public Void visit(SqlCall call) {
        if (VectorFunction.ofSqlName(call.getOperator().getName()) != null) {
          for (SqlNode operand : call.getOperandList()) {
            if (operand != null && vectorOf(operand) != null) {
              literals.add(operand);
            }
          }
        }
        return super.visit(call);
      }

      @Override public Void visit(SqlDynamicParam param) {
        params.add(param);
        return null;
      }
    });
    if (literals.isEmpty()) {
      return null;
    }
    int[] lineStarts = lineStarts(sql);
    List<Object> holes = new ArrayList<>(literals);
    holes.addAll(params);
    holes.sort(Comparator.comparingInt(h -> start(h, lineStarts)));
    StringBuilder template = new StringBuilder();
    int[] sources = new int[holes.size()];
    List<float[]> values = new ArrayList<>();
    int copied = 0;
    for (int i = 0; i < holes.size(); i++) {
      Object hole = holes.get(i);
      if (hole instanceof SqlDynamicParam) {
        sources[i] = ((SqlDynamicParam) hole).getIndex();
        continue;
      }
      SqlNode literal = (SqlNode) hole;
      int start = start(literal, lineStarts);
      int end = end(literal, lineStarts);
      if (start < copied || end > sql.length() || start >= end
          || !sql.regionMatches(true, start, "ARRAY", 0, 5) || sql.charAt(end - 1) != ']') {
        return null; // positions we cannot trust: plan normally
      }
      template.append(sql, copied, start).append('?');
      copied = end;
      sources[i] = -1 - values.size();
      values.add(vectorOf(literal));
    }
    template.append(sql, copied, sql.length());
    return new Lifted(template.toString(), sources, values);
  }

  /** The numbers of an {@code ARRAY[...]} of numeric literals, or null if it is anything else. */
  private static float[] vectorOf(SqlNode node) {
    if (node.getKind() != SqlKind.ARRAY_VALUE_CONSTRUCTOR) {
      return null;
    }
    List<SqlNode> elements = ((SqlCall) node).getOperandList();
    if (elements.isEmpty()) {
      return null;
    }
    float[] v = new float[elements.size()];
    for (int i = 0; i < v.length; i++) {
      BigDecimal d = number(elements.get(i));
      if (d == null) {
        return null;
      }
      v[i] = d.floatValue();
    }
    return v;
  }

  private static BigDecimal number(SqlNode node) {
    if (node instanceof SqlNumericLiteral) {
      return ((SqlLiteral) node).getValueAs(BigDecimal.class);
    }
    if (node.getKind() == SqlKind.MINUS_PREFIX) {
      BigDecimal inner = number(((SqlCall) node).operand(0));
      return inner == null ? null : inner.negate();
    }
    if (node.getKind() == SqlKind.PLUS_PREFIX) {
      return number(((SqlCall) node).operand(0));
    }
    return null;
  }

  private static int start(Object node, int[] lineStarts) {
    SqlParserPos pos = ((SqlNode) node).getParserPosition();
    return lineStarts[pos.getLineNum() - 1] + pos.getColumnNum() - 1;
  }

  private static int end(SqlNode node, int[] lineStarts) {
    SqlParserPos pos = node.getParserPosition();
    return lineStarts[pos.getEndLineNum() - 1] + pos.getEndColumnNum();
  }

  private static int[] lineStarts(String sql) {
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    for (int i = 0; i < sql.length(); i++) {
      if (sql.charAt(i) == '\n') {
        starts.add(i + 1);
      }
    }
    return starts.stream().mapToInt(Integer::intValue).toArray();
  }
}
