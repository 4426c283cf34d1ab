package io.pqvector.rewrite;

import io.pqvector.ivf.BuildProgress;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.parquet.FixedSupportWriterBuilder;
import io.pqvector.parquet.LocalCodecFactory;
import io.pqvector.parquet.LocalFileInput;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroup;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.Type;

/**
 * The copy's rows, list by list: pass {@code p} reads the whole input and keeps only the rows of
 * a range of lists, placed straight into their final order, then writes them; ranges are chosen
 * so that a pass buffers at most the memory budget (by {@link InputSchema}'s estimate; a list
 * larger than the budget gets a pass of its own). The vector column is written one vector per
 * data page, UNCOMPRESSED, without dictionary; the other columns keep their codecs.
 */
final class ListOrderedCopy {
  /** parquet-mr refuses page size thresholds below its 64-byte initial buffer slab. */
  private static final int MIN_PAGE_BYTES = 64;

  private final Path input;
  private final String column;
  private final InputSchema layout;
  private final long memoryBudget;
  private final long rowGroupBytes;
  private final BuildProgress progress;

  ListOrderedCopy(Path input, String column, InputSchema layout, long memoryBudget,
      long rowGroupBytes, BuildProgress progress) {
    this.input = input;
    this.column = column;
    this.layout = layout;
    this.memoryBudget = memoryBudget;
    this.rowGroupBytes = rowGroupBytes;
    this.progress = progress;
  }

  /** Emits every row list by list, in as many passes as the budget needs; returns the passes. */
  int copy(IvfIndexBuilder.Trained trained, Path tmp, Path out)
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
    try (ParquetWriter<BufferedRow> writer = openWriter(trained.dim(), tmp, out)) {
      for (int[] range : ranges) {
        long[] slotStart = new long[groups + 1];
        long total = 0;
        for (int g = range[0]; g < range[1]; g++) {
          slotStart[g] = total;
          total += counts[g];
        }
        BufferedRow[] slots = new BufferedRow[(int) total];
        readPass(listOfRow, trained.lists(), range[0], range[1], slotStart, counts, slots);
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
  private void readPass(int[] listOfRow, int noVector, int from, int to,
      long[] slotStart, long[] counts, BufferedRow[] slots) throws IOException {
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
            BufferedRow kept = new BufferedRow(others == null ? null : copy(others),
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

  private ParquetWriter<BufferedRow> openWriter(int dim, Path tmp, Path out)
      throws IOException {
    String leaf = layout.vectorLeaf();
    FixedSupportWriterBuilder<BufferedRow> builder = new FixedSupportWriterBuilder<>(
        new LocalOutputFile(tmp), new BufferedRowWriteSupport(layout))
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
}
