package io.pqvector.parquet;

import org.apache.parquet.example.data.Group;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.Type;

/**
 * Writes the values a parquet-mr {@link Group} read from a file back to a {@link RecordConsumer}
 * under another position, for writers that copy the other columns of a file unchanged.
 */
public final class GroupFields {
  private GroupFields() {}

  /**
   * Writes field {@code index} of {@code group} (of type {@code type}) as field {@code outIndex}
   * of the record being written; an absent field writes nothing.
   */
  public static void write(RecordConsumer consumer, Group group, int index, Type type,
      int outIndex) {
    int n = group.getFieldRepetitionCount(index);
    if (n == 0) {
      return;
    }
    consumer.startField(type.getName(), outIndex);
    for (int i = 0; i < n; i++) {
      if (type.isPrimitive()) {
        group.writeValue(index, i, consumer);
      } else {
        Group child = group.getGroup(index, i);
        GroupType childType = type.asGroupType();
        consumer.startGroup();
        for (int f = 0; f < childType.getFieldCount(); f++) {
          write(consumer, child, f, childType.getType(f), f);
        }
        consumer.endGroup();
      }
    }
    consumer.endField(type.getName(), outIndex);
  }
}
