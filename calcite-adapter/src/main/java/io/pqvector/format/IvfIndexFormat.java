package io.pqvector.format;

import java.nio.charset.StandardCharsets;

/**
 * The constants of the IVF index payload, version 1.0, as specified in {@code docs/index-format.md}.
 * Field offsets are package-private: only the writer and the reader need them.
 */
public final class IvfIndexFormat {
  private IvfIndexFormat() {}

  /** The first eight bytes of every payload: ASCII {@code PQVECIVF}. */
  static final byte[] MAGIC = "PQVECIVF".getBytes(StandardCharsets.US_ASCII);

  /** Readers reject a payload whose major version is greater than this one. */
  public static final int MAJOR_VERSION = 1;
  /**
   * Minor versions only add data that a reader of the same major version may skip. 1.1 adds the
   * recall curve; a payload without one is still written as 1.0, byte for byte.
   */
  public static final int MINOR_VERSION = 1;

  /** Size of the fixed header of version 1.0; later minor versions may declare a longer one. */
  static final int HEADER_LENGTH = 160;
  /** Size of the 1.1 header: the 1.0 header plus the recall-curve section pointer. */
  static final int HEADER_LENGTH_1_1 = 176;
  /** Where the 1.1 header keeps the recall-curve section's (u64 offset, u64 length). */
  static final int OFF_RECALL_CURVE = 160;
  /** The CRC32C trailer. */
  static final int CHECKSUM_LENGTH = 4;
  /** The smallest payload that can be valid. */
  static final int MIN_LENGTH = HEADER_LENGTH + CHECKSUM_LENGTH;

  /** Flag bit 0: a page-table section is present. */
  static final int FLAG_PAGE_TABLE = 1;
  /** Flag bit 16 (optional): a recall-curve section is present (1.1). */
  static final int FLAG_RECALL_CURVE = 1 << 16;
  /** Flag bits 0-15 change how the payload must be read: a reader rejects any it does not know. */
  static final int CRITICAL_FLAGS_MASK = 0xFFFF;

  static final int MAX_COLUMN_NAME_BYTES = 65_535;
  /** One list-table entry: u64 offset, u32 byte length, u32 row count. */
  static final int LIST_ENTRY_LENGTH = 16;
  /** One page-table row-group entry. */
  static final int ROW_GROUP_ENTRY_LENGTH = 28;
  /** One page-table page entry. */
  static final int PAGE_ENTRY_LENGTH = 16;
  static final int PAGE_TABLE_PREFIX_LENGTH = 8;

  // Header field offsets (all little-endian).
  static final int OFF_MAGIC = 0;
  static final int OFF_MAJOR = 8;
  static final int OFF_MINOR = 10;
  static final int OFF_FLAGS = 12;
  static final int OFF_TOTAL_LENGTH = 16;
  static final int OFF_HEADER_LENGTH = 24;
  static final int OFF_METRIC = 28;
  static final int OFF_DIMENSION = 32;
  static final int OFF_LIST_COUNT = 36;
  static final int OFF_ROW_COUNT = 40;
  static final int OFF_INDEXED_COUNT = 48;
  static final int OFF_FINGERPRINT = 56;
  static final int OFF_SEED = 64;
  static final int OFF_ITERATIONS = 72;
  // 76..79 reserved, zero.
  /** Five (u64 offset, u64 length) section pointers follow, in the order of {@link Section}. */
  static final int OFF_SECTIONS = 80;

  /** The sections, in the order their pointers appear in the header and their bytes in the payload. */
  enum Section {
    COLUMN_NAME, CENTROIDS, LIST_TABLE, LIST_DATA, PAGE_TABLE;

    int pointerOffset() {
      return OFF_SECTIONS + 16 * ordinal();
    }
  }

  /** The key-value metadata key in the Parquet footer whose value locates the payload. */
  public static String footerKey(String column) {
    return "pqvector.ivf." + column;
  }

  /** Metric code stored in the header; 0 means unknown. */
  static int metricCode(String metricId) {
    switch (metricId) {
      case "l2": return 1;
      case "cosine": return 2;
      case "dot": return 3;
      default: return 0;
    }
  }

  /** Metric id for a stored code, or null if the code is unknown. */
  static String metricId(int code) {
    switch (code) {
      case 1: return "l2";
      case 2: return "cosine";
      case 3: return "dot";
      default: return null;
    }
  }
}
