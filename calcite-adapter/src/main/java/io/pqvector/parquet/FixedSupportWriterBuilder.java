package io.pqvector.parquet;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.OutputFile;

/**
 * A parquet-mr writer builder for a {@link WriteSupport} made beforehand (parquet-mr's builder
 * otherwise asks for one per configuration), for writers of rows of our own record types.
 */
public final class FixedSupportWriterBuilder<T>
    extends ParquetWriter.Builder<T, FixedSupportWriterBuilder<T>> {
  private final WriteSupport<T> support;

  public FixedSupportWriterBuilder(OutputFile file, WriteSupport<T> support) {
    super(file);
    this.support = support;
  }

  @Override protected FixedSupportWriterBuilder<T> self() {
    return this;
  }

  @Override protected WriteSupport<T> getWriteSupport(Configuration conf) {
    return support;
  }

  @Override protected WriteSupport<T> getWriteSupport(ParquetConfiguration conf) {
    return support;
  }
}
