package io.pqvector.calcite.rows;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.calcite.avatica.util.ByteString;

/**
 * Renders assembled struct and map values as JSON text (through Jackson's streaming generator),
 * so any SQL client can show them. Binary values are base64 strings; NaN and infinities are
 * strings, as JSON has no numbers for them.
 */
final class JsonText {
  private static final JsonFactory FACTORY = new JsonFactory();

  private JsonText() {}

  static String render(Object value) {
    StringWriter out = new StringWriter();
    try (JsonGenerator json = FACTORY.createGenerator(out)) {
      write(json, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
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
  private static void write(JsonGenerator json, Object v) throws IOException {
    if (v == null) {
      json.writeNull();
    } else if (v instanceof Map) {
      json.writeStartObject();
      for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) {
        json.writeFieldName(e.getKey());
        write(json, e.getValue());
      }
      json.writeEndObject();
    } else if (v instanceof List) {
      json.writeStartArray();
      for (Object e : (List<Object>) v) {
        write(json, e);
      }
      json.writeEndArray();
    } else if (v instanceof ByteString) {
      json.writeString(((ByteString) v).toBase64String());
    } else if (v instanceof Boolean) {
      json.writeBoolean((Boolean) v);
    } else if (v instanceof Float || v instanceof Double) {
      double d = ((Number) v).doubleValue();
      if (Double.isFinite(d)) {
        json.writeNumber(v.toString());
      } else {
        json.writeString(v.toString());
      }
    } else if (v instanceof Number) {
      json.writeNumber(v.toString());
    } else {
      json.writeString(v.toString());
    }
  }
}
