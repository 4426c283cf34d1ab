package io.pqvector.calcite.prepare;

import io.pqvector.calcite.function.VectorFunction;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Finds {@code ARRAY[<numbers>]} literals passed directly to a vector function, and the text of
 * {@code embed('...')}, and replaces each with a {@code ?}, so that queries differing only in
 * their query vector (or words) share one plan. It reads
 * the SQL text itself (skipping strings, quoted identifiers and comments) rather than asking
 * Calcite's parser: a 4,096-number literal takes tens of milliseconds to parse, which is exactly
 * the cost the plan cache exists to avoid. Lifted vectors are kept as float arrays, converted
 * exactly as the literal would have been (decimal text to the nearest float); lifted texts as
 * strings.
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
    /** Lifted values: float[] for a vector literal, String for the text of embed('...'). */
    final List<Object> values;

    Lifted(String template, int[] sources, List<Object> values) {
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

  /**
   * The lifted form of {@code sql}: its template is {@code sql} itself and its values are empty
   * when it has no vector literal to lift.
   */
  static Lifted lift(String sql) {
    StringBuilder template = new StringBuilder(sql.length());
    List<Integer> sources = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    Deque<String> calls = new ArrayDeque<>(); // the function name of each open parenthesis
    String lastWord = null;
    int userParameters = 0;
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '"' || c == '`') {
        int end = skipQuoted(sql, i, c);
        if (c == '\'' && isSoleEmbedArgument(sql, template, calls.peek(), i, end)) {
          // embed('words'): the text becomes a parameter too, so asking in other words reuses
          // the plan and costs one model call, not a new plan.
          template.append('?');
          sources.add(-1 - values.size());
          values.add(sql.substring(i + 1, end - 1).replace("''", "'"));
          i = end;
          lastWord = null;
          continue;
        }
        template.append(sql, i, end);
        i = end;
        lastWord = null;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int end = sql.indexOf('\n', i);
        end = end < 0 ? n : end;
        template.append(sql, i, end);
        i = end;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int end = sql.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
        template.append(sql, i, end);
        i = end;
      } else if (Character.isLetter(c) || c == '_') {
        int end = i;
        while (end < n && (Character.isLetterOrDigit(sql.charAt(end))
            || sql.charAt(end) == '_' || sql.charAt(end) == '$')) {
          end++;
        }
        String word = sql.substring(i, end);
        if (word.equalsIgnoreCase("ARRAY") && isVectorCall(calls.peek())) {
          Literal literal = Literal.parse(sql, end);
          if (literal != null) {
            template.append('?');
            sources.add(-1 - values.size());
            values.add(literal.values);
            i = literal.end;
            lastWord = null;
            continue;
          }
        }
        template.append(word);
        lastWord = word;
        i = end;
      } else {
        if (c == '(') {
          calls.push(lastWord == null ? "" : lastWord);
        } else if (c == ')') {
          calls.poll();
        } else if (c == '?') {
          sources.add(userParameters++);
        }
        if (!Character.isWhitespace(c)) {
          lastWord = null;
        }
        template.append(c);
        i++;
      }
    }
    return new Lifted(template.toString(),
        sources.stream().mapToInt(Integer::intValue).toArray(), values);
  }

  /**
   * Whether the string literal ending at {@code end} is the only argument of {@code embed(...)}:
   * the template so far ends with {@code embed(} and a {@code )} follows the literal.
   */
  private static boolean isSoleEmbedArgument(String sql, StringBuilder template, String function,
      int start, int end) {
    if (!"embed".equalsIgnoreCase(function) || end - start < 2 || sql.charAt(end - 1) != '\'') {
      return false; // another function, or an unterminated string
    }
    int t = template.length() - 1;
    while (t >= 0 && Character.isWhitespace(template.charAt(t))) {
      t--;
    }
    int n = end;
    while (n < sql.length() && Character.isWhitespace(sql.charAt(n))) {
      n++;
    }
    return t >= 0 && template.charAt(t) == '(' && n < sql.length() && sql.charAt(n) == ')';
  }

  private static boolean isVectorCall(String function) {
    return function != null && VectorFunction.ofSqlName(function) != null;
  }

  /** Whether the statement is an EXPLAIN (its plan then shows lifted vectors as {@code <vector(n)>}). */
  static boolean isExplain(String sql) {
    return startsWithWord(sql, "EXPLAIN");
  }

  private static boolean startsWithWord(String sql, String word) {
    String t = sql.stripLeading();
    return t.regionMatches(true, 0, word, 0, word.length())
        && (t.length() == word.length() || !Character.isLetterOrDigit(t.charAt(word.length())));
  }

  /** The index after a quoted string or identifier starting at {@code start}. */
  private static int skipQuoted(String sql, int start, char quote) {
    int i = start + 1;
    while (i < sql.length()) {
      if (sql.charAt(i) == quote) {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
          i += 2; // doubled quote inside
          continue;
        }
        return i + 1;
      }
      i++;
    }
    return sql.length();
  }

  /** {@code [ number, number, ... ]} right after the word ARRAY. */
  private static final class Literal {
    final float[] values;
    final int end;

    private Literal(float[] values, int end) {
      this.values = values;
      this.end = end;
    }

    static Literal parse(String sql, int from) {
      int i = skipSpace(sql, from);
      if (i >= sql.length() || sql.charAt(i) != '[') {
        return null;
      }
      i = skipSpace(sql, i + 1);
      float[] values = new float[64];
      int count = 0;
      while (true) {
        int end = numberEnd(sql, i);
        if (end == i) {
          return null;
        }
        if (count == values.length) {
          values = Arrays.copyOf(values, count * 2);
        }
        try {
          // The nearest float to the decimal, as BigDecimal.floatValue() gives it (both round
          // correctly), without a BigDecimal per number.
          values[count++] = Float.parseFloat(sql.substring(i, end));
        } catch (NumberFormatException e) {
          return null; // e.g. "- 1.5": a sign apart from its digits, which Calcite reads itself
        }
        i = skipSpace(sql, end);
        if (i < sql.length() && sql.charAt(i) == ',') {
          i = skipSpace(sql, i + 1);
          continue;
        }
        if (i < sql.length() && sql.charAt(i) == ']') {
          break;
        }
        return null;
      }
      values = Arrays.copyOf(values, count);
      return new Literal(values, i + 1);
    }

    /** The end of a signed decimal number starting at {@code i} ({@code i} if there is none). */
    private static int numberEnd(String sql, int i) {
      int n = sql.length();
      int j = i;
      if (j < n && (sql.charAt(j) == '-' || sql.charAt(j) == '+')) {
        j = skipSpace(sql, j + 1);
      }
      int digits = 0;
      while (j < n && Character.isDigit(sql.charAt(j))) {
        j++;
        digits++;
      }
      if (j < n && sql.charAt(j) == '.') {
        j++;
        while (j < n && Character.isDigit(sql.charAt(j))) {
          j++;
          digits++;
        }
      }
      if (digits == 0) {
        return i;
      }
      if (j < n && (sql.charAt(j) == 'e' || sql.charAt(j) == 'E')) {
        int k = j + 1;
        if (k < n && (sql.charAt(k) == '-' || sql.charAt(k) == '+')) {
          k++;
        }
        int exp = k;
        while (k < n && Character.isDigit(sql.charAt(k))) {
          k++;
        }
        if (k > exp) {
          j = k;
        }
      }
      return j;
    }

    private static int skipSpace(String sql, int i) {
      while (i < sql.length() && Character.isWhitespace(sql.charAt(i))) {
        i++;
      }
      return i;
    }
  }
}
