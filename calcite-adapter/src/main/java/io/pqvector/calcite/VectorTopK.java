package io.pqvector.calcite;

import io.pqvector.calcite.sql.VectorFunction;
import io.pqvector.ivf.FileIndex;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.adapter.enumerable.JavaRowFormat;
import org.apache.calcite.adapter.enumerable.PhysType;
import org.apache.calcite.adapter.enumerable.PhysTypeImpl;
import org.apache.calcite.adapter.enumerable.RexToLixTranslator;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.linq4j.function.Predicate1;
import org.apache.calcite.linq4j.tree.BlockBuilder;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.linq4j.tree.ParameterExpression;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.AbstractRelNode;
import org.apache.calcite.rel.RelWriter;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexProgramBuilder;
import org.apache.calcite.util.ImmutableBitSet;

/**
 * The k rows of a Parquet table that pass a filter and rank first by a vector function against a
 * query vector. Its rows have the scan's columns; the Sort, Project and Filter that the rule left
 * above it finish the query on those few rows. Per file it searches the IVF index when the file
 * has a valid one for the column and the connection allows it, and reads every vector otherwise;
 * the plan shows {@code IvfTopK} when the table has an index and {@code ExactTopK} when not.
 */
public final class VectorTopK extends AbstractRelNode implements EnumerableRel {
  private final RelOptTable table;
  final ParquetTable parquetTable;
  final int[] fields;
  final int vectorField;
  final VectorFunction function;
  final RexNode query;
  final RexNode filter;
  final RexNode fetch;
  final RexNode offset;
  final Integer nprobeHint;
  private final boolean indexed;
  private final List<String> fallbacks = new ArrayList<>();
  private int indexedFiles;

  VectorTopK(RelOptCluster cluster, RelOptTable table, ParquetTable parquetTable, int[] fields,
      int vectorField, VectorFunction function, RexNode query, RexNode filter, RexNode fetch,
      RexNode offset, Integer nprobeHint) {
    super(cluster, cluster.traitSetOf(EnumerableConvention.INSTANCE));
    this.table = table;
    this.parquetTable = parquetTable;
    this.fields = fields;
    this.vectorField = vectorField;
    this.function = function;
    this.query = query;
    this.filter = filter;
    this.fetch = fetch;
    this.offset = offset;
    this.nprobeHint = nprobeHint;
    if (parquetTable.settings().useIndex()) {
      for (FileIndex index : parquetTable.indexes(columnName())) {
        if (index.status() == FileIndex.Status.OK && index.metric() == function.metric()) {
          indexedFiles++;
        } else if (index.status() == FileIndex.Status.OK) {
          fallbacks.add(index.index().column() + " index is " + index.metric().id()
              + ", query is " + function.metric().id());
        } else if (index.status() != FileIndex.Status.NONE) {
          fallbacks.add(index.problem());
        }
      }
    }
    // The table "has an index" for this query when some file's index answers its metric.
    this.indexed = indexedFiles > 0;
  }

  String columnName() {
    return parquetTable.columnNames().get(fields[vectorField]);
  }

  @Override public String getRelTypeName() {
    return indexed ? "IvfTopK" : "ExactTopK";
  }

  @Override public RelOptTable getTable() {
    return table;
  }

  @Override protected RelDataType deriveRowType() {
    List<RelDataTypeField> all = table.getRowType().getFieldList();
    RelDataTypeFactory.Builder b = getCluster().getTypeFactory().builder();
    for (int f : fields) {
      b.add(all.get(f));
    }
    return b.build();
  }

  @Override public RelWriter explainTerms(RelWriter pw) {
    RelWriter w = super.explainTerms(pw)
        .item("table", table.getQualifiedName())
        .item("column", columnName())
        .item("function", function.sqlName())
        .item("metric", function.metric().id())
        .item("k", offset == null ? fetch : fetch + "+" + offset)
        .itemIf("nprobe", nprobeHint != null ? nprobeHint
            : parquetTable.settings().nprobe() != null ? parquetTable.settings().nprobe()
            : "auto", indexed)
        .itemIf("indexedFiles", indexedFiles + "/" + parquetTable.files().size(), indexed)
        .itemIf("exactFallback", fallbacks, indexed && !fallbacks.isEmpty())
        .itemIf("filter", filter, filter != null)
        .item("query", query instanceof RexLiteral || query.getType().getComponentType() == null
            ? query : "<vector>");
    return w;
  }

  @Override public double estimateRowCount(RelMetadataQuery mq) {
    if (fetch instanceof RexLiteral) {
      Number n = ((RexLiteral) fetch).getValueAs(Long.class);
      return n == null ? 10 : Math.max(1, n.doubleValue());
    }
    return 10;
  }

  @Override public RelOptCost computeSelfCost(RelOptPlanner planner, RelMetadataQuery mq) {
    double rows = estimateRowCount(mq);
    return planner.getCostFactory().makeCost(rows, rows, 0);
  }

  @Override public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    JavaTypeFactory typeFactory = implementor.getTypeFactory();
    PhysType physType = PhysTypeImpl.of(typeFactory, getRowType(), pref.preferArray());
    BlockBuilder builder = new BlockBuilder();
    RexBuilder rexBuilder = getCluster().getRexBuilder();

    // Query vector, LIMIT and OFFSET: constants or parameters, translated once per execution.
    RelDataType empty = typeFactory.builder().build();
    RexProgramBuilder values = new RexProgramBuilder(empty, rexBuilder);
    values.addProject(query, "query");
    values.addProject(fetch, "fetch");
    values.addProject(offset == null ? rexBuilder.makeExactLiteral(java.math.BigDecimal.ZERO)
        : offset, "offset");
    List<Expression> translated = RexToLixTranslator.translateProjects(values.getProgram(),
        typeFactory, implementor.getConformance(), builder, null, null,
        implementor.getRootExpression(), (list, index, storageType) -> {
          throw new IllegalStateException("no input");
        }, implementor::getCorrelVariableGetter);

    SearchSpec spec = new SearchSpec(parquetTable, fields, vectorField, function,
        filter == null ? new int[0] : ImmutableBitSet.of(RelOptUtil.InputFinder.bits(filter))
            .toArray(), indexed,
        nprobeHint != null ? nprobeHint : parquetTable.settings().nprobe());
    Expression specExpr = implementor.stash(spec, SearchSpec.class);
    Expression call = Expressions.call(VectorSearch.class, "execute",
        implementor.getRootExpression(), specExpr,
        Expressions.convert_(translated.get(0), Object.class),
        Expressions.convert_(Expressions.box(translated.get(1)), Number.class),
        Expressions.convert_(Expressions.box(translated.get(2)), Number.class),
        filter == null ? Expressions.constant(null, Predicate1.class)
            : filterLambda(implementor, typeFactory, rexBuilder),
        Expressions.constant(physType.getFormat() == JavaRowFormat.SCALAR));
    builder.add(Expressions.return_(null, call));
    return implementor.result(physType, builder.toBlock());
  }

  /** The WHERE clause as a generated {@code Predicate1<Object[]>} over the scan's row layout. */
  private Expression filterLambda(EnumerableRelImplementor implementor,
      JavaTypeFactory typeFactory, RexBuilder rexBuilder) {
    PhysType rowType = PhysTypeImpl.of(typeFactory, getRowType(), JavaRowFormat.ARRAY, false);
    ParameterExpression row = Expressions.parameter(Object[].class, "row");
    BlockBuilder body = new BlockBuilder();
    RexProgramBuilder program = new RexProgramBuilder(getRowType(), rexBuilder);
    program.addCondition(filter);
    Expression condition = RexToLixTranslator.translateCondition(program.getProgram(),
        typeFactory, body, new RexToLixTranslator.InputGetterImpl(row, rowType),
        implementor::getCorrelVariableGetter, implementor.getConformance());
    body.add(Expressions.return_(null, condition));
    return Expressions.lambda(Predicate1.class, body.toBlock(), row);
  }

  /** Plan-time facts the run-time search needs. */
  public static final class SearchSpec {
    final ParquetTable table;
    final int[] fields;
    final int vectorField;
    final VectorFunction function;
    final int[] filterFields;
    final boolean useIndex;
    final Integer nprobe;

    SearchSpec(ParquetTable table, int[] fields, int vectorField, VectorFunction function,
        int[] filterFields, boolean useIndex, Integer nprobe) {
      this.table = table;
      this.fields = fields;
      this.vectorField = vectorField;
      this.function = function;
      this.filterFields = filterFields;
      this.useIndex = useIndex;
      this.nprobe = nprobe;
    }
  }

}
