package io.pqvector.ivf;

import io.pqvector.format.DataFingerprint;
import io.pqvector.format.IvfIndexFormat;
import io.pqvector.format.IvfIndexHeader;
import io.pqvector.format.IvfIndexWriter;
import io.pqvector.parquet.FixedSupportWriterBuilder;
import io.pqvector.parquet.LocalCodecFactory;
import io.pqvector.parquet.LocalFileInput;
import io.pqvector.parquet.ParquetAppendix;
import io.pqvector.parquet.ParquetFiles;
import io.pqvector.parquet.VectorColumn;
import io.pqvector.vector.Metric;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroup;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Writes a copy of a Parquet file laid out for IVF search, with the index inside: the vector
 * column one vector per data page, UNCOMPRESSED, without dictionary, with an offset index; rows
 * ordered by IVF list (each list's rows contiguous, lists in order, rows without a vector last);
 * every other column's values, the schema and the key-value metadata (except {@code pqvector.*})
 * as in the input, and their codecs (BROTLI, which can only be read, becomes SNAPPY). The input
 * is only read. See "Files written by {@code rewrite}" in
 * {@code docs/index-format.md} for what a reader may rely on.
 *
 * <p><b>How.</b> The vectors are validated, sampled, clustered and assigned exactly as
 * {@link IvfIndexBuilder} does (same seed, same lists). The rows are then emitted list by list in
 * one or more passes over the input: pass {@code p} reads the whole input and keeps only the rows
 * of a range of lists, placed straight into their final order, then writes them. The index is
 * written from the assignment (list {@code l} is the row range its rows were written to), and
 * checked with {@link FileIndex} before the file appears under its name.
 *
 * <p><b>Memory bound.</b> The rows buffered by one pass are at most the memory budget
 * ({@link #memoryBudget(long)}; default a quarter of the heap, between 64 MiB and 1 GiB), by an
 * estimate made before the pass: per row 96 bytes, plus 16 + 4 x dimension for its vector, plus
 * for each other leaf column 64 bytes and the column's average uncompressed value size from the
 * input footer (Group objects box values; the estimate is meant to be pessimistic). A single
 * list larger than the budget still gets a pass of its own. On top of that: 4 bytes per input row
 * (its list), the k-means training sample (64 vectors per list), one input row group's column
 * chunks as parquet-mr reads them, one output row group being assembled by parquet-mr
 * ({@link #rowGroupBytes(long)}, default 128 MiB), and at the end the index (its row ids, 4 bytes
 * per indexed row, and its payload). Buffered values are copied out of the page buffers, so a
 * pass never pins input pages. Measured: 340,000 rows of 100 floats plus an id and a title
 * (estimated 224 MB of rows) rewrote in one pass with the default budget and in two passes,
 * byte-identical, under {@code -Xmx600m} (budget 150 MB, peak RSS 750 MB).
 *
 * <p><b>Atomicity.</b> Everything is written to a hidden temporary file in the output's directory
 * ({@code .<name>.rewrite-<random>.tmp}), forced to disk and renamed over {@code <out>} at the
 * end; a failed or interrupted rewrite never leaves a partial file under {@code <out>} (a killed
 * process may leave the hidden temporary file behind).
 */
public final class SearchLayoutRewriter {
  public static final long DEFAULT_ROW_GROUP_BYTES = 128L << 20;
  private static final long MIN_BUDGET = 64L << 20;
  /** parquet-mr refuses page size thresholds below its 64-byte initial buffer slab. */
  private static final int MIN_PAGE_BYTES = 64;
  private static final long MAX_BUDGET = 1L << 30;

  private final Path input;
  private Path output;
  private String column;
  private Metric metric = Metric.L2;
  private int lists;
  private long seed = 42;
  private int iterations = IvfIndexBuilder.DEFAULT_ITERATIONS;
  private int threads = Runtime.getRuntime().availableProcessors();
  private boolean force;
  private long memoryBudget = defaultMemoryBudget();
  private long rowGroupBytes = DEFAULT_ROW_GROUP_BYTES;
  private BuildProgress progress = BuildProgress.NONE;

  private SearchLayoutRewriter(Path input) {
    this.input = input;
  }

  public static SearchLayoutRewriter from(Path input) {
    return new SearchLayoutRewriter(input);
  }

  public SearchLayoutRewriter to(Path output) {
    this.output = output;
    return this;
  }

  public SearchLayoutRewriter column(String column) {
    this.column = column;
    return this;
  }

  public SearchLayoutRewriter metric(Metric metric) {
    this.metric = metric;
    return this;
  }

  /** Number of lists; 0 chooses from the row count, as {@link IvfIndexBuilder} does. */
  public SearchLayoutRewriter lists(int lists) {
    this.lists = lists;
    return this;
  }

  public SearchLayoutRewriter seed(long seed) {
    this.seed = seed;
    return this;
  }

  public SearchLayoutRewriter iterations(int iterations) {
    this.iterations = iterations;
    return this;
  }

  public SearchLayoutRewriter threads(int threads) {
    this.threads = Math.max(1, threads);
    return this;
  }

  /** Replace {@code <out>} if it exists (it is never the input). */
  public SearchLayoutRewriter force(boolean force) {
    this.force = force;
    return this;
  }

  /** Estimated bytes of rows one pass may buffer (see the class comment). */
  public SearchLayoutRewriter memoryBudget(long bytes) {
    this.memoryBudget = Math.max(1, bytes);
    return this;
  }

  /** Target size of the output's row groups, as parquet-mr measures it. */
  public SearchLayoutRewriter rowGroupBytes(long bytes) {
    this.rowGroupBytes = Math.max(1 << 16, bytes);
    return this;
  }

  public SearchLayoutRewriter progress(BuildProgress progress) {
    this.progress = progress;
    return this;
  }

  /** A quarter of the maximum heap, clamped to [64 MiB, 1 GiB]. */
  public static long defaultMemoryBudget() {
    return Math.max(MIN_BUDGET, Math.min(MAX_BUDGET, Runtime.getRuntime().maxMemory() / 4));
  }

  /**
   * Writes the copy and its index.
   *
   * @throws IndexBuildException for input or paths that cannot be rewritten (the message names
   *     the file and, where it applies, the column); nothing is left under {@code <out>}
   */
  public RewriteReport rewrite() throws IndexBuildException, IOException {
    if (column == null || column.isEmpty()) {
      throw new IllegalArgumentException("no column given");
    }
    if (output == null) {
      throw new IllegalArgumentException("no output file given");
    }
    long start = System.nanoTime();
    Path out = checkPaths();
    Path tmp = out.resolveSibling("." + out.getFileName() + ".rewrite-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 4) + ".tmp");
    try {
      IvfIndexBuilder.Trained trained;
      Layout layout;
      try (VectorColumn vectors = openVectors()) {
        trained = IvfIndexBuilder.forFile(input).column(column).metric(metric).lists(lists)
            .seed(seed).iterations(iterations).threads(threads).progress(progress)
            .train(vectors);
        layout = Layout.of(ParquetFiles.readFooter(input), column);
      }
      int passes = copy(trained, layout, tmp, out);
      progress.update("writing", 0, 1);
      int indexBytes = writeIndex(trained, tmp);
      ParquetMetadata footer = ParquetFiles.readFooter(tmp);
      int rowGroups = verify(tmp, footer, trained);
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(out.getParent());
      progress.update("writing", 1, 1);
      return new RewriteReport(input, out, column, metric, trained.rowCount(), trained.indexed(),
          trained.lists(), trained.dim(), trained.iterations(), trained.trainingRows(), passes,
          memoryBudget, rowGroups, trained.trainSeconds(), (System.nanoTime() - start) / 1e9,
          Files.size(input), Files.size(out), indexBytes, trained.calibration());
    } finally {
      Files.deleteIfExists(tmp);
      // ParquetAppendix's journal for the temporary file, if adding the index was interrupted.
      Files.deleteIfExists(tmp.resolveSibling("." + tmp.getFileName() + ".pqvector-journal"));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Paths

  /** Checks input and output; returns the absolute output path. */
  private Path checkPaths() throws IndexBuildException, IOException {
    if (!Files.isRegularFile(input)) {
      throw new IndexBuildException(input + ": no such file");
    }
    Path out = output.toAbsolutePath().normalize();
    Path dir = out.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IndexBuildException(output + ": the directory " + dir + " does not exist");
    }
    if (Files.exists(out, LinkOption.NOFOLLOW_LINKS) || Files.exists(out)) {
      if (Files.exists(out) && Files.isSameFile(input, out)) {
        throw new IndexBuildException(output + " is the input file " + input
            + "; rewrite writes a copy and never overwrites its input");
      }
      if (Files.isDirectory(out)) {
        throw new IndexBuildException(output + " is a directory; give the output file's path");
      }
      if (!force) {
        throw new IndexBuildException(output + " already exists; use --force to replace it");
      }
    }
    if (!Files.isWritable(dir)) {
      throw new IndexBuildException(output + ": cannot write to the directory " + dir);
    }
    return out;
  }

  private VectorColumn openVectors() throws IndexBuildException, IOException {
    try {
      return VectorColumn.open(input, column);
    } catch (IllegalArgumentException e) {
      throw new IndexBuildException(e.getMessage(), e);
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      // Not every platform can open a directory; the rename itself is still atomic.
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Schema

  /** The input's schema, split into the vector field and the others, and its metadata. */
  private static final class Layout {
    final MessageType schema;
    final int vectorField;
    /** The other top-level fields, in schema order; null when there are none. */
    final MessageType others;
    /** The vector field's path: node names, index in the parent, cumulative definition level. */
    final String[] names;
    final int[] indexes;
    final int[] definedAt;
    final int repeated;
    final int maxDefinition;
    final ColumnDescriptor descriptor;
    final String createdBy;
    final Map<String, String> keyValues;
    final Map<String, CompressionCodecName> codecs;
    /** Estimated heap bytes of one buffered row, without its vector. */
    final long rowBytes;

    private Layout(ParquetMetadata footer, String column) {
      schema = footer.getFileMetaData().getSchema();
      vectorField = schema.getFieldIndex(column);
      List<Type> rest = new ArrayList<>();
      for (int i = 0; i < schema.getFieldCount(); i++) {
        if (i != vectorField) {
          rest.add(schema.getType(i));
        }
      }
      others = rest.isEmpty() ? null : new MessageType(schema.getName(), rest);
      List<Type> path = new ArrayList<>();
      Type node = schema.getType(vectorField);
      path.add(node);
      while (!node.isPrimitive()) {
        node = node.asGroupType().getType(0);
        path.add(node);
      }
      names = new String[path.size()];
      indexes = new int[path.size()];
      definedAt = new int[path.size()];
      int rep = -1;
      int level = 0;
      for (int i = 0; i < path.size(); i++) {
        Type t = path.get(i);
        names[i] = t.getName();
        indexes[i] = i == 0 ? vectorField : 0;
        if (t.getRepetition() != Type.Repetition.REQUIRED) {
          level++;
        }
        if (t.getRepetition() == Type.Repetition.REPEATED) {
          rep = i;
        }
        definedAt[i] = level;
      }
      repeated = rep;
      descriptor = schema.getColumnDescription(names);
      maxDefinition = descriptor.getMaxDefinitionLevel();
      createdBy = footer.getFileMetaData().getCreatedBy();
      keyValues = new LinkedHashMap<>();
      footer.getFileMetaData().getKeyValueMetaData().forEach((k, v) -> {
        if (!k.startsWith("pqvector.")) {
          keyValues.put(k, v);
        }
      });
      codecs = new LinkedHashMap<>();
      Map<String, long[]> sizes = new HashMap<>();
      String vectorPath = String.join(".", names);
      for (BlockMetaData block : footer.getBlocks()) {
        for (ColumnChunkMetaData chunk : block.getColumns()) {
          String leaf = chunk.getPath().toDotString();
          if (leaf.equals(vectorPath)) {
            continue;
          }
          CompressionCodecName codec = chunk.getCodec();
          if (!LocalCodecFactory.canCompress(codec)) {
            codec = CompressionCodecName.SNAPPY; // BROTLI is read but cannot be written
          }
          CompressionCodecName seen = codecs.putIfAbsent(leaf, codec);
          if (seen != null && seen != codec) {
            codecs.put(leaf, CompressionCodecName.SNAPPY);
          }
          long[] s = sizes.computeIfAbsent(leaf, k -> new long[2]);
          s[0] += chunk.getTotalUncompressedSize();
          s[1] += chunk.getValueCount();
        }
      }
      long perRow = 96;
      for (long[] s : sizes.values()) {
        perRow += 64 + (s[1] == 0 ? 0 : (s[0] + s[1] - 1) / s[1]);
      }
      rowBytes = perRow;
    }

    static Layout of(ParquetMetadata footer, String column) {
      return new Layout(footer, column);
    }

    String vectorLeaf() {
      return String.join(".", names);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Copy

  /**
   * One buffered row: the other columns, and the vector column's entries exactly as stored:
   * {@code defs} is null for a list whose elements are all present (the common case), else the
   * definition level of every entry; {@code values} holds the present elements.
   */
  private static final class Row {
    final Group others;
    final float[] values;
    final byte[] defs;

    Row(Group others, float[] values, byte[] defs) {
      this.others = others;
      this.values = values;
      this.defs = defs;
    }
  }

  /** Emits every row list by list, in as many passes as the budget needs; returns the passes. */
  private int copy(IvfIndexBuilder.Trained trained, Layout layout, Path tmp, Path out)
      throws IOException {
    int groups = trained.lists() + 1; // the last group: rows without a vector
    long[] counts = new long[groups];
    for (int l = 0; l < trained.lists(); l++) {
      counts[l] = trained.sizes()[l];
    }
    counts[groups - 1] = trained.rowCount() - trained.indexed();
    long vectorBytes = 16 + 4L * trained.dim();
    // Greedy ranges of groups, each within the budget (a group larger than it goes alone).
    List<int[]> ranges = new ArrayList<>();
    int from = 0;
    long bytes = 0;
    for (int g = 0; g < groups; g++) {
      long groupBytes = counts[g] * (layout.rowBytes + (g < groups - 1 ? vectorBytes : 0));
      if (g > from && bytes + groupBytes > memoryBudget) {
        ranges.add(new int[] {from, g});
        from = g;
        bytes = 0;
      }
      bytes += groupBytes;
    }
    ranges.add(new int[] {from, groups});

    int[] listOfRow = trained.listOfRow();
    long done = 0;
    try (ParquetWriter<Row> writer = openWriter(layout, trained.dim(), tmp, out)) {
      for (int[] range : ranges) {
        long[] slotStart = new long[groups + 1];
        long total = 0;
        for (int g = range[0]; g < range[1]; g++) {
          slotStart[g] = total;
          total += counts[g];
        }
        Row[] slots = new Row[(int) total];
        readPass(layout, listOfRow, trained.lists(), range[0], range[1], slotStart, counts, slots);
        for (int i = 0; i < slots.length; i++) {
          writer.write(slots[i]);
          slots[i] = null;
          if ((++done & 0xFFF) == 0) {
            progress.update("rewriting", done, trained.rowCount());
          }
        }
      }
    }
    progress.update("rewriting", trained.rowCount(), trained.rowCount());
    return ranges.size();
  }

  /** Reads the whole input, keeping the rows of groups [from, to) at their slots. */
  private void readPass(Layout layout, int[] listOfRow, int noVector, int from, int to,
      long[] slotStart, long[] counts, Row[] slots) throws IOException {
    long[] cursor = slotStart.clone();
    ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
        .withCodecFactory(new LocalCodecFactory(input))
        .build();
    MessageColumnIO othersIo = layout.others == null ? null
        : new ColumnIOFactory(layout.createdBy).getColumnIO(layout.others, layout.schema);
    float[] valueBuffer = new float[64];
    byte[] defBuffer = new byte[64];
    int maxDef = layout.maxDefinition;
    long row = 0;
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalFileInput(input), options)) {
      for (BlockMetaData block : reader.getFooter().getBlocks()) {
        long n = block.getRowCount();
        boolean wanted = false;
        for (long r = row; r < row + n && !wanted; r++) {
          int g = listOfRow[(int) r] < 0 ? noVector : listOfRow[(int) r];
          wanted = g >= from && g < to;
        }
        if (!wanted) {
          reader.skipNextRowGroup();
          row += n;
          continue;
        }
        PageReadStore pages = reader.readNextRowGroup();
        if (pages == null || pages.getRowCount() != n) {
          throw new IOException(input + ": row group of " + n + " rows could not be read");
        }
        RecordReader<Group> records = othersIo == null ? null
            : othersIo.getRecordReader(pages, new GroupRecordConverter(layout.others));
        ColumnReader vectors = new ColumnReadStoreImpl(pages,
            new GroupRecordConverter(layout.schema).getRootConverter(), layout.schema,
            layout.createdBy).getColumnReader(layout.descriptor);
        long entriesLeft = vectors.getTotalValueCount();
        for (long r = 0; r < n; r++, row++) {
          Group others = records == null ? null : records.read();
          int g = listOfRow[(int) row] < 0 ? noVector : listOfRow[(int) row];
          boolean keep = g >= from && g < to;
          if (entriesLeft <= 0) {
            throw new IOException(input + ": column '" + column + "' has fewer entries than rows");
          }
          int entries = 0;
          int present = 0;
          do {
            int d = vectors.getCurrentDefinitionLevel();
            if (keep) {
              if (entries == defBuffer.length) {
                defBuffer = Arrays.copyOf(defBuffer, entries * 2);
              }
              defBuffer[entries] = (byte) d;
              if (d == maxDef) {
                if (present == valueBuffer.length) {
                  valueBuffer = Arrays.copyOf(valueBuffer, present * 2);
                }
                valueBuffer[present++] = vectors.getFloat();
              }
            } else if (d == maxDef) {
              vectors.skip(); // consume() alone would leave the value to the next entry
            }
            entries++;
            vectors.consume();
            entriesLeft--;
          } while (entriesLeft > 0 && vectors.getCurrentRepetitionLevel() != 0);
          if (keep) {
            byte[] defs = present == entries ? null : Arrays.copyOf(defBuffer, entries);
            Row kept = new Row(others == null ? null : copy(others),
                Arrays.copyOf(valueBuffer, present), defs);
            if (cursor[g] >= slotStart[g] + counts[g]) {
              throw new IOException(input + ": the file changed during the rewrite (list " + g
                  + " got more rows than assigned)");
            }
            slots[(int) cursor[g]++] = kept;
          }
        }
        if (entriesLeft != 0) {
          throw new IOException(input + ": column '" + column + "' has more entries than rows");
        }
      }
    }
    for (int g = from; g < to; g++) {
      if (cursor[g] != slotStart[g] + counts[g]) {
        throw new IOException(input + ": the file changed during the rewrite (list " + g
            + " got " + (cursor[g] - slotStart[g]) + " rows)");
      }
    }
  }

  /** A deep copy whose binary values own their bytes (so page buffers are not kept alive). */
  private static Group copy(Group source) {
    GroupType type = source.getType();
    SimpleGroup target = new SimpleGroup(type);
    for (int f = 0; f < type.getFieldCount(); f++) {
      Type t = type.getType(f);
      int n = source.getFieldRepetitionCount(f);
      for (int i = 0; i < n; i++) {
        if (!t.isPrimitive()) {
          target.add(f, copy(source.getGroup(f, i)));
          continue;
        }
        switch (t.asPrimitiveType().getPrimitiveTypeName()) {
          case INT32 -> target.add(f, source.getInteger(f, i));
          case INT64 -> target.add(f, source.getLong(f, i));
          case FLOAT -> target.add(f, source.getFloat(f, i));
          case DOUBLE -> target.add(f, source.getDouble(f, i));
          case BOOLEAN -> target.add(f, source.getBoolean(f, i));
          // SimpleGroup keeps INT96 as Int96Value when added as Binary to an INT96 field.
          case INT96 -> target.add(f, Binary.fromConstantByteArray(source.getInt96(f, i).getBytes()));
          default -> target.add(f, Binary.fromConstantByteArray(source.getBinary(f, i).getBytes()));
        }
      }
    }
    return target;
  }

  private ParquetWriter<Row> openWriter(Layout layout, int dim, Path tmp, Path out)
      throws IOException {
    String leaf = layout.vectorLeaf();
    FixedSupportWriterBuilder<Row> builder = new FixedSupportWriterBuilder<>(
        new LocalOutputFile(tmp), new RowWriteSupport(layout))
        .withConf(new PlainParquetConfiguration())
        .withCodecFactory(new LocalCodecFactory(out))
        .withWriteMode(ParquetFileWriter.Mode.CREATE)
        .withWriterVersion(WriterVersion.PARQUET_1_0)
        .withRowGroupSize(rowGroupBytes)
        .withValidation(false)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        // One vector per page: parquet-mr checks page sizes after every row and cuts a page once
        // it holds 90% of the threshold, so a threshold of one vector's bytes cuts after each
        // vector. The threshold applies to every column: the others get small pages too.
        .withPageSize(Math.max(MIN_PAGE_BYTES, 4 * dim))
        .withMinRowCountForPageSizeCheck(1)
        .withMaxRowCountForPageSizeCheck(1)
        .withCompressionCodec(leaf, CompressionCodecName.UNCOMPRESSED)
        .withDictionaryEncoding(leaf, false)
        .withStatisticsEnabled(leaf, false);
    if (4 * dim + 1 < 0.9 * MIN_PAGE_BYTES) {
      // Vectors too short to fill the smallest threshold parquet-mr accepts: one row per page,
      // for every column.
      builder.withPageRowCountLimit(1);
    }
    layout.codecs.forEach(builder::withCompressionCodec);
    try {
      return builder.build();
    } catch (FileAlreadyExistsException e) {
      throw new IOException(tmp + ": temporary file already exists", e);
    }
  }

  /** Writes buffered rows with the input's schema: other fields from their Group, the vector from its entries. */
  private static final class RowWriteSupport extends WriteSupport<Row> {
    private final Layout layout;
    private RecordConsumer consumer;

    RowWriteSupport(Layout layout) {
      this.layout = layout;
    }

    @Override public WriteContext init(Configuration configuration) {
      return new WriteContext(layout.schema, layout.keyValues);
    }

    @Override public WriteContext init(ParquetConfiguration configuration) {
      return new WriteContext(layout.schema, layout.keyValues);
    }

    @Override public void prepareForWrite(RecordConsumer recordConsumer) {
      this.consumer = recordConsumer;
    }

    @Override public void write(Row row) {
      consumer.startMessage();
      int other = 0;
      for (int f = 0; f < layout.schema.getFieldCount(); f++) {
        if (f == layout.vectorField) {
          writeVector(row);
        } else {
          writeField(row.others, other++, layout.schema.getType(f), f);
        }
      }
      consumer.endMessage();
    }

    private void writeField(Group group, int groupIndex, Type type, int outIndex) {
      int n = group.getFieldRepetitionCount(groupIndex);
      if (n == 0) {
        return;
      }
      consumer.startField(type.getName(), outIndex);
      for (int i = 0; i < n; i++) {
        if (type.isPrimitive()) {
          group.writeValue(groupIndex, i, consumer);
        } else {
          Group child = group.getGroup(groupIndex, i);
          GroupType childType = type.asGroupType();
          consumer.startGroup();
          for (int f = 0; f < childType.getFieldCount(); f++) {
            writeField(child, f, childType.getType(f), f);
          }
          consumer.endGroup();
        }
      }
      consumer.endField(type.getName(), outIndex);
    }

    /** Rebuilds the vector field from its entries' definition levels (see {@link Row}). */
    private void writeVector(Row row) {
      String[] names = layout.names;
      int[] indexes = layout.indexes;
      int[] definedAt = layout.definedAt;
      int rep = layout.repeated;
      int leaf = names.length - 1;
      int maxDef = layout.maxDefinition;
      int entries = row.defs == null ? row.values.length : row.defs.length;
      int first = row.defs == null ? maxDef : row.defs[0];
      int opened = 0;
      while (opened < rep && definedAt[opened] <= first) {
        consumer.startField(names[opened], indexes[opened]);
        consumer.startGroup();
        opened++;
      }
      if (opened == rep && definedAt[rep] <= first) {
        consumer.startField(names[rep], indexes[rep]);
        int v = 0;
        for (int e = 0; e < entries; e++) {
          int d = row.defs == null ? maxDef : row.defs[e];
          if (rep == leaf) {
            consumer.addFloat(row.values[v++]);
            continue;
          }
          consumer.startGroup();
          int inner = rep + 1;
          while (inner <= leaf && definedAt[inner] <= d) {
            consumer.startField(names[inner], indexes[inner]);
            if (inner == leaf) {
              consumer.addFloat(row.values[v++]);
            } else {
              consumer.startGroup();
            }
            inner++;
          }
          for (int i = inner - 1; i > rep; i--) {
            if (i != leaf) {
              consumer.endGroup();
            }
            consumer.endField(names[i], indexes[i]);
          }
          consumer.endGroup();
        }
        consumer.endField(names[rep], indexes[rep]);
      }
      for (int i = opened - 1; i >= 0; i--) {
        consumer.endGroup();
        consumer.endField(names[i], indexes[i]);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Index

  /** The index from the assignment: list l is the row range its rows were written to. */
  private int writeIndex(IvfIndexBuilder.Trained trained, Path tmp) throws IOException {
    int[][] invertedLists = new int[trained.lists()][];
    int next = 0;
    for (int l = 0; l < trained.lists(); l++) {
      int[] rows = new int[trained.sizes()[l]];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = next++;
      }
      invertedLists[l] = rows;
    }
    ParquetMetadata footer = ParquetFiles.readFooter(tmp);
    IvfIndexHeader header = new IvfIndexHeader(column, metric.id(), trained.dim(), trained.lists(),
        trained.rowCount(), trained.indexed(), DataFingerprint.of(footer, column), seed,
        iterations);
    byte[] payload;
    try (VectorColumn written = VectorColumn.open(tmp, column)) {
      payload = IvfIndexWriter.write(header, trained.centroids(), invertedLists,
          IvfIndexBuilder.pageTable(written), trained.curve());
    }
    ParquetAppendix.write(tmp, IvfIndexFormat.footerKey(column), payload);
    return payload.length;
  }

  /** Checks the written file before it gets its name; returns its row group count. */
  private int verify(Path tmp, ParquetMetadata footer, IvfIndexBuilder.Trained trained)
      throws IOException {
    long rows = footer.getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum();
    if (rows != trained.rowCount()) {
      throw new IOException(tmp + ": wrote " + rows + " rows instead of " + trained.rowCount());
    }
    try (VectorColumn written = VectorColumn.open(tmp, column)) {
      for (int rg = 0; rg < written.rowGroupCount(); rg++) {
        if (!written.hasOffsetIndex(rg)) {
          throw new IOException(tmp + ": row group " + rg + " of column '" + column
              + "' was written without an offset index");
        }
      }
    }
    FileIndex index = FileIndex.load(tmp, footer, column);
    if (index.status() != FileIndex.Status.OK) {
      throw new IOException("the index written into " + tmp + " does not verify: "
          + index.problem());
    }
    return footer.getBlocks().size();
  }
}
