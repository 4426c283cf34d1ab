package io.pqvector.calcite.rows;

import io.pqvector.calcite.function.FloatVector;
import io.pqvector.calcite.function.PartlyNullVector;
import io.pqvector.calcite.function.PqVectorTypeSystem;

import io.pqvector.calcite.rows.ParquetSqlTypes.Kind;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.calcite.avatica.util.ByteString;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Converters from Parquet's record-assembly callbacks to Calcite's internal value representation
 * (DATE as int days, TIME as int millis, TIMESTAMP as long millis, DECIMAL as BigDecimal,
 * VARBINARY as ByteString, arrays as List). Each converter hands finished values to a sink.
 */
public final class ParquetValueConverters {
  private static final long JULIAN_EPOCH_DAY = 2_440_588L;
  private static final long MILLIS_PER_DAY = 86_400_000L;

  private ParquetValueConverters() {}

  /** A converter for {@code type} that delivers each value (or null) to {@code sink}. */
  static Converter forType(Type type, Consumer<Object> sink) {
    return forType(type, sink, false);
  }

  /**
   * @param insideJson whether the value becomes part of an enclosing struct's or map's JSON
   *     text (then groups deliver maps, rendered once at the top) or is a SQL value itself (then
   *     a group delivers its JSON text)
   */
  static Converter forType(Type type, Consumer<Object> sink, boolean insideJson) {
    if (!type.isPrimitive()) {
      GroupType group = type.asGroupType();
      if (ParquetSqlTypes.kindOf(type) == Kind.LIST) {
        Type element = ParquetSqlTypes.listElement(group);
        if (element.isPrimitive()
            && element.asPrimitiveType().getPrimitiveTypeName()
                == org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FLOAT
            && element.getLogicalTypeAnnotation() == null) {
          return new FloatListConverter(group, sink);
        }
        return new ListConverter(group, sink, insideJson);
      }
      return new JsonGroupConverter(group, insideJson ? sink
          : v -> sink.accept(v == null ? null : JsonText.render(v)));
    }
    if (type.isRepetition(Type.Repetition.REPEATED)) {
      throw new IllegalArgumentException("repeated field " + type.getName() + " needs a list");
    }
    return new ValueConverter(type, sink);
  }

  /** Scalars. Strings decode each dictionary entry once. */
  static final class ValueConverter extends PrimitiveConverter {
    private final Kind kind;
    private final int scale;
    private final boolean decimalAsDouble;
    private final Consumer<Object> sink;
    private Object[] dictionaryValues;

    ValueConverter(Type type, Consumer<Object> sink) {
      this.kind = ParquetSqlTypes.kindOf(type);
      this.sink = sink;
      LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
      if (logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation) {
        LogicalTypeAnnotation.DecimalLogicalTypeAnnotation d =
            (LogicalTypeAnnotation.DecimalLogicalTypeAnnotation) logical;
        this.scale = d.getScale();
        this.decimalAsDouble = d.getPrecision() > PqVectorTypeSystem.MAX_DECIMAL_PRECISION;
      } else {
        this.scale = 0;
        this.decimalAsDouble = false;
      }
    }

    @Override public boolean hasDictionarySupport() {
      return kind == Kind.VARCHAR || kind == Kind.VARBINARY || kind == Kind.DECIMAL
          || kind == Kind.UUID;
    }

    @Override public void setDictionary(Dictionary dictionary) {
      int n = dictionary.getMaxId() + 1;
      dictionaryValues = new Object[n];
      for (int i = 0; i < n; i++) {
        dictionaryValues[i] = fromBinary(dictionary.decodeToBinary(i));
      }
    }

    @Override public void addValueFromDictionary(int dictionaryId) {
      sink.accept(dictionaryValues[dictionaryId]);
    }

    @Override public void addBoolean(boolean value) {
      sink.accept(value);
    }

    @Override public void addInt(int v) {
      switch (kind) {
        case TINYINT: sink.accept((byte) v); break;
        case SMALLINT: sink.accept((short) v); break;
        case BIGINT: sink.accept(Integer.toUnsignedLong(v)); break;
        case DECIMAL: sink.accept(decimal(BigDecimal.valueOf(v, scale))); break;
        case INTEGER: sink.accept(v); break;
        default: sink.accept(v); // DATE days, TIME millis
      }
    }

    @Override public void addLong(long v) {
      switch (kind) {
        case TIMESTAMP_MICROS: sink.accept(Math.floorDiv(v, 1000L)); break;
        case TIMESTAMP_NANOS: sink.accept(Math.floorDiv(v, 1_000_000L)); break;
        case TIME_MICROS: sink.accept((int) Math.floorDiv(v, 1000L)); break;
        case TIME_NANOS: sink.accept((int) Math.floorDiv(v, 1_000_000L)); break;
        case DECIMAL: sink.accept(decimal(BigDecimal.valueOf(v, scale))); break;
        case UNSIGNED_BIGINT: sink.accept(new BigDecimal(Long.toUnsignedString(v))); break;
        case INTEGER: sink.accept((int) v); break;
        default: sink.accept(v);
      }
    }

    @Override public void addFloat(float v) {
      sink.accept(v);
    }

    @Override public void addDouble(double v) {
      sink.accept(v);
    }

    @Override public void addBinary(Binary value) {
      sink.accept(fromBinary(value));
    }

    private Object decimal(BigDecimal d) {
      return decimalAsDouble ? (Object) d.doubleValue() : d;
    }

    private Object fromBinary(Binary value) {
      switch (kind) {
        case VARCHAR: return value.toStringUsingUTF8();
        case DECIMAL: return decimal(new BigDecimal(new BigInteger(value.getBytes()), scale));
        case TIMESTAMP_INT96: return int96ToMillis(value);
        case UUID: return uuid(value.getBytes());
        case FLOAT16: return float16(value.getBytes());
        default: return new ByteString(value.getBytes());
      }
    }
  }

  static long int96ToMillis(Binary value) {
    ByteBuffer b = value.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    long nanosOfDay = b.getLong();
    long julianDay = Integer.toUnsignedLong(b.getInt());
    return (julianDay - JULIAN_EPOCH_DAY) * MILLIS_PER_DAY + Math.floorDiv(nanosOfDay, 1_000_000L);
  }

  static String uuid(byte[] b) {
    ByteBuffer bb = ByteBuffer.wrap(b);
    return new java.util.UUID(bb.getLong(), bb.getLong()).toString();
  }

  /** IEEE 754 half precision, little-endian (Parquet FLOAT16). */
  static float float16(byte[] b) {
    int h = (b[0] & 0xff) | ((b[1] & 0xff) << 8);
    int sign = (h >>> 15) & 1;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    float v;
    if (exp == 0) {
      v = (float) (mant * Math.pow(2, -24));
    } else if (exp == 31) {
      v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
    } else {
      v = (float) ((1 + mant / 1024.0) * Math.pow(2, exp - 15));
    }
    return sign == 1 ? -v : v;
  }

  /**
   * The vector fast path: a LIST of FLOAT assembled into a primitive array. A list holding a NULL
   * element cannot be a float[], so it falls back to a boxed list.
   */
  static final class FloatListConverter extends GroupConverter {
    private final Consumer<Object> sink;
    private final GroupConverter repeated;
    private float[] buffer = new float[64];
    private int size;
    private boolean elementSeen;
    private List<Float> boxed;

    FloatListConverter(GroupType listType, Consumer<Object> sink) {
      this.sink = sink;
      PrimitiveConverter element = new PrimitiveConverter() {
        @Override public void addFloat(float value) {
          elementSeen = true;
          if (boxed != null) {
            boxed.add(value);
            return;
          }
          if (size == buffer.length) {
            buffer = Arrays.copyOf(buffer, size * 2);
          }
          buffer[size++] = value;
        }
      };
      if (ParquetSqlTypes.isTwoLevelList(listType)) {
        this.repeated = null;
        this.elementOnly = element;
      } else {
        this.elementOnly = null;
        this.repeated = new GroupConverter() {
          @Override public Converter getConverter(int fieldIndex) {
            return element;
          }

          @Override public void start() {
            elementSeen = false;
          }

          @Override public void end() {
            if (!elementSeen) {
              if (boxed == null) {
                boxed = new ArrayList<>(size + 8);
                for (int i = 0; i < size; i++) {
                  boxed.add(buffer[i]);
                }
              }
              boxed.add(null);
            }
          }
        };
      }
    }

    private final PrimitiveConverter elementOnly;

    @Override public Converter getConverter(int fieldIndex) {
      return repeated != null ? repeated : elementOnly;
    }

    @Override public void start() {
      size = 0;
      boxed = null;
    }

    @Override public void end() {
      sink.accept(boxed != null ? new PartlyNullVector(boxed)
          : new FloatVector(Arrays.copyOf(buffer, size)));
    }
  }

  /** Any other LIST: elements (including NULLs) collected into an ArrayList. */
  static final class ListConverter extends GroupConverter {
    private final Consumer<Object> sink;
    private final Converter child;
    private List<Object> current;
    private Object pending;
    private static final Object NONE = new Object();

    ListConverter(GroupType listType, Consumer<Object> sink, boolean insideJson) {
      this.sink = sink;
      Type element = ParquetSqlTypes.listElement(listType);
      if (ParquetSqlTypes.isTwoLevelList(listType)) {
        this.child = forType(asOptional(element), v -> current.add(v), insideJson);
      } else {
        Converter elementConverter = forType(element, v -> pending = v, insideJson);
        this.child = new GroupConverter() {
          @Override public Converter getConverter(int fieldIndex) {
            return elementConverter;
          }

          @Override public void start() {
            pending = NONE;
          }

          @Override public void end() {
            current.add(pending == NONE ? null : pending);
          }
        };
      }
    }

    @Override public Converter getConverter(int fieldIndex) {
      return child;
    }

    @Override public void start() {
      current = new ArrayList<>();
    }

    @Override public void end() {
      sink.accept(current);
    }
  }

  /** Structs and maps, collected into maps and lists and shown as JSON text. */
  static final class JsonGroupConverter extends GroupConverter {
    private final Converter[] children;
    private final String[] names;
    private final Consumer<Object> sink;
    private final boolean isMap;
    private Map<String, Object> current;

    JsonGroupConverter(GroupType type, Consumer<Object> sink) {
      this.sink = sink;
      this.isMap = type.getLogicalTypeAnnotation()
          instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation;
      this.children = new Converter[type.getFieldCount()];
      this.names = new String[children.length];
      for (int i = 0; i < children.length; i++) {
        Type f = type.getType(i);
        String name = f.getName();
        names[i] = name;
        if (f.isRepetition(Type.Repetition.REPEATED)) {
          // Each occurrence of a repeated child is appended to a list under its name.
          children[i] = forType(asOptional(f), v -> appendTo(name, v), true);
        } else {
          children[i] = forType(f, v -> current.put(name, v), true);
        }
      }
    }

    @SuppressWarnings("unchecked")
    private void appendTo(String name, Object v) {
      ((List<Object>) current.computeIfAbsent(name, n -> new ArrayList<>())).add(v);
    }

    @Override public Converter getConverter(int fieldIndex) {
      return children[fieldIndex];
    }

    @Override public void start() {
      // Every field is present, NULL until a value arrives, so a NULL field keeps its name.
      current = new LinkedHashMap<>();
      for (String name : names) {
        current.put(name, null);
      }
    }

    @Override public void end() {
      sink.accept(isMap ? JsonText.mapFromEntries(current) : current);
    }
  }

  /** The same field as a single optional value, for handling one occurrence of a repeated one. */
  public static Type asOptional(Type f) {
    if (f.isPrimitive()) {
      return new PrimitiveType(Type.Repetition.OPTIONAL, f.asPrimitiveType().getPrimitiveTypeName(),
          f.asPrimitiveType().getTypeLength(), f.getName())
          .withLogicalTypeAnnotation(f.getLogicalTypeAnnotation());
    }
    return org.apache.parquet.schema.Types.buildGroup(Type.Repetition.OPTIONAL)
        .as(f.getLogicalTypeAnnotation())
        .addFields(f.asGroupType().getFields().toArray(new Type[0]))
        .named(f.getName());
  }
}
