package io.pqvector.parquet;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Writes a copy of a Parquet file with one column added: a {@code LIST<FLOAT>} computed from a
 * text column, a batch of rows at a time (the {@code embed} command). The other columns, their
 * values and the row order are unchanged; the file is streamed (a row group in memory at most,
 * as parquet-mr reads it) and written to a temporary file that is renamed into place at the end,
 * so a failure never leaves a partial output. The vector column is laid out as the index wants
 * it: one vector per page, uncompressed, with an offset index.
 */
public final class VectorColumnAppender {
  private static final int MIN_PAGE_BYTES = 64;

  /** Computes the vectors of a batch of texts (null or empty text: a null vector). */
  @FunctionalInterface
  public interface BatchFunction {
    float[][] apply(List<String> texts) throws IOException;
  }

  /** Rows done so far of a total. */
  @FunctionalInterface
  public interface Progress {
    void update(long done, long total);
  }

  /** What a copy did. */
  public record Report(Path output, long rows, long vectors, long nulls, int dimension,
      double seconds) {}

  private VectorColumnAppender() {}

  /**
   * @param keyValues entries added to the output footer (the input's own entries are kept,
   *     except pqvector's index entries, which describe the input's bytes)
   */
  public static Report copy(Path in, Path out, String textColumn, String vectorColumn,
      int dimension, int batchSize, Map<String, String> keyValues, BatchFunction function,
      Progress progress)
      throws IOException {
    long start = System.nanoTime();
    if (Files.exists(out)) {
      throw new FileAlreadyExistsException(out + ": output already exists; choose another name"
          + " or remove it first");
    }
    ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
        .withCodecFactory(new LocalCodecFactory(in)).build();
    Path dir = out.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + out.getFileName(), ".tmp");
    Files.delete(tmp); // the writer creates it
    long rows = 0;
    long nulls = 0;
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalFileInput(in), options)) {
      ParquetMetadata footer = reader.getFooter();
      MessageType schema = footer.getFileMetaData().getSchema();
      int textField = textField(in, schema, textColumn);
      if (schema.containsField(vectorColumn)) {
        throw new IllegalArgumentException(in + ": already has a column named '" + vectorColumn
            + "'; choose another name with --column");
      }
      long total = reader.getRecordCount();
      MessageColumnIO io = new ColumnIOFactory(footer.getFileMetaData().getCreatedBy())
          .getColumnIO(schema);
      Map<String, String> kv = new LinkedHashMap<>();
      footer.getFileMetaData().getKeyValueMetaData().forEach((k, v) -> {
        if (!k.startsWith("pqvector.ivf.") && !k.startsWith("pqvector.appendix")) {
          kv.put(k, v);
        }
      });
      kv.putAll(keyValues);
      ParquetWriter<Row> writer = open(tmp, out, schema, vectorColumn, dimension, kv);
      try {
        List<Group> pending = new ArrayList<>(batchSize);
        List<String> texts = new ArrayList<>(batchSize);
        PageReadStore pages;
        while ((pages = reader.readNextRowGroup()) != null) {
          RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(schema));
          for (long r = 0; r < pages.getRowCount(); r++) {
            Group g = records.read();
            pending.add(g);
            texts.add(g.getFieldRepetitionCount(textField) == 0 ? null
                : g.getBinary(textField, 0).toStringUsingUTF8());
            if (pending.size() == batchSize) {
              nulls += writeBatch(writer, function, pending, texts, dimension, in);
              rows += pending.size();
              pending.clear();
              texts.clear();
              progress.update(rows, total);
            }
          }
        }
        if (!pending.isEmpty()) {
          nulls += writeBatch(writer, function, pending, texts, dimension, in);
          rows += pending.size();
          progress.update(rows, total);
        }
        writer.close();
        writer = null;
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        if (writer != null) {
          try {
            writer.close();
          } catch (IOException | RuntimeException ignored) {
            // the temporary file is removed below; the first error is the one to report
          }
        }
        Files.deleteIfExists(tmp);
      }
    }
    return new Report(out, rows, rows - nulls, nulls, dimension, (System.nanoTime() - start) / 1e9);
  }

  /** Embeds and writes one batch; returns how many of its vectors are NULL. */
  private static int writeBatch(ParquetWriter<Row> writer, BatchFunction function,
      List<Group> rows, List<String> texts, int dimension, Path in) throws IOException {
    float[][] v = function.apply(texts);
    if (v.length != texts.size()) {
      throw new IllegalStateException(in + ": the embedding model returned " + v.length
          + " vectors for " + texts.size() + " texts");
    }
    int nulls = 0;
    for (int i = 0; i < v.length; i++) {
      if (v[i] == null) {
        nulls++;
      } else if (v[i].length != dimension) {
        throw new IllegalStateException(in + ": the embedding model returned a vector of "
            + v[i].length + " dimensions instead of " + dimension);
      }
      writer.write(new Row(rows.get(i), v[i]));
    }
    return nulls;
  }

  private static int textField(Path in, MessageType schema, String column) {
    if (!schema.containsField(column)) {
      List<String> names = new ArrayList<>();
      schema.getFields().forEach(f -> names.add(f.getName()));
      throw new IllegalArgumentException(in + ": no column '" + column + "' (columns: "
          + String.join(", ", names) + ")");
    }
    Type t = schema.getType(column);
    if (!t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED)
        || t.asPrimitiveType().getPrimitiveTypeName() != PrimitiveType.PrimitiveTypeName.BINARY
        || !(t.getLogicalTypeAnnotation() == null || t.getLogicalTypeAnnotation()
            instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation)) {
      throw new IllegalArgumentException(in + ": column '" + column + "' is " + t
          + ", not a text (STRING) column");
    }
    return schema.getFieldIndex(column);
  }

  private static ParquetWriter<Row> open(Path tmp, Path out, MessageType schema,
      String vectorColumn, int dimension, Map<String, String> keyValues) throws IOException {
    GroupType vector = Types.optionalList()
        .requiredElement(PrimitiveType.PrimitiveTypeName.FLOAT).named(vectorColumn);
    List<Type> fields = new ArrayList<>(schema.getFields());
    fields.add(vector);
    MessageType outSchema = new MessageType(schema.getName(), fields);
    String leaf = vectorColumn + ".list.element";
    RowSupport support = new RowSupport(outSchema, schema.getFieldCount(), keyValues);
    FixedSupportWriterBuilder<Row> builder =
        new FixedSupportWriterBuilder<>(new LocalOutputFile(tmp), support)
        .withConf(new PlainParquetConfiguration())
        .withCodecFactory(new LocalCodecFactory(out))
        .withWriteMode(ParquetFileWriter.Mode.CREATE)
        .withWriterVersion(WriterVersion.PARQUET_1_0)
        .withValidation(false)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        // One vector per page (see SearchLayoutRewriter): pages are cut after each row once
        // they hold a vector's bytes, so the index reads single vectors.
        .withPageSize(Math.max(MIN_PAGE_BYTES, 4 * dimension))
        .withMinRowCountForPageSizeCheck(1)
        .withMaxRowCountForPageSizeCheck(1)
        .withCompressionCodec(leaf, CompressionCodecName.UNCOMPRESSED)
        .withDictionaryEncoding(leaf, false)
        .withStatisticsEnabled(leaf, false);
    if (4 * dimension + 1 < 0.9 * MIN_PAGE_BYTES) {
      builder.withPageRowCountLimit(1);
    }
    return builder.build();
  }

  /** An input row and its vector (null for a NULL vector). */
  private record Row(Group input, float[] vector) {}

  /** Writes the input row's fields as they were read, then the vector as a 3-level list. */
  private static final class RowSupport extends WriteSupport<Row> {
    private final MessageType schema;
    private final int vectorField;
    private final Map<String, String> keyValues;
    private RecordConsumer consumer;

    RowSupport(MessageType schema, int vectorField, Map<String, String> keyValues) {
      this.schema = schema;
      this.vectorField = vectorField;
      this.keyValues = keyValues;
    }

    @Override public WriteContext init(Configuration configuration) {
      return new WriteContext(schema, keyValues);
    }

    @Override public WriteContext init(ParquetConfiguration configuration) {
      return new WriteContext(schema, keyValues);
    }

    @Override public void prepareForWrite(RecordConsumer recordConsumer) {
      this.consumer = recordConsumer;
    }

    @Override public void write(Row row) {
      consumer.startMessage();
      for (int f = 0; f < vectorField; f++) {
        GroupFields.write(consumer, row.input, f, schema.getType(f), f);
      }
      if (row.vector != null) {
        String name = schema.getType(vectorField).getName();
        consumer.startField(name, vectorField);
        consumer.startGroup();
        consumer.startField("list", 0);
        for (float x : row.vector) {
          consumer.startGroup();
          consumer.startField("element", 0);
          consumer.addFloat(x);
          consumer.endField("element", 0);
          consumer.endGroup();
        }
        consumer.endField("list", 0);
        consumer.endGroup();
        consumer.endField(name, vectorField);
      }
      consumer.endMessage();
    }
  }
}
