package io.pqvector.calcite;

import io.pqvector.calcite.search.FilterShape;
import io.pqvector.calcite.search.SearchSpec;
import io.pqvector.calcite.search.VectorSearch;
import io.pqvector.calcite.function.VectorFunction;
import io.pqvector.format.RecallCurve;
import io.pqvector.ivf.FileIndex;
import io.pqvector.ivf.IvfProbe;
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
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.AbstractRelNode;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.sql.SqlExplainLevel;
import org.apache.calcite.rel.RelWriter;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexProgramBuilder;

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
  /** The WHERE clause over {@link #filterColumns}' layout, or null. */
  final RexNode filter;
  /** Table columns the filter reads, in the order its input references number them. */
  final int[] filterColumns;
  final RexNode fetch;
  final RexNode offset;
  final Integer nprobeHint;
  final Double recallHint;
  /** A one-row input whose field {@link #queryField} is the query vector, or null. */
  private RelNode queryInput;
  private final int queryField;
  private final boolean indexed;
  private final List<String> fallbacks = new ArrayList<>();
  private int indexedFiles;

  /**
   * With a query input: the query vector is field {@code queryField} of the single row that
   * {@code queryInput} produces (a scalar subquery such as {@code (SELECT embedding FROM docs
   * WHERE id = 42)}), and each output row carries that row's fields after the scan's.
   *
   * @param fields table columns of the output rows
   * @param vectorField position in {@code fields} of the vector column
   */
  VectorTopK(RelOptCluster cluster, RelOptTable table, ParquetTable parquetTable, int[] fields,
      int vectorField, VectorFunction function, RexNode query, RexNode filter,
      int[] filterColumns, RexNode fetch, RexNode offset, Integer nprobeHint, Double recallHint,
      RelNode queryInput, int queryField) {
    super(cluster, cluster.traitSetOf(EnumerableConvention.INSTANCE));
    this.queryInput = queryInput;
    this.queryField = queryField;
    this.table = table;
    this.parquetTable = parquetTable;
    this.fields = fields;
    this.vectorField = vectorField;
    this.function = function;
    this.query = query;
    this.filter = filter;
    this.filterColumns = filterColumns;
    this.fetch = fetch;
    this.offset = offset;
    this.nprobeHint = nprobeHint;
    this.recallHint = recallHint;
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

  @Override public List<RelNode> getInputs() {
    return queryInput == null ? List.of() : List.of(queryInput);
  }

  @Override public void replaceInput(int ordinalInParent, RelNode p) {
    if (queryInput == null || ordinalInParent != 0) {
      throw new IndexOutOfBoundsException("input " + ordinalInParent);
    }
    queryInput = p;
    recomputeDigest();
  }

  @Override public RelNode copy(RelTraitSet traitSet, List<RelNode> inputs) {
    if (queryInput == null || inputs.get(0) == queryInput) {
      return this;
    }
    return new VectorTopK(getCluster(), table, parquetTable, fields, vectorField, function,
        query, filter, filterColumns, fetch, offset, nprobeHint, recallHint, inputs.get(0),
        queryField);
  }

  @Override protected RelDataType deriveRowType() {
    List<RelDataTypeField> all = table.getRowType().getFieldList();
    RelDataTypeFactory.Builder b = getCluster().getTypeFactory().builder();
    for (int f : fields) {
      b.add(all.get(f));
    }
    if (queryInput != null) {
      b.addAll(queryInput.getRowType().getFieldList());
    }
    return b.build();
  }

  @Override public RelWriter explainTerms(RelWriter pw) {
    RelWriter w = super.explainTerms(pw);
    if (queryInput != null) {
      w.input("subquery", queryInput); // inputs come first, as RelWriter expects
    }
    w
        .item("table", table.getQualifiedName())
        // Which columns it yields tells two of these apart in the planner (not shown by EXPLAIN,
        // whose Calc above numbers them).
        .itemIf("fields", java.util.Arrays.toString(fields),
            pw.getDetailLevel() == SqlExplainLevel.DIGEST_ATTRIBUTES)
        .item("column", columnName())
        .item("function", function.sqlName())
        .item("metric", function.metric().id())
        .item("k", offset == null ? fetch : fetch + "+" + offset)
        .itemIf("recall", fixedNprobe() == null ? recallTarget() : null,
            indexed && fixedNprobe() == null)
        .itemIf("nprobe", fixedNprobe() != null ? fixedNprobe() : chosenNprobe(false), indexed)
        .itemIf("expectedRecall", chosenNprobe(true), indexed && fixedNprobe() == null)
        .itemIf("indexedFiles", indexedFiles + "/" + parquetTable.files().size(), indexed)
        .itemIf("exactFallback", fallbacks, indexed && !fallbacks.isEmpty())
        .itemIf("filter", filter, filter != null)
        .item("query", queryInput != null ? "$" + queryField + " of the subquery"
            : pw.getDetailLevel() == SqlExplainLevel.DIGEST_ATTRIBUTES
                || query instanceof RexDynamicParam ? query : "<vector>");
    return w;
  }

  /**
   * The nprobe asked for, or null to choose it per file from the recall curve. A hint beats the
   * connection's properties; at the same level an explicit nprobe beats a recall.
   */
  Integer fixedNprobe() {
    if (nprobeHint != null) {
      return nprobeHint;
    }
    if (recallHint != null) {
      return null;
    }
    return parquetTable.settings().nprobe();
  }

  /** The recall to probe for when no nprobe is fixed. */
  double recallTarget() {
    return recallHint != null ? recallHint : parquetTable.settings().recall();
  }

  /**
   * What the files' curves choose for this query's k (10 when LIMIT is a parameter), as shown by
   * EXPLAIN: the nprobe (a range when files differ) or the recall the curves expect for it.
   * Indexes without a curve (format 1.0) use {@link IvfProbe#defaultNprobe}. With a filter the
   * search may probe further, while few of the rows probed pass.
   */
  private String chosenNprobe(boolean expected) {
    long k = literal(fetch, 10) + literal(offset, 0);
    int minP = Integer.MAX_VALUE;
    int maxP = 0;
    double minR = 2;
    double maxR = -1;
    for (FileIndex index : parquetTable.indexes(columnName())) {
      if (index.status() != FileIndex.Status.OK || index.metric() != function.metric()) {
        continue;
      }
      int lists = index.index().listCount();
      RecallCurve curve = index.index().recallCurve().orElse(null);
      int p = curve == null ? IvfProbe.defaultNprobe(lists) : curve.nprobeFor(k, recallTarget());
      minP = Math.min(minP, p);
      maxP = Math.max(maxP, p);
      if (curve != null) {
        double r = curve.expectedRecall(k, p);
        minR = Math.min(minR, r);
        maxR = Math.max(maxR, r);
      }
    }
    if (expected) {
      if (maxR < 0) {
        return "unknown (no curve in the index)";
      }
      return String.format(java.util.Locale.ROOT, minR == maxR ? "%.3f" : "%.3f..%.3f", minR,
          maxR);
    }
    String range = maxP == 0 ? "auto" : minP == maxP ? Integer.toString(minP) : minP + ".." + maxP;
    return filter == null ? range : range + " or more while few probed rows pass";
  }

  private static long literal(RexNode node, long otherwise) {
    if (node instanceof RexLiteral) {
      Long n = ((RexLiteral) node).getValueAs(Long.class);
      return n == null ? otherwise : n;
    }
    return node == null ? 0 : otherwise;
  }

  @Override public double estimateRowCount(RelMetadataQuery mq) {
    if (fetch instanceof RexLiteral) {
      Number n = ((RexLiteral) fetch).getValueAs(Long.class);
      return n == null ? 10 : Math.max(1, n.doubleValue());
    }
    return 10;
  }

  @Override public RelOptCost computeSelfCost(RelOptPlanner planner, RelMetadataQuery mq) {
    // Always cheaper than sorting the scan: the table has no row-count statistic (Calcite assumes
    // 100 rows), so a cost that grew with k lost to the plain sort from LIMIT 100 on, and those
    // queries read every vector.
    return planner.getCostFactory().makeTinyCost();
  }

  @Override public Result implement(EnumerableRelImplementor implementor, Prefer pref) {
    JavaTypeFactory typeFactory = implementor.getTypeFactory();
    PhysType physType = PhysTypeImpl.of(typeFactory, getRowType(), pref.preferArray());
    BlockBuilder builder = new BlockBuilder();
    RexBuilder rexBuilder = getCluster().getRexBuilder();
    Expression subqueryRow = Expressions.constant(null, Object[].class);
    if (queryInput != null) {
      Result input = implementor.visitChild(this, 0, (EnumerableRel) queryInput, pref);
      Expression rows = builder.append("subqueryRows", input.block);
      subqueryRow = builder.append("subqueryRow", Expressions.call(VectorSearch.class,
          "singleRow", rows, Expressions.constant(
              input.physType.getFormat() == JavaRowFormat.SCALAR),
          Expressions.constant(queryInput.getRowType().getFieldCount())));
    }

    // Query vector, LIMIT and OFFSET: constants or parameters, translated once per execution.
    RelDataType empty = typeFactory.builder().build();
    RexProgramBuilder values = new RexProgramBuilder(empty, rexBuilder);
    values.addProject(queryInput != null ? rexBuilder.makeNullLiteral(query.getType()) : query,
        "query");
    values.addProject(fetch, "fetch");
    values.addProject(offset == null ? rexBuilder.makeExactLiteral(java.math.BigDecimal.ZERO)
        : offset, "offset");
    List<Expression> translated = RexToLixTranslator.translateProjects(values.getProgram(),
        typeFactory, implementor.getConformance(), builder, null, null,
        implementor.getRootExpression(), (list, index, storageType) -> {
          throw new IllegalStateException("no input");
        }, implementor::getCorrelVariableGetter);

    SearchSpec spec = new SearchSpec(parquetTable, fields, vectorField, function,
        filter == null ? new int[0] : filterColumns, indexed, fixedNprobe(), recallTarget(),
        filter == null ? null : FilterShape.of(filter, filterRowType()));
    Expression specExpr = implementor.stash(spec, SearchSpec.class);
    Expression call = Expressions.call(VectorSearch.class, "execute",
        implementor.getRootExpression(), specExpr,
        queryInput != null
            ? Expressions.arrayIndex(subqueryRow, Expressions.constant(queryField))
            : Expressions.convert_(translated.get(0), Object.class),
        Expressions.convert_(Expressions.box(translated.get(1)), Number.class),
        Expressions.convert_(Expressions.box(translated.get(2)), Number.class),
        filter == null ? Expressions.constant(null, Predicate1.class)
            : filterLambda(implementor, typeFactory, rexBuilder),
        subqueryRow,
        Expressions.constant(physType.getFormat() == JavaRowFormat.SCALAR));
    builder.add(Expressions.return_(null, call));
    return implementor.result(physType, builder.toBlock());
  }

  /** The WHERE clause as a generated {@code Predicate1<Object[]>} over the scan's row layout. */
  private Expression filterLambda(EnumerableRelImplementor implementor,
      JavaTypeFactory typeFactory, RexBuilder rexBuilder) {
    RelDataType scanRow = filterRowType();
    PhysType rowType = PhysTypeImpl.of(typeFactory, scanRow, JavaRowFormat.ARRAY, false);
    ParameterExpression row = Expressions.parameter(Object[].class, "row");
    BlockBuilder body = new BlockBuilder();
    RexProgramBuilder program = new RexProgramBuilder(scanRow, rexBuilder);
    program.addCondition(filter);
    Expression condition = RexToLixTranslator.translateCondition(program.getProgram(),
        typeFactory, body, new RexToLixTranslator.InputGetterImpl(row, rowType),
        implementor::getCorrelVariableGetter, implementor.getConformance());
    body.add(Expressions.return_(null, condition));
    return Expressions.lambda(Predicate1.class, body.toBlock(), row);
  }

  /** The row layout the filter is evaluated on: the columns it reads. */
  private RelDataType filterRowType() {
    List<RelDataTypeField> all = table.getRowType().getFieldList();
    RelDataTypeFactory.Builder b = getCluster().getTypeFactory().builder();
    for (int f : filterColumns) {
      b.add(all.get(f));
    }
    return b.build();
  }
}
