package io.pqvector.calcite;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.calcite.avatica.util.ByteString;

/** Renders assembled struct and map values as JSON text, so any SQL client can show them. */
final class JsonText {
  private JsonText() {}

  static String render(Object value) {
    StringBuilder b = new StringBuilder();
    append(b, value);
    return b.toString();
  }

  /** A Parquet MAP arrives as a list of {key, value} entries; JSON shows it as an object. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> mapFromEntries(Map<String, Object> group) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Object entries : group.values()) {
      if (entries instanceof List) {
        for (Object e : (List<Object>) entries) {
          if (e instanceof Map) {
            Object[] kv = ((Map<String, Object>) e).values().toArray();
            out.put(String.valueOf(kv.length > 0 ? kv[0] : null), kv.length > 1 ? kv[1] : null);
          }
        }
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static void append(StringBuilder b, Object v) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof Map) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) {
        if (!first) {
          b.append(", ");
        }
        first = false;
        appendString(b, e.getKey());
        b.append(": ");
        append(b, e.getValue());
      }
      b.append('}');
    } else if (v instanceof List) {
      b.append('[');
      boolean first = true;
      for (Object e : (List<Object>) v) {
        if (!first) {
          b.append(", ");
        }
        first = false;
        append(b, e);
      }
      b.append(']');
    } else if (v instanceof String) {
      appendString(b, (String) v);
    } else if (v instanceof ByteString) {
      appendString(b, ((ByteString) v).toBase64String());
    } else if (v instanceof Float && !Float.isFinite((Float) v)
        || v instanceof Double && !Double.isFinite((Double) v)) {
      appendString(b, v.toString());
    } else {
      b.append(v);
    }
  }

  private static void appendString(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"': b.append("\\\""); break;
        case '\\': b.append("\\\\"); break;
        case '\n': b.append("\\n"); break;
        case '\r': b.append("\\r"); break;
        case '\t': b.append("\\t"); break;
        default:
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
      }
    }
    b.append('"');
  }
}
