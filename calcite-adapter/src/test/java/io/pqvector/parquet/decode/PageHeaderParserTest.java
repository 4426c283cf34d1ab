package io.pqvector.parquet.decode;

import io.pqvector.parquet.ParquetFiles;
import static io.pqvector.parquet.decode.ThriftCompactReader.BINARY;
import static io.pqvector.parquet.decode.ThriftCompactReader.BOOLEAN_TRUE;
import static io.pqvector.parquet.decode.ThriftCompactReader.BYTE;
import static io.pqvector.parquet.decode.ThriftCompactReader.DOUBLE;
import static io.pqvector.parquet.decode.ThriftCompactReader.I16;
import static io.pqvector.parquet.decode.ThriftCompactReader.I32;
import static io.pqvector.parquet.decode.ThriftCompactReader.I64;
import static io.pqvector.parquet.decode.ThriftCompactReader.LIST;
import static io.pqvector.parquet.decode.ThriftCompactReader.MAP;
import static io.pqvector.parquet.decode.ThriftCompactReader.SET;
import static io.pqvector.parquet.decode.ThriftCompactReader.STRUCT;
import static io.pqvector.parquet.decode.ThriftCompactReader.UUID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pqvector.parquet.decode.TestVectorFile.Spec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.DictionaryPageHeader;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.IndexPageHeader;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PageHeaderParser} against parquet-format's {@code Util.readPageHeader}: on every page header
 * of files parquet-mr writes in many variants, on generated headers full of fields Thrift's writer
 * never emits, and on seeded random corruptions of both (where it may only throw an IOException).
 */
class PageHeaderParserTest {
  @TempDir Path dir;

  /** A header at {@code pos} in {@code bytes}; its page ends by {@code end}. */
  record HeaderAt(byte[] bytes, int pos, int end) {}

  /** What Util.readPageHeader makes of {@code bytes[pos..end)}: a header and its length, or an error. */
  record UtilParse(PageHeader header, int length, Throwable error) {
    static UtilParse of(byte[] bytes, int pos, int end) {
      ByteArrayInputStream in = new ByteArrayInputStream(bytes, pos, end - pos);
      try {
        PageHeader header = Util.readPageHeader(in);
        return new UtilParse(header, end - pos - in.available(), null);
      } catch (Throwable e) {
        return new UtilParse(null, -1, e);
      }
    }
  }

  // ---------------------------------------------------------------- differential, parquet-mr files

  @Test
  void everyHeaderOfParquetMrFilesParsesAsUtilDoes() throws IOException {
    int files = 0;
    TreeMap<String, Integer> seen = new TreeMap<>();
    CompressionCodecName[] codecs = {CompressionCodecName.UNCOMPRESSED, CompressionCodecName.SNAPPY,
        CompressionCodecName.ZSTD, CompressionCodecName.GZIP};
    for (int variant = 0; variant < 64; variant++) {
      Spec spec = new Spec().rows(150).seed(variant);
      if ((variant & 1) != 0) {
        spec.v2();
      }
      if ((variant & 2) != 0) {
        spec.dictionary(8);
      }
      if ((variant & 4) != 0) {
        spec.noStatistics();
      }
      if ((variant & 8) != 0) {
        spec.checksums();
      }
      if ((variant & 16) != 0) {
        spec.onePerPage();
      } else {
        spec.pageSize(512).rowGroupRows(60);
      }
      if ((variant & 32) != 0) {
        spec.nulls().emptyLists().codec(codecs[(variant >> 2) & 3]);
      }
      Path file = dir.resolve("v" + variant + ".parquet");
      TestVectorFile.write(file, spec);
      for (HeaderAt at : headers(file)) {
        UtilParse expected = UtilParse.of(at.bytes, at.pos, at.end);
        assertNull(expected.error, () -> "Util fails on a header parquet-mr wrote: " + expected.error);
        PageHeaderParser actual = PageHeaderParser.parse(at.bytes, at.pos, at.end, file, at.pos);
        assertSameHeader(expected, actual.header, actual.headerLength, file + " @" + at.pos);
        count(seen, expected.header);
      }
      files++;
    }
    assertEquals(64, files);
    // The matrix reached every kind of header the parser fills.
    // (parquet-mr 1.18 writes no page statistics and never is_compressed=false: the generated tests cover them.)
    for (String kind : List.of("DATA_PAGE", "DATA_PAGE_V2", "DICTIONARY_PAGE", "crc")) {
      assertTrue(seen.getOrDefault(kind, 0) > 0, () -> "no " + kind + " header in " + seen);
    }
    System.out.println("PageHeaderParserTest: headers of parquet-mr files: " + seen);
  }

  private static void count(TreeMap<String, Integer> seen, PageHeader h) {
    seen.merge(h.getType().name(), 1, Integer::sum);
    if (h.isSetCrc()) {
      seen.merge("crc", 1, Integer::sum);
    }
    if (h.isSetData_page_header() && h.getData_page_header().isSetStatistics()) {
      seen.merge("statistics v1", 1, Integer::sum);
    }
    if (h.isSetData_page_header_v2() && h.getData_page_header_v2().isSetStatistics()) {
      seen.merge("statistics v2", 1, Integer::sum);
    }
    if (h.isSetData_page_header_v2() && !h.getData_page_header_v2().isIs_compressed()) {
      seen.merge("is_compressed=false", 1, Integer::sum);
    }
  }

  /** Every page header of every column chunk of {@code file}, with the whole file as the bytes. */
  static List<HeaderAt> headers(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    List<HeaderAt> headers = new ArrayList<>();
    try (ParquetFileReader reader = ParquetFiles.open(file)) {
      for (BlockMetaData block : reader.getFooter().getBlocks()) {
        for (ColumnChunkMetaData chunk : block.getColumns()) {
          int pos = (int) chunk.getStartingPos();
          int end = (int) (chunk.getStartingPos() + chunk.getTotalSize());
          while (pos < end) {
            UtilParse parse = UtilParse.of(bytes, pos, end);
            assertNull(parse.error);
            headers.add(new HeaderAt(bytes, pos, end));
            pos += parse.length + parse.header.getCompressed_page_size();
          }
          assertEquals(end, pos, "pages tile the chunk");
        }
      }
    }
    return headers;
  }

  static void assertSameHeader(UtilParse expected, PageHeader actual, int actualLength, String where) {
    PageHeader e = expected.header;
    assertEquals(expected.length, actualLength, where + ": header length");
    assertEquals(e.getType(), actual.getType(), where + ": type");
    assertEquals(e.getUncompressed_page_size(), actual.getUncompressed_page_size(), where + ": uncompressed");
    assertEquals(e.getCompressed_page_size(), actual.getCompressed_page_size(), where + ": compressed");
    assertEquals(e.isSetCrc(), actual.isSetCrc(), where + ": crc set");
    if (e.isSetCrc()) {
      assertEquals(e.getCrc(), actual.getCrc(), where + ": crc");
    }
    assertEquals(e.isSetData_page_header(), actual.isSetData_page_header(), where + ": data page header set");
    if (e.isSetData_page_header()) {
      DataPageHeader x = e.getData_page_header();
      DataPageHeader y = actual.getData_page_header();
      assertEquals(x.getNum_values(), y.getNum_values(), where + ": num_values");
      assertEquals(x.getEncoding(), y.getEncoding(), where + ": encoding");
      assertEquals(x.getDefinition_level_encoding(), y.getDefinition_level_encoding(), where + ": def encoding");
      assertEquals(x.getRepetition_level_encoding(), y.getRepetition_level_encoding(), where + ": rep encoding");
      assertFalse(y.isSetStatistics(), where + ": statistics are skipped");
    }
    assertEquals(e.isSetDictionary_page_header(), actual.isSetDictionary_page_header(), where + ": dictionary set");
    if (e.isSetDictionary_page_header()) {
      DictionaryPageHeader x = e.getDictionary_page_header();
      DictionaryPageHeader y = actual.getDictionary_page_header();
      assertEquals(x.getNum_values(), y.getNum_values(), where + ": dictionary num_values");
      assertEquals(x.getEncoding(), y.getEncoding(), where + ": dictionary encoding");
      assertEquals(x.isSetIs_sorted(), y.isSetIs_sorted(), where + ": is_sorted set");
      assertEquals(x.isIs_sorted(), y.isIs_sorted(), where + ": is_sorted");
    }
    assertEquals(e.isSetData_page_header_v2(), actual.isSetData_page_header_v2(), where + ": v2 set");
    if (e.isSetData_page_header_v2()) {
      DataPageHeaderV2 x = e.getData_page_header_v2();
      DataPageHeaderV2 y = actual.getData_page_header_v2();
      assertEquals(x.getNum_values(), y.getNum_values(), where + ": v2 num_values");
      assertEquals(x.getNum_nulls(), y.getNum_nulls(), where + ": v2 num_nulls");
      assertEquals(x.getNum_rows(), y.getNum_rows(), where + ": v2 num_rows");
      assertEquals(x.getEncoding(), y.getEncoding(), where + ": v2 encoding");
      assertEquals(x.getDefinition_levels_byte_length(), y.getDefinition_levels_byte_length(), where + ": v2 def");
      assertEquals(x.getRepetition_levels_byte_length(), y.getRepetition_levels_byte_length(), where + ": v2 rep");
      assertEquals(x.isSetIs_compressed(), y.isSetIs_compressed(), where + ": is_compressed set");
      assertEquals(x.isIs_compressed(), y.isIs_compressed(), where + ": is_compressed");
      assertFalse(y.isSetStatistics(), where + ": statistics are skipped");
    }
    assertFalse(actual.isSetIndex_page_header(), where + ": index page header is skipped");
  }

  // ---------------------------------------------------------------- differential, generated headers

  @Test
  void generatedHeadersWithUnknownFieldsParseAsUtilDoes() throws IOException {
    Random random = new Random(7);
    int bothOk = 0;
    int bothFail = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = randomHeader(random);
      UtilParse expected = UtilParse.of(bytes, 0, bytes.length);
      PageHeader actual;
      int length;
      try {
        ThriftCompactReader in = new ThriftCompactReader(bytes, 0, bytes.length, "gen", 0, "page header");
        actual = PageHeaderParser.readPageHeader(in);
        length = in.consumed();
        if (actual.getCompressed_page_size() < 0) {
          throw new IOException("negative compressed size, refused by parse()");
        }
      } catch (IOException e) {
        assertNotNull(expected.error, () -> "only the new parser fails on " + hex(bytes) + ": " + e.getMessage());
        bothFail++;
        continue;
      }
      if (expected.error != null) {
        fail("only Util fails on " + hex(bytes) + ": " + expected.error);
      }
      assertSameHeader(expected, actual, length, "generated " + i + " " + hex(bytes));
      bothOk++;
    }
    assertTrue(bothOk > 10_000 && bothFail > 500, bothOk + " parsed, " + bothFail + " refused by both");
  }

  @Test
  void headersThriftWritesWithStatisticsParseAsUtilDoes() throws IOException {
    Random r = new Random(11);
    TreeMap<String, Integer> seen = new TreeMap<>();
    for (int i = 0; i < 5_000; i++) {
      PageType type = PageType.findByValue(r.nextInt(4));
      PageHeader h = new PageHeader(type, r.nextInt(1 << 20), r.nextInt(1 << 20));
      if (r.nextBoolean()) {
        h.setCrc(r.nextInt());
      }
      if (type == PageType.DATA_PAGE) {
        h.setData_page_header(new DataPageHeader(r.nextInt(1000), Encoding.values()[r.nextInt(Encoding.values().length)],
            Encoding.RLE, Encoding.BIT_PACKED));
        if (r.nextBoolean()) {
          h.getData_page_header().setStatistics(randomStatistics(r));
        }
      } else if (type == PageType.INDEX_PAGE) {
        h.setIndex_page_header(new IndexPageHeader());
      } else if (type == PageType.DICTIONARY_PAGE) {
        h.setDictionary_page_header(new DictionaryPageHeader(r.nextInt(1000), Encoding.PLAIN));
        if (r.nextBoolean()) {
          h.getDictionary_page_header().setIs_sorted(r.nextBoolean());
        }
      } else {
        h.setData_page_header_v2(new DataPageHeaderV2(r.nextInt(1000), r.nextInt(10), r.nextInt(100),
            Encoding.RLE_DICTIONARY, r.nextInt(100), r.nextInt(100)));
        if (r.nextBoolean()) {
          h.getData_page_header_v2().setIs_compressed(r.nextBoolean());
        }
        if (r.nextBoolean()) {
          h.getData_page_header_v2().setStatistics(randomStatistics(r));
        }
      }
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      Util.writePageHeader(h, out);
      out.write(new byte[r.nextInt(5)]); // page body
      byte[] bytes = out.toByteArray();
      UtilParse expected = UtilParse.of(bytes, 0, bytes.length);
      assertNull(expected.error);
      PageHeaderParser actual = PageHeaderParser.parse(bytes, 0, bytes.length, 1L << 40, FILE, 0);
      assertSameHeader(expected, actual.header, actual.headerLength, "thrift-written " + hex(bytes));
      count(seen, expected.header);
    }
    for (String kind : List.of("INDEX_PAGE", "statistics v1", "statistics v2", "is_compressed=false")) {
      assertTrue(seen.getOrDefault(kind, 0) > 0, () -> "no " + kind + " header in " + seen);
    }
  }

  private static Statistics randomStatistics(Random r) {
    Statistics s = new Statistics();
    if (r.nextBoolean()) {
      s.setMin(randomBytes(r, 20)).setMax(randomBytes(r, 20));
    }
    if (r.nextBoolean()) {
      s.setMin_value(randomBytes(r, 20)).setMax_value(randomBytes(r, 200));
    }
    if (r.nextBoolean()) {
      s.setNull_count(r.nextLong()).setDistinct_count(r.nextInt(1000));
    }
    if (r.nextBoolean()) {
      s.setIs_max_value_exact(r.nextBoolean()).setIs_min_value_exact(r.nextBoolean());
    }
    return s;
  }

  /**
   * A page header of random contents and layout: known fields in any order and id encoding, some of
   * the wrong type or repeated, unknown fields of every type (nested containers and structs) anywhere,
   * statistics, index page headers; sometimes an unknown enum value or a missing required field.
   */
  static byte[] randomHeader(Random r) {
    CompactWriter w = new CompactWriter();
    List<Consumer<CompactWriter>> fields = new ArrayList<>();
    int type = r.nextInt(20) == 0 ? 4 + r.nextInt(3) : r.nextInt(4);
    if (r.nextInt(50) != 0) {
      fields.add(x -> x.field(1, I32, r.nextBoolean()).i32(type));
    }
    if (r.nextInt(50) != 0) {
      fields.add(x -> x.field(2, I32, r.nextBoolean()).i32(randomInt(r)));
    }
    if (r.nextInt(50) != 0) {
      fields.add(x -> x.field(3, I32, r.nextBoolean()).i32(r.nextInt(30) == 0 ? -r.nextInt(100) : randomSize(r)));
    }
    if (r.nextBoolean()) {
      fields.add(x -> x.field(4, I32, r.nextBoolean()).i32(r.nextInt()));
    }
    if (type == 0 || r.nextInt(8) == 0) {
      fields.add(x -> dataPageHeader(x.field(5, STRUCT, r.nextBoolean()), r));
    }
    if (type == 1 || r.nextInt(8) == 0) {
      fields.add(x -> x.field(6, STRUCT, r.nextBoolean()).beginStruct().endStruct());
    }
    if (type == 2 || r.nextInt(8) == 0) {
      fields.add(x -> dictionaryPageHeader(x.field(7, STRUCT, r.nextBoolean()), r));
    }
    if (type == 3 || r.nextInt(8) == 0) {
      fields.add(x -> dataPageHeaderV2(x.field(8, STRUCT, r.nextBoolean()), r));
    }
    w.beginStruct();
    writeFields(w, r, fields, 9);
    w.endStruct();
    byte[] header = w.toByteArray();
    // Bytes of the page body follow the header.
    byte[] bytes = Arrays.copyOf(header, header.length + r.nextInt(8));
    for (int i = header.length; i < bytes.length; i++) {
      bytes[i] = (byte) r.nextInt(256);
    }
    return bytes;
  }

  private static void dataPageHeader(CompactWriter w, Random r) {
    List<Consumer<CompactWriter>> fields = new ArrayList<>();
    required(fields, r, x -> x.field(1, I32, r.nextBoolean()).i32(randomSize(r)));
    required(fields, r, x -> x.field(2, I32, r.nextBoolean()).i32(randomEncoding(r)));
    required(fields, r, x -> x.field(3, I32, r.nextBoolean()).i32(randomEncoding(r)));
    required(fields, r, x -> x.field(4, I32, r.nextBoolean()).i32(randomEncoding(r)));
    if (r.nextBoolean()) {
      fields.add(x -> statistics(x.field(5, STRUCT, r.nextBoolean()), r));
    }
    w.beginStruct();
    writeFields(w, r, fields, 6);
    w.endStruct();
  }

  private static void dictionaryPageHeader(CompactWriter w, Random r) {
    List<Consumer<CompactWriter>> fields = new ArrayList<>();
    required(fields, r, x -> x.field(1, I32, r.nextBoolean()).i32(randomSize(r)));
    required(fields, r, x -> x.field(2, I32, r.nextBoolean()).i32(randomEncoding(r)));
    if (r.nextBoolean()) {
      fields.add(x -> x.boolField(3, r.nextBoolean()));
    }
    w.beginStruct();
    writeFields(w, r, fields, 4);
    w.endStruct();
  }

  private static void dataPageHeaderV2(CompactWriter w, Random r) {
    List<Consumer<CompactWriter>> fields = new ArrayList<>();
    for (int id : new int[] {1, 2, 3, 5, 6}) {
      required(fields, r, x -> x.field(id, I32, r.nextBoolean()).i32(randomSize(r)));
    }
    required(fields, r, x -> x.field(4, I32, r.nextBoolean()).i32(randomEncoding(r)));
    if (r.nextBoolean()) {
      fields.add(x -> x.boolField(7, r.nextBoolean()));
    }
    if (r.nextBoolean()) {
      fields.add(x -> statistics(x.field(8, STRUCT, r.nextBoolean()), r));
    }
    w.beginStruct();
    writeFields(w, r, fields, 9);
    w.endStruct();
  }

  private static void statistics(CompactWriter w, Random r) {
    w.beginStruct();
    for (int id = 1; id <= 8; id++) {
      if (r.nextBoolean()) {
        continue;
      }
      if (id == 3 || id == 4) {
        w.field(id, I64).i64(r.nextLong() >> r.nextInt(64));
      } else if (id >= 7) {
        w.boolField(id, r.nextBoolean());
      } else {
        w.field(id, BINARY).binary(randomBytes(r, 40));
      }
    }
    w.endStruct();
  }

  private static void required(List<Consumer<CompactWriter>> fields, Random r, Consumer<CompactWriter> field) {
    if (r.nextInt(100) != 0) {
      fields.add(field);
    }
  }

  /**
   * Writes {@code known} fields, usually in id order, sometimes shuffled or one repeated, with unknown
   * fields (ids from {@code firstUnknown}, or known ids of the wrong type) mixed in.
   */
  private static void writeFields(CompactWriter w, Random r, List<Consumer<CompactWriter>> known, int firstUnknown) {
    List<Consumer<CompactWriter>> fields = new ArrayList<>(known);
    if (!fields.isEmpty() && r.nextInt(20) == 0) {
      fields.add(fields.get(r.nextInt(fields.size()))); // a repeated field: the last one wins
    }
    int unknown = r.nextInt(4) == 0 ? 1 + r.nextInt(4) : 0;
    for (int i = 0; i < unknown; i++) {
      int id = r.nextInt(5) == 0 ? 1 + r.nextInt(firstUnknown - 1) : firstUnknown + r.nextInt(40);
      if (r.nextInt(20) == 0) {
        id = -r.nextInt(1000);
      }
      int fieldId = id;
      int type = randomFieldType(r);
      // A known id with a type it does not have is skipped (I32 fields get a non-I32 type, structs a non-struct).
      int skippedType = type == I32 || type == STRUCT ? BINARY : type;
      fields.add(r.nextInt(fields.size() + 1), x -> {
        if (ThriftCompactReader.isBool(skippedType)) {
          x.field(fieldId, skippedType, r.nextBoolean());
        } else {
          randomValue(x.field(fieldId, skippedType, r.nextBoolean()), r, skippedType, 0);
        }
      });
    }
    if (r.nextInt(10) == 0) {
      Collections.shuffle(fields, r);
    }
    for (Consumer<CompactWriter> field : fields) {
      field.accept(w);
    }
  }

  private static int randomFieldType(Random r) {
    return 1 + r.nextInt(13); // BOOLEAN_TRUE .. UUID
  }

  /** Writes a random value of {@code type} (not a bool field: those have no value). */
  static void randomValue(CompactWriter w, Random r, int type, int depth) {
    switch (type) {
      case ThriftCompactReader.BOOLEAN_TRUE:
      case ThriftCompactReader.BOOLEAN_FALSE:
        w.raw(1 + r.nextInt(2)); // as a container element
        break;
      case BYTE:
        w.raw(r.nextInt(256));
        break;
      case I16:
        w.i16(r.nextInt());
        break;
      case I32:
        w.i32(r.nextInt() >> r.nextInt(32));
        break;
      case I64:
        w.i64(r.nextLong() >> r.nextInt(64));
        break;
      case DOUBLE:
        w.raw(randomInts(r, 8));
        break;
      case UUID:
        w.raw(randomInts(r, 16));
        break;
      case BINARY:
        w.binary(randomBytes(r, 30));
        break;
      case LIST:
      case SET: {
        int n = depth > 3 ? 0 : r.nextInt(4) == 0 ? 15 + r.nextInt(5) : r.nextInt(4);
        int elementType = 1 + r.nextInt(12); // no UUID elements: Thrift refuses them
        w.listHeader(n, elementType);
        for (int i = 0; i < n; i++) {
          randomValue(w, r, elementType, depth + 1);
        }
        break;
      }
      case MAP: {
        int n = depth > 3 ? 0 : r.nextInt(4);
        int keyType = 1 + r.nextInt(12);
        int valueType = 1 + r.nextInt(12);
        w.mapHeader(n, keyType, valueType);
        for (int i = 0; i < n; i++) {
          randomValue(w, r, keyType, depth + 1);
          randomValue(w, r, valueType, depth + 1);
        }
        break;
      }
      case STRUCT: {
        w.beginStruct();
        int n = depth > 3 ? 0 : r.nextInt(4);
        int id = 0;
        for (int i = 0; i < n; i++) {
          id += r.nextInt(3) == 0 ? 20 : 1 + r.nextInt(3);
          int fieldType = randomFieldType(r);
          w.field(id, fieldType, r.nextInt(5) == 0);
          if (!ThriftCompactReader.isBool(fieldType)) {
            randomValue(w, r, fieldType, depth + 1);
          }
        }
        w.endStruct();
        break;
      }
      default:
        throw new AssertionError(type);
    }
  }

  private static int randomEncoding(Random r) {
    return r.nextInt(40) == 0 ? 10 + r.nextInt(5) : r.nextInt(10); // 1 (GROUP_VAR_INT) and >= 10 are unknown
  }

  private static int randomSize(Random r) {
    return r.nextInt(10) == 0 ? r.nextInt() : r.nextInt(1 << (1 + r.nextInt(20)));
  }

  private static int randomInt(Random r) {
    return r.nextInt(10) == 0 ? r.nextInt() : r.nextInt(100_000);
  }

  private static byte[] randomBytes(Random r, int max) {
    byte[] b = new byte[r.nextInt(max + 1)];
    r.nextBytes(b);
    return b;
  }

  private static int[] randomInts(Random r, int n) {
    int[] b = new int[n];
    for (int i = 0; i < n; i++) {
      b[i] = r.nextInt(256);
    }
    return b;
  }

  // ---------------------------------------------------------------- fuzz

  @Test
  @Timeout(120)
  void corruptedHeadersOnlyEverThrowIOException() throws IOException {
    List<byte[]> corpus = new ArrayList<>();
    for (Spec spec : List.of(new Spec().rows(40).onePerPage().checksums(),
        new Spec().rows(60).v2().dictionary(8).pageSize(512).checksums(),
        new Spec().rows(60).v2().nulls().emptyLists().codec(CompressionCodecName.SNAPPY).pageSize(512),
        new Spec().rows(60).dictionary(8).pageSize(512))) {
      Path file = dir.resolve("fuzz" + corpus.size() + ".parquet");
      TestVectorFile.write(file, spec);
      for (HeaderAt at : headers(file)) {
        corpus.add(Arrays.copyOfRange(at.bytes, at.pos, Math.min(at.end, at.pos + 96)));
      }
    }
    Random random = new Random(20240611);
    for (int i = 0; i < 2000; i++) {
      corpus.add(randomHeader(random));
    }
    int[] outcomes = new int[4]; // both parse (equal), both refuse, only new refuses, only Util refuses
    TreeMap<String, Integer> newOnlyRefusals = new TreeMap<>();
    for (int i = 0; i < 100_000; i++) {
      byte[] original = corpus.get(random.nextInt(corpus.size()));
      byte[] bytes = mutate(original, random);
      UtilParse expected = UtilParse.of(bytes, 0, bytes.length);
      boolean utilOk = expected.error == null;
      PageHeader actual = null;
      int length = -1;
      String refusal = null;
      try {
        ThriftCompactReader in = new ThriftCompactReader(bytes, 0, bytes.length, "fuzz", 1234, "page header");
        actual = PageHeaderParser.readPageHeader(in);
        length = in.consumed();
      } catch (IOException e) {
        refusal = e.getMessage();
        assertTrue(refusal.startsWith("fuzz: corrupt page header at offset 1234: "), refusal);
      } catch (Throwable e) {
        throw new AssertionError("not an IOException on " + hex(bytes), e);
      }
      try {
        PageHeaderParser.parse(bytes, 0, bytes.length, "fuzz", 1234);
      } catch (IOException e) {
        assertTrue(e.getMessage().startsWith("fuzz: corrupt page header at offset 1234: "), e.getMessage());
      } catch (Throwable e) {
        throw new AssertionError("not an IOException on " + hex(bytes), e);
      }
      if (refusal == null && utilOk) {
        assertSameHeader(expected, actual, length, "mutation " + i + " " + hex(bytes));
        outcomes[0]++;
      } else if (refusal != null && !utilOk) {
        outcomes[1]++;
      } else if (refusal != null) {
        outcomes[2]++;
        newOnlyRefusals.merge(refusal.replaceAll("[-0-9]+", "N"), 1, Integer::sum);
      } else {
        // Util refuses a negative compressed size in its validator; the new parser leaves that to parse().
        assertTrue(actual.getCompressed_page_size() < 0,
            () -> "only Util refuses " + hex(bytes) + ": " + expected.error);
        outcomes[3]++;
      }
    }
    System.out.println("PageHeaderParserTest: fuzz outcomes: both parse " + outcomes[0] + ", both refuse "
        + outcomes[1] + ", only new refuses " + outcomes[2] + " " + newOnlyRefusals + ", only Util refuses "
        + "(negative compressed size) " + outcomes[3]);
    assertTrue(outcomes[0] > 10_000 && outcomes[1] > 10_000, Arrays.toString(outcomes));
  }

  private static byte[] mutate(byte[] original, Random r) {
    byte[] b = original.clone();
    int kind = r.nextInt(6);
    if (kind == 0 || b.length == 0) { // truncation
      return Arrays.copyOf(b, r.nextInt(b.length + 1));
    }
    int edits = 1 + r.nextInt(kind == 5 ? 8 : 3);
    for (int e = 0; e < edits; e++) {
      int at = r.nextInt(b.length);
      switch (kind) {
        case 1:
          b[at] ^= (byte) (1 << r.nextInt(8));
          break;
        case 2:
          b[at] = (byte) r.nextInt(256);
          break;
        case 3: {
          int[] special = {0x00, 0xFF, 0x7F, 0x80, 0x0F, 0xF0, 0x19, 0x1C, 0x1B, 0x1A, 0x0D, 0x0E, 0x01, 0x02};
          b[at] = (byte) special[r.nextInt(special.length)];
          break;
        }
        case 4: { // delete or insert a byte
          if (r.nextBoolean() && b.length > 1) {
            byte[] c = new byte[b.length - 1];
            System.arraycopy(b, 0, c, 0, at);
            System.arraycopy(b, at + 1, c, at, b.length - at - 1);
            b = c;
          } else {
            byte[] c = new byte[b.length + 1];
            System.arraycopy(b, 0, c, 0, at);
            c[at] = (byte) r.nextInt(256);
            System.arraycopy(b, at, c, at + 1, b.length - at);
            b = c;
          }
          break;
        }
        default:
          b[at] = (byte) r.nextInt(256);
      }
    }
    if (r.nextInt(4) == 0) {
      b = Arrays.copyOf(b, r.nextInt(b.length + 1));
    }
    return b;
  }

  // ---------------------------------------------------------------- edge cases

  private static final String FILE = "f.parquet";

  private static PageHeaderParser parse(byte[] bytes) throws IOException {
    return PageHeaderParser.parse(bytes, 0, bytes.length, FILE, 100);
  }

  private static IOException refused(byte[] bytes) {
    IOException e = assertThrows(IOException.class, () -> parse(bytes));
    assertTrue(e.getMessage().startsWith(FILE + ": corrupt page header at offset 100: "), e.getMessage());
    return e;
  }

  /** type DATA_PAGE, sizes 0, a v1 data page header of 0 values, PLAIN/RLE/RLE. */
  private static CompactWriter minimalDataPage(CompactWriter w) {
    w.i32Field(1, 0).i32Field(2, 0).i32Field(3, 0);
    w.field(5, STRUCT).beginStruct().i32Field(1, 0).i32Field(2, 0).i32Field(3, 3).i32Field(4, 3).endStruct();
    return w;
  }

  @Test
  void thriftEncodingCornerCasesParseAsUtilDoes() throws IOException {
    List<byte[]> cases = new ArrayList<>();
    // Long-form field ids everywhere, and fields in reverse order.
    cases.add(new CompactWriter().beginStruct().field(3, I32, true).i32(0).field(2, I32, true).i32(0)
        .field(1, I32, true).i32(2).field(7, STRUCT, true).beginStruct().field(3, BOOLEAN_TRUE, true)
        .field(2, I32, true).i32(0).field(1, I32, true).i32(5).endStruct().endStruct().toByteArray());
    // A type nibble of 0 after a non-zero delta ends the struct (as in Thrift); the rest is body.
    cases.add(minimalDataPage(new CompactWriter().beginStruct()).raw(0x10, 0x15, 0x02).toByteArray());
    // A known id of the wrong type is skipped; a repeated field: the last one wins.
    cases.add(minimalDataPage(new CompactWriter().beginStruct()).field(2, BINARY, true).binary(new byte[3])
        .i32Field(3, 0).field(5, LIST, true).listHeader(2, I32).i32(1).i32(2).endStruct().toByteArray());
    // Unknown fields: every type, nested containers, a bool list, a map, a UUID, a huge id.
    CompactWriter w = minimalDataPage(new CompactWriter().beginStruct());
    w.field(9, BOOLEAN_TRUE).field(10, DOUBLE).raw(new int[8]).field(11, UUID).raw(new int[16]);
    w.field(12, LIST).listHeader(3, ThriftCompactReader.BOOLEAN_FALSE).raw(1, 2, 1);
    w.field(13, SET).listHeader(16, LIST);
    for (int i = 0; i < 16; i++) {
      w.listHeader(1, STRUCT).beginStruct().field(1, MAP).mapHeader(1, BINARY, STRUCT).binary(new byte[2])
          .beginStruct().endStruct().endStruct();
    }
    w.field(14, MAP).mapHeader(0, 0, 0).field(32000, I64, true).i64(Long.MIN_VALUE).field(-7, BYTE, true).raw(0x80);
    cases.add(w.endStruct().toByteArray());
    for (byte[] bytes : cases) {
      UtilParse expected = UtilParse.of(bytes, 0, bytes.length);
      assertNull(expected.error, () -> String.valueOf(expected.error));
      ThriftCompactReader in = new ThriftCompactReader(bytes, 0, bytes.length, FILE, 0, "page header");
      PageHeader actual = PageHeaderParser.readPageHeader(in);
      assertSameHeader(expected, actual, in.consumed(), hex(bytes));
    }
    byte[] stopByNibble = cases.get(1);
    assertEquals(stopByNibble.length - 2, parse(stopByNibble).headerLength);
  }

  @Test
  void corruptHeadersAreRefusedWithFileAndOffset() {
    assertTrue(refused(new byte[0]).getMessage().endsWith("cut off after 0 bytes"));
    byte[] good = minimalDataPage(new CompactWriter().beginStruct()).endStruct().toByteArray();
    for (int n = 0; n < good.length; n++) {
      refused(Arrays.copyOf(good, n));
    }
    // Missing required fields and unknown enum values.
    assertTrue(refused(new CompactWriter().beginStruct().i32Field(1, 0).i32Field(2, 0).endStruct().toByteArray())
        .getMessage().endsWith("page header without compressed_page_size"));
    assertTrue(refused(new CompactWriter().beginStruct().i32Field(1, 9).i32Field(2, 0).i32Field(3, 0).endStruct()
        .toByteArray()).getMessage().endsWith("unknown page type 9"));
    assertTrue(refused(new CompactWriter().beginStruct().i32Field(1, 0).i32Field(2, 0).i32Field(3, 0)
        .field(5, STRUCT).beginStruct().i32Field(1, 0).i32Field(2, 1).i32Field(3, 3).i32Field(4, 3).endStruct()
        .endStruct().toByteArray()).getMessage().endsWith("data page header with unknown encoding 1"));
    assertTrue(refused(new CompactWriter().beginStruct().i32Field(1, 3).i32Field(2, 0).i32Field(3, 0)
        .field(8, STRUCT).beginStruct().i32Field(1, 0).i32Field(2, 0).i32Field(4, 0).i32Field(5, 0).i32Field(6, 0)
        .endStruct().endStruct().toByteArray()).getMessage().endsWith("data page header v2 without num_rows"));
    // A varint too long for an int; a negative binary length; a huge binary; huge and negative containers.
    refused(new CompactWriter().beginStruct().field(1, I32).raw(0x80, 0x80, 0x80, 0x80, 0x80, 0x00).toByteArray());
    refused(new CompactWriter().beginStruct().field(9, BINARY).varint(0xFFFFFFFFL).toByteArray());
    refused(new CompactWriter().beginStruct().field(9, BINARY).varint(Integer.MAX_VALUE).raw(1, 2).toByteArray());
    refused(new CompactWriter().beginStruct().field(9, LIST).listHeader(Integer.MAX_VALUE, I64).toByteArray());
    refused(new CompactWriter().beginStruct().field(9, LIST).listHeader(15, I64).raw(0x80, 0x80, 0x80, 0x80, 0x08)
        .toByteArray());
    refused(new CompactWriter().beginStruct().field(9, MAP).mapHeader(Integer.MAX_VALUE, I32, I32).toByteArray());
    refused(new CompactWriter().beginStruct().field(9, LIST).listHeader(1, UUID).raw(new int[16]).toByteArray());
    refused(new CompactWriter().beginStruct().field(9, LIST).listHeader(1, 0).raw(0).toByteArray());
    // Unknown type codes 14 and 15.
    refused(minimalDataPage(new CompactWriter().beginStruct()).field(9, 14).raw(0, 0).endStruct().toByteArray());
    refused(minimalDataPage(new CompactWriter().beginStruct()).field(9, LIST).listHeader(0, 15).endStruct()
        .toByteArray());
    // Nesting deeper than the limit: refused, not a StackOverflowError.
    for (int depth : new int[] {70, 100_000}) {
      CompactWriter deep = minimalDataPage(new CompactWriter().beginStruct());
      for (int i = 0; i < depth; i++) {
        deep.field(1, STRUCT).beginStruct();
      }
      assertTrue(refused(deep.toByteArray()).getMessage().contains("nested more than 64 levels deep"));
    }
    CompactWriter lists = minimalDataPage(new CompactWriter().beginStruct()).field(9, LIST);
    for (int i = 0; i < 200; i++) {
      lists.listHeader(1, LIST);
    }
    refused(lists.toByteArray());
  }

  @Test
  void nestingUpToTheLimitIsAccepted() throws IOException {
    CompactWriter w = minimalDataPage(new CompactWriter().beginStruct());
    for (int i = 0; i < ThriftCompactReader.MAX_DEPTH - 1; i++) { // the page header itself is level 1
      w.field(9, STRUCT).beginStruct();
    }
    for (int i = 0; i < ThriftCompactReader.MAX_DEPTH; i++) {
      w.endStruct();
    }
    byte[] bytes = w.toByteArray();
    assertEquals(bytes.length, parse(bytes).headerLength);
    assertEquals(PageType.DATA_PAGE, parse(bytes).header.getType());
  }

  @Test
  void pagesThatDoNotFitTheChunkAreRefusedAsBefore() {
    byte[] header = new CompactWriter().beginStruct().i32Field(1, 0).i32Field(2, 10).i32Field(3, 10)
        .endStruct().toByteArray();
    byte[] bytes = Arrays.copyOf(header, header.length + 9);
    IOException e = assertThrows(IOException.class, () -> parse(bytes));
    assertEquals(FILE + ": corrupt page header at offset 100: page of 10 compressed / 10 uncompressed bytes "
        + "does not fit in the 9 bytes left in its column chunk", e.getMessage());
    byte[] negative = new CompactWriter().beginStruct().i32Field(1, 0).i32Field(2, 10).i32Field(3, -1)
        .endStruct().toByteArray();
    assertThrows(IOException.class, () -> parse(negative));
  }

  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
