package io.pqvector.parquet.decode;

import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Where a vector column's floats live in a Parquet schema and what its definition levels mean.
 *
 * <p>Accepted: a top-level field whose path down to a FLOAT or DOUBLE leaf passes through single-child
 * groups only and holds exactly one REPEATED node, at most three nodes deep. That covers the standard
 * 3-level LIST ({@code x.list.element}, as parquet-mr and DuckDB write it), parquet-mr's old
 * {@code x.array} / {@code x.bag.array_element} forms, {@code optional group x (LIST) { repeated float
 * array }}, and a bare top-level {@code repeated float x}; any repetition of the outer and element nodes.
 *
 * <p>A level entry with definition level {@code d} is: a NULL list if {@code d < listDefined}; an empty
 * list if {@code d < elementDefined}; a NULL element if {@code d < maxDefinition}; otherwise a value.
 */
final class VectorLayout {
  final ColumnDescriptor descriptor;
  final int listDefined;
  final int elementDefined;
  final int maxDefinition;
  final boolean isDouble;

  private VectorLayout(ColumnDescriptor descriptor, int listDefined, int elementDefined, boolean isDouble) {
    this.descriptor = descriptor;
    this.listDefined = listDefined;
    this.elementDefined = elementDefined;
    this.maxDefinition = descriptor.getMaxDefinitionLevel();
    this.isDouble = isDouble;
  }

  /** Resolves {@code column} in {@code schema}, or an IllegalArgumentException naming file, column and type. */
  static VectorLayout resolve(MessageType schema, String column, Object file) {
    if (!schema.containsField(column)) {
      List<String> names = new ArrayList<>();
      for (Type field : schema.getFields()) {
        names.add(field.getName());
      }
      throw new IllegalArgumentException(
          "Column '" + column + "' not found in " + file + "; its top-level columns are " + names);
    }
    Type field = schema.getType(column);
    List<Type> path = new ArrayList<>();
    Type node = field;
    path.add(node);
    while (!node.isPrimitive()) {
      GroupType group = node.asGroupType();
      if (group.getFieldCount() != 1 || path.size() >= 3) {
        throw notAVector(column, file, field);
      }
      node = group.getType(0);
      path.add(node);
    }
    PrimitiveTypeName leafType = ((PrimitiveType) node).getPrimitiveTypeName();
    if (leafType != PrimitiveTypeName.FLOAT && leafType != PrimitiveTypeName.DOUBLE) {
      throw notAVector(column, file, field);
    }
    int repeatedAt = -1;
    int[] definedAt = new int[path.size()];
    int level = 0;
    for (int i = 0; i < path.size(); i++) {
      Type.Repetition repetition = path.get(i).getRepetition();
      if (repetition == Type.Repetition.REPEATED) {
        if (repeatedAt >= 0) {
          throw notAVector(column, file, field); // nested lists
        }
        repeatedAt = i;
      }
      if (repetition != Type.Repetition.REQUIRED) {
        level++;
      }
      definedAt[i] = level;
    }
    if (repeatedAt < 0) {
      throw notAVector(column, file, field);
    }
    String[] columnPath = new String[path.size()];
    for (int i = 0; i < columnPath.length; i++) {
      columnPath[i] = path.get(i).getName();
    }
    ColumnDescriptor descriptor = schema.getColumnDescription(columnPath);
    int listDefined = repeatedAt == 0 ? 0 : definedAt[repeatedAt - 1];
    return new VectorLayout(descriptor, listDefined, definedAt[repeatedAt], leafType == PrimitiveTypeName.DOUBLE);
  }

  private static IllegalArgumentException notAVector(String column, Object file, Type field) {
    String type = field.toString().replaceAll("\\s+", " ").trim();
    return new IllegalArgumentException(
        "Column '" + column + "' in " + file + " is not a list of FLOAT or DOUBLE (a vector column); its type is: "
            + type);
  }
}
