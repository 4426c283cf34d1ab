package io.pqvector.calcite.search;

import io.pqvector.parquet.FileVersion;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/** What a vector search reads of a table: its files, their footers, its columns and settings. */
public interface SearchedTable {
  /** The table's name, for messages. */
  String name();

  /** The table's files, in the order row numbers count them. */
  List<Path> files();

  /** The footer of one of the table's files, as read when the table was listed. */
  ParquetMetadata footer(Path file);

  /** The version of {@code file} that {@link #footer} was read from. */
  FileVersion version(Path file);

  /** The table's column names, in field order. */
  List<String> columnNames();

  /** The connection's search settings. */
  SearchSettings settings();
}
