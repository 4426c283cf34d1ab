package io.pqvector.spark;

import java.sql.Types;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.jdbc.JdbcDialect;
import org.apache.spark.sql.jdbc.JdbcDialects;
import org.apache.spark.sql.jdbc.JdbcType;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.MetadataBuilder;
import scala.Option;

/**
 * Spark's JDBC source over {@code jdbc:pqvector:} URLs. Spark maps {@code java.sql.Types.ARRAY} only
 * through a dialect; this one reads the element type from pqvector's type names ({@code REAL ARRAY} is
 * {@code array<float>}, {@code INTEGER ARRAY} is {@code array<int>}, nested arrays nest), and a REAL
 * (a distance) is a {@code float}, as in the file, where Spark's default would widen it. Register it
 * once per JVM:
 *
 * <pre>
 *   io.pqvector.spark.PqVectorDialect.register()                    // Scala, Java
 *   spark._jvm.io.pqvector.spark.PqVectorDialect.register()         # PySpark
 * </pre>
 */
public final class PqVectorDialect extends JdbcDialect {
  private static final long serialVersionUID = 1L;
  public static final PqVectorDialect INSTANCE = new PqVectorDialect();
  private static final Pattern DECIMAL = Pattern.compile("DECIMAL\\((\\d+),\\s*(\\d+)\\)");

  private PqVectorDialect() {}

  private Object readResolve() {
    return INSTANCE;
  }

  /** Registers the dialect with Spark's {@link JdbcDialects} (idempotent) and returns it. */
  public static synchronized PqVectorDialect register() {
    JdbcDialects.unregisterDialect(INSTANCE);
    JdbcDialects.registerDialect(INSTANCE);
    return INSTANCE;
  }

  @Override public boolean canHandle(String url) {
    return url.regionMatches(true, 0, "jdbc:pqvector:", 0, "jdbc:pqvector:".length());
  }

  @Override public Option<DataType> getCatalystType(int sqlType, String typeName, int size,
      MetadataBuilder md) {
    if (sqlType == Types.REAL) {
      return Option.apply(DataTypes.FloatType); // Spark's default reads REAL as double
    }
    if (sqlType != Types.ARRAY || typeName == null) {
      return Option.empty();
    }
    return Option.apply(fromTypeName(typeName));
  }

  /** Spark's type for a pqvector SQL type name, or null when Spark should use its own mapping. */
  static DataType fromTypeName(String typeName) {
    String t = typeName.toUpperCase(Locale.ROOT).replace(" NOT NULL", "").trim();
    if (t.endsWith(" ARRAY")) {
      DataType element = fromTypeName(t.substring(0, t.length() - " ARRAY".length()));
      return element == null ? null : DataTypes.createArrayType(element, true);
    }
    Matcher decimal = DECIMAL.matcher(t);
    if (decimal.matches()) {
      return DataTypes.createDecimalType(Integer.parseInt(decimal.group(1)),
          Integer.parseInt(decimal.group(2)));
    }
    int paren = t.indexOf('(');
    switch (paren < 0 ? t : t.substring(0, paren).trim()) {
      case "REAL": case "FLOAT": return DataTypes.FloatType;
      case "DOUBLE": return DataTypes.DoubleType;
      case "TINYINT": return DataTypes.ByteType;
      case "SMALLINT": return DataTypes.ShortType;
      case "INTEGER": return DataTypes.IntegerType;
      case "BIGINT": return DataTypes.LongType;
      case "BOOLEAN": return DataTypes.BooleanType;
      case "VARCHAR": case "CHAR": return DataTypes.StringType;
      case "VARBINARY": case "BINARY": return DataTypes.BinaryType;
      case "DATE": return DataTypes.DateType;
      case "TIMESTAMP": return DataTypes.TimestampType;
      case "DECIMAL": return DecimalType.SYSTEM_DEFAULT();
      default: return null;
    }
  }

  @Override public Option<JdbcType> getJDBCType(DataType dt) {
    if (dt instanceof ArrayType) {
      String element = toTypeName(((ArrayType) dt).elementType());
      return element == null ? Option.empty()
          : Option.apply(new JdbcType(element + " ARRAY", Types.ARRAY));
    }
    return Option.empty();
  }

  private static String toTypeName(DataType dt) {
    if (dt instanceof ArrayType) {
      String element = toTypeName(((ArrayType) dt).elementType());
      return element == null ? null : element + " ARRAY";
    }
    if (dt instanceof DecimalType) {
      return "DECIMAL(" + ((DecimalType) dt).precision() + ", " + ((DecimalType) dt).scale() + ")";
    }
    if (dt.equals(DataTypes.FloatType)) return "REAL";
    if (dt.equals(DataTypes.DoubleType)) return "DOUBLE";
    if (dt.equals(DataTypes.ByteType)) return "TINYINT";
    if (dt.equals(DataTypes.ShortType)) return "SMALLINT";
    if (dt.equals(DataTypes.IntegerType)) return "INTEGER";
    if (dt.equals(DataTypes.LongType)) return "BIGINT";
    if (dt.equals(DataTypes.BooleanType)) return "BOOLEAN";
    if (dt.equals(DataTypes.StringType)) return "VARCHAR";
    if (dt.equals(DataTypes.BinaryType)) return "VARBINARY";
    if (dt.equals(DataTypes.DateType)) return "DATE";
    if (dt.equals(DataTypes.TimestampType)) return "TIMESTAMP";
    return null;
  }
}
