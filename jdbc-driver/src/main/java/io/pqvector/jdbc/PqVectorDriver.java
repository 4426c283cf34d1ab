package io.pqvector.jdbc;

import io.pqvector.calcite.search.SearchSettings;
import io.pqvector.parquet.decode.DecodedPageCache;
import io.pqvector.calcite.prepare.PqVectorPrepare;
import io.pqvector.calcite.function.PqVectorTypeSystem;
import java.sql.Connection;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.DriverVersion;
import org.apache.calcite.avatica.Handler;
import org.apache.calcite.avatica.HandlerImpl;
import org.apache.calcite.avatica.Meta;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.jdbc.Driver;
import org.apache.calcite.jdbc.PqVectorJdbcFactory;
import org.apache.calcite.jdbc.PqVectorMetaImpl;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.lookup.LikePattern;

/**
 * The JDBC driver for {@code jdbc:pqvector:<directory>}: Calcite over a directory of Parquet
 * files, with vector functions, the IVF planner rule and pqvector's own connection options.
 */
public final class PqVectorDriver extends Driver {
  public static final String SCHEMA = "pqvector";
  static final String DIRECTORY_PROPERTY = "pqvector.directory";
  public static final String VERSION = "0.1.0";

  static {
    new PqVectorDriver().register();
    // In the shaded jar Calcite's Driver (our superclass) is relocated, and its static block has just
    // registered a relocated jdbc:calcite: driver, which would answer a host's own Calcite URLs.
    if (Driver.class.getName().startsWith("io.pqvector.shaded.")) {
      for (java.sql.Driver d : java.util.Collections.list(java.sql.DriverManager.getDrivers())) {
        if (d.getClass() == Driver.class) {
          try {
            java.sql.DriverManager.deregisterDriver(d);
          } catch (SQLException e) {
            // Not ours to keep: leaving it registered is harmless for pqvector's own URLs.
          }
        }
      }
    }
  }

  public PqVectorDriver() {
    super(PqVectorPrepare::new);
  }

  @Override protected String getConnectStringPrefix() {
    return ConnectionSettings.PREFIX;
  }

  @Override protected DriverVersion createDriverVersion() {
    return new DriverVersion("pqvector JDBC Driver", VERSION, "pqvector", VERSION, true, 0, 1,
        0, 1);
  }

  @Override protected String getFactoryClassName(JdbcVersion jdbcVersion) {
    return PqVectorJdbcFactory.class.getName();
  }

  @Override public CalcitePrepare createPrepare() {
    return new PqVectorPrepare();
  }

  @Override public Meta createMeta(AvaticaConnection connection) {
    return new PqVectorMetaImpl(connection);
  }

  @Override public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
    DriverPropertyInfo[] result = new DriverPropertyInfo[ConnectionSettings.KNOWN.size()];
    int i = 0;
    for (Map.Entry<String, String> e : ConnectionSettings.KNOWN.entrySet()) {
      DriverPropertyInfo p = new DriverPropertyInfo(e.getKey(),
          info == null ? null : info.getProperty(e.getKey()));
      p.description = e.getValue();
      result[i++] = p;
    }
    return result;
  }

  @Override public Connection connect(String url, Properties info) throws SQLException {
    if (url == null || !acceptsURL(url)) {
      return null;
    }
    ConnectionSettings settings = ConnectionSettings.parse(url, info);
    Properties calcite = new Properties();
    // Unquoted identifiers case-insensitive, double quotes quote: what SQL clients expect.
    calcite.setProperty("lex", "MYSQL_ANSI");
    // NULL distances sort last in both directions, as in DuckDB.
    calcite.setProperty("defaultNullCollation", "LAST");
    calcite.setProperty("typeSystem", PqVectorTypeSystem.class.getName() + "#INSTANCE");
    calcite.setProperty(DIRECTORY_PROPERTY, settings.location());
    calcite.setProperty(PqVectorJdbcFactory.URL_PROPERTY, url);
    settings.options().forEach((k, v) -> calcite.setProperty("pqvector." + k, v));
    return super.connect(ConnectionSettings.PREFIX, calcite);
  }

  /** The search options a connection's properties ask for. */
  static SearchSettings settings(Properties p) {
    String nprobe = p.getProperty("pqvector.nprobe");
    String cache = p.getProperty("pqvector.cacheSize");
    long cacheBytes = cache == null ? SearchSettings.defaultCacheBytes()
        : ConnectionSettings.parseBytes(cache);
    if (cacheBytes > 0) {
      DecodedPageCache.shared().ensureCapacity(cacheBytes);
    }
    String recall = p.getProperty("pqvector.recall");
    return new SearchSettings(nprobe == null ? null : Integer.valueOf(nprobe),
        !"false".equalsIgnoreCase(p.getProperty("pqvector.useIndex", "true")), cacheBytes,
        Boolean.parseBoolean(p.getProperty("pqvector.followSymlinks", "false")),
        recall == null ? SearchSettings.DEFAULT_RECALL : Double.parseDouble(recall));
  }

  /** The connection's pqvector options (but the URL as given), sorted. */
  private static java.util.SortedMap<String, String> pqvectorOptions(Properties p) {
    java.util.SortedMap<String, String> options = new java.util.TreeMap<>();
    for (String key : p.stringPropertyNames()) {
      if (key.startsWith("pqvector.") && !key.equals(PqVectorJdbcFactory.URL_PROPERTY)) {
        options.put(key, p.getProperty(key));
      }
    }
    return options;
  }

  @Override protected Handler createHandler() {
    Handler calciteHandler = super.createHandler();
    return new HandlerImpl() {
      @Override public void onConnectionInit(AvaticaConnection connection) throws SQLException {
        calciteHandler.onConnectionInit(connection);
        CalciteConnection c = (CalciteConnection) connection;
        Properties p = c.getProperties();
        String dir = p.getProperty(DIRECTORY_PROPERTY);
        if (dir == null) {
          throw new SQLException("pqvector: connection has no directory", "08001");
        }
        java.nio.file.Path root = ObjectStorage.isRemote(dir) ? ObjectStorage.root(dir, p)
            : java.nio.file.Paths.get(dir);
        try {
          SchemaPlus schema = c.getRootSchema().add(SCHEMA,
              SharedSchemas.of(root, settings(p), pqvectorOptions(p)));
          // Listed on every lookup so tables follow the files without reconnecting. Calcite
          // only switches off the snapshot lookups that exist when the cache is disabled, so
          // create them first.
          schema.tables().getNames(LikePattern.any());
          schema.subSchemas().getNames(LikePattern.any());
          schema.setCacheEnabled(false);
        } catch (RuntimeException e) {
          throw new SQLException("pqvector: " + e.getMessage(), "08001", e);
        }
        c.setSchema(SCHEMA);
      }

      @Override public void onConnectionClose(AvaticaConnection connection) {
        calciteHandler.onConnectionClose(connection);
      }

      @Override public void onStatementExecute(org.apache.calcite.avatica.AvaticaStatement s,
          ResultSink sink) {
        calciteHandler.onStatementExecute(s, sink);
      }

      @Override public void onStatementClose(org.apache.calcite.avatica.AvaticaStatement s) {
        calciteHandler.onStatementClose(s);
      }
    };
  }
}
