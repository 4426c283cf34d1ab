package io.pqvector.calcite;

import io.pqvector.calcite.rows.FileErrors;
import io.pqvector.calcite.rows.ParquetRowReader;
import io.pqvector.calcite.rows.ParquetSqlTypes;
import io.pqvector.calcite.rows.ParquetValueConverters;
import io.pqvector.calcite.search.SearchSettings;
import io.pqvector.calcite.search.SearchedTable;
import io.pqvector.calcite.cancel.QueryCancellation;
import io.pqvector.ivf.FileIndex;
import io.pqvector.parquet.FileVersion;
import io.pqvector.parquet.VersionedFooter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.calcite.DataContext;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.jdbc.JavaTypeFactoryImpl;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.Statistic;
import org.apache.calcite.schema.Statistics;
import org.apache.calcite.schema.TranslatableTable;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.schema.Type;

/**
 * A table over one Parquet file, or over every Parquet file of a directory (columns united by
 * name; a column a file lacks reads as NULL). The file list is a snapshot taken when the schema
 * listed the directory; a changed directory yields a new table object.
 */
public final class ParquetTable extends AbstractTable implements TranslatableTable, SearchedTable {
  private static final JavaTypeFactory CHECK_TYPES = new JavaTypeFactoryImpl();

  private final String name;
  private final List<Path> files;
  private final List<String> columnNames = new ArrayList<>();
  private final List<Type> columnTypes = new ArrayList<>();

  /** Each file's footer with the version it was read from. */
  private final Map<Path, VersionedFooter> footers;
  private final SearchSettings settings;

  ParquetTable(String name, List<Path> files, Map<Path, VersionedFooter> footers,
      SearchSettings settings) {
    this.name = name;
    this.settings = settings;
    this.files = List.copyOf(files);
    this.footers = Map.copyOf(footers);
    Map<String, Type> byName = new LinkedHashMap<>();
    Map<String, Path> firstFile = new LinkedHashMap<>();
    for (Path file : files) {
      for (Type field : footer(file).getFileMetaData().getSchema().getFields()) {
        Type known = byName.get(field.getName());
        if (known == null) {
          byName.put(field.getName(), field);
          firstFile.put(field.getName(), file);
        } else {
          String a = describe(known);
          String b = describe(field);
          if (!a.equals(b)) {
            throw new IllegalArgumentException("table '" + name + "': column '" + field.getName()
                + "' is " + a + " in " + firstFile.get(field.getName()) + " but " + b + " in "
                + file);
          }
        }
      }
    }
    byName.forEach((n, t) -> {
      columnNames.add(n);
      columnTypes.add(t);
    });
  }

  private static String describe(Type t) {
    return columnType(t, CHECK_TYPES).getFullTypeString();
  }

  private static RelDataType columnType(Type t, RelDataTypeFactory factory) {
    RelDataType type = ParquetSqlTypes.toSqlType(
        t.isRepetition(Type.Repetition.REPEATED) ? ParquetValueConverters.asOptional(t) : t,
        factory);
    if (t.isRepetition(Type.Repetition.REPEATED)) {
      type = factory.createTypeWithNullability(factory.createArrayType(type, -1), true);
    }
    return type;
  }

  @Override public String name() {
    return name;
  }

  /**
   * The row count from the footers. Without it Calcite assumes 100 rows, and an ORDER BY ... LIMIT
   * of 100 or more would be planned as a full sort instead of a vector top-k.
   */
  @Override public Statistic getStatistic() {
    long rows = 0;
    for (VersionedFooter read : footers.values()) {
      for (org.apache.parquet.hadoop.metadata.BlockMetaData block : read.footer().getBlocks()) {
        rows += block.getRowCount();
      }
    }
    return Statistics.of(rows, List.of());
  }

  @Override public List<Path> files() {
    return files;
  }

  @Override public List<String> columnNames() {
    return columnNames;
  }

  /** The Parquet type of a column as the first file that has it declares it. */
  public Type columnParquetType(int column) {
    return columnTypes.get(column);
  }

  @Override public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    RelDataTypeFactory.Builder b = typeFactory.builder();
    for (int i = 0; i < columnNames.size(); i++) {
      b.add(columnNames.get(i), columnType(columnTypes.get(i), typeFactory));
    }
    return b.build();
  }

  @Override public RelNode toRel(RelOptTable.ToRelContext context, RelOptTable relOptTable) {
    PlannedTables.reads(name);
    int[] fields = new int[columnNames.size()];
    for (int i = 0; i < fields.length; i++) {
      fields[i] = i;
    }
    return new ParquetTableScan(context.getCluster(), relOptTable, this, fields, null);
  }

  /**
   * Rows of the projected {@code fields}: {@code Object[]} per row, or the bare value when
   * {@code scalar} (Calcite's representation of a one-column row).
   */
  public Enumerable<Object> scan(DataContext root, int[] fields, FilterPredicate pruning,
      boolean scalar) {
    String[] names = new String[fields.length];
    for (int i = 0; i < fields.length; i++) {
      names[i] = columnNames.get(fields[i]);
    }
    FilterCompat.Filter filter = pruning == null ? FilterCompat.NOOP : FilterCompat.get(pruning);
    QueryCancellation cancel = QueryCancellation.of(root);
    return new AbstractEnumerable<>() {
      @Override public Enumerator<Object> enumerator() {
        return new FilesEnumerator(names, filter, scalar, cancel);
      }
    };
  }

  /** Rows of the given files in order, one reader open at a time. */
  private final class FilesEnumerator implements Enumerator<Object> {
    private final String[] names;
    private final FilterCompat.Filter filter;
    private final boolean scalar;
    private final QueryCancellation cancel;
    private int fileIndex = -1;
    private ParquetRowReader reader;
    private Object current;
    private long rows;

    FilesEnumerator(String[] names, FilterCompat.Filter filter, boolean scalar,
        QueryCancellation cancel) {
      this.names = names;
      this.filter = filter;
      this.scalar = scalar;
      this.cancel = cancel;
    }

    @Override public Object current() {
      return current;
    }

    @Override public boolean moveNext() {
      try {
        while (true) {
          if ((++rows & 1023) == 0) {
            cancel.check();
          }
          if (reader != null) {
            Object[] row = reader.next();
            if (row != null) {
              current = scalar ? row[0] : row;
              return true;
            }
            reader.close();
            reader = null;
          }
          if (++fileIndex >= files.size()) {
            return false;
          }
          reader = new ParquetRowReader(files.get(fileIndex), names, filter, null);
        }
      } catch (IOException e) {
        throw FileErrors.reading(files.get(fileIndex), e);
      }
    }

    @Override public void reset() {
      close();
      fileIndex = -1;
    }

    @Override public void close() {
      if (reader != null) {
        try {
          reader.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        reader = null;
      }
    }
  }

  /** The footer of one of the table's files, as read when the table was listed. */
  @Override public ParquetMetadata footer(Path file) {
    return footers.get(file).footer();
  }

  @Override public FileVersion version(Path file) {
    return footers.get(file).version();
  }

  @Override public SearchSettings settings() {
    return settings;
  }

  /** The state of each file's index for {@code column}, in file order. */
  public List<FileIndex> indexes(String column) {
    List<FileIndex> result = new ArrayList<>(files.size());
    for (Path f : files) {
      result.add(FileIndex.load(f, footers.get(f), column));
    }
    return result;
  }

  /** Reads a file's footer, with the version it was read from. */
  static VersionedFooter readFooter(Path file) {
    try {
      return VersionedFooter.read(file);
    } catch (IOException e) {
      throw FileErrors.reading(file, e);
    }
  }
}
