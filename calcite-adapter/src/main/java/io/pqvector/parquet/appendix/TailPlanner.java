package io.pqvector.parquet.appendix;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import java.util.zip.CRC32C;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.KeyValue;

/**
 * Decides the bytes of a new tail and where they go, for one write or remove. Nothing here
 * touches the file; {@link TailCommit} does that.
 */
final class TailPlanner {

  /** What to write where: {@code pieces} back to back from {@code position}, the footer tail last. */
  record Plan(long position, List<byte[]> pieces) {
    long size() {
      return pieces.stream().mapToLong(p -> p.length).sum();
    }
  }

  /** A payload going into the new tail, under its key. */
  private record Piece(String key, byte[] bytes, int crc32c) {}

  private final FileChannel channel;
  private final AppendixLayout layout;

  TailPlanner(FileChannel channel, AppendixLayout layout) {
    this.channel = channel;
    this.layout = layout;
  }

  /**
   * A tail that sets {@code key} to {@code payload}, or removes it when {@code payload} is null.
   * First choice: reuse dead space, leaving other payloads in place. Failing that, the new tail
   * carries copies of the other payloads too, so everything below it becomes dead space that the
   * next write can reuse; without this, writes alternating between two keys would each append.
   */
  Plan plan(String key, byte[] payload) throws IOException {
    List<Piece> own = new ArrayList<>();
    if (payload != null) {
      own.add(new Piece(key, payload, crc32c(payload)));
    }
    Plan inPlace = settle(key, own, size -> layout.place(key, size), true);
    Map<String, PayloadLocation> others = layout.payloadsOtherThan(key);
    if (inPlace.position() < layout.tail().fileLength() || others.isEmpty()) {
      return inPlace;
    }
    List<Piece> all = new ArrayList<>();
    for (Map.Entry<String, PayloadLocation> e : others.entrySet()) {
      PayloadLocation p = e.getValue();
      all.add(new Piece(e.getKey(), new FileRange(channel, p.offset(), p.end()).read(), p.crc32c()));
    }
    all.addAll(own);
    return settle(key, all, layout::placeCompacted, true);
  }

  /**
   * When removing {@code key} leaves no payload, a footer without it and without the base entry
   * placed back at the base, which restores the original layout and length; null when that
   * would touch anything the live footer references.
   */
  Plan planBareFooterAtBase(String key) throws IOException {
    if (!layout.payloadsOtherThan(key).isEmpty()) {
      return null;
    }
    long base = layout.base();
    Plan bare = settle(key, List.of(), size -> layout.place(key, size) == base ? base : -1, false);
    return bare.position() == base ? bare : null;
  }

  /**
   * The footer records each payload's offset, so its size depends on where the tail goes:
   * place, encode, re-place until they agree (one or two rounds). Appending always fits, so it
   * ends any disagreement.
   */
  private Plan settle(String key, List<Piece> pieces, LongUnaryOperator place, boolean recordBase)
      throws IOException {
    long position = layout.tail().fileLength();
    for (int round = 0; round < 4; round++) {
      Plan plan = encode(key, pieces, position, recordBase);
      long placed = place.applyAsLong(plan.size());
      if (placed == position || placed < 0) {
        return plan;
      }
      position = placed;
    }
    return encode(key, pieces, layout.tail().fileLength(), recordBase);
  }

  private Plan encode(String key, List<Piece> pieces, long position, boolean recordBase) throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    List<byte[]> bytes = new ArrayList<>();
    long offset = position;
    for (Piece piece : pieces) {
      values.put(piece.key(), new PayloadLocation(offset, piece.bytes().length, piece.crc32c()).format());
      bytes.add(piece.bytes());
      offset += piece.bytes().length;
    }
    bytes.add(ParquetTail.encode(footer(key, values, recordBase)));
    return new Plan(position, bytes);
  }

  /**
   * The live footer with entries set to {@code values}, {@code key} removed unless among them,
   * and the base entry set or removed. Other entries keep their order and value.
   */
  private FileMetaData footer(String key, Map<String, String> values, boolean recordBase) {
    Map<String, String> pending = new LinkedHashMap<>(values);
    if (recordBase) {
      pending.put(AppendixLayout.BASE_KEY, Long.toString(layout.base()));
    }
    List<KeyValue> entries = new ArrayList<>();
    for (KeyValue kv : layout.tail().keyValues()) {
      String k = kv.getKey();
      if (pending.containsKey(k)) {
        entries.add(new KeyValue(k).setValue(pending.remove(k)));
      } else if (!k.equals(key) && !k.equals(AppendixLayout.BASE_KEY)) {
        entries.add(kv.deepCopy());
      }
    }
    pending.forEach((k, v) -> entries.add(new KeyValue(k).setValue(v)));
    FileMetaData footer = layout.tail().metadataCopy();
    footer.setKey_value_metadata(entries.isEmpty() ? null : entries);
    return footer;
  }

  private static int crc32c(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return (int) crc.getValue();
  }
}
