package io.pqvector.parquet.appendix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.KeyValue;

/** Test-only: appends a footer whose key-value entry says whatever the test wants. */
final class FooterForgery {

  private FooterForgery() {}

  static void setValue(Path file, String key, String value) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileMetaData footer = ParquetTail.read(channel, file).metadataCopy();
      footer.getKey_value_metadata().removeIf(kv -> kv.getKey().equals(key));
      footer.addToKey_value_metadata(new KeyValue(key).setValue(value));
      channel.write(ByteBuffer.wrap(ParquetTail.encode(footer)), channel.size());
    }
  }
}
