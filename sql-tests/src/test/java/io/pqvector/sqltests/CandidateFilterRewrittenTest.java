package io.pqvector.sqltests;

import io.pqvector.rewrite.SearchLayoutRewriter;
import io.pqvector.vector.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link CandidateFilterTest}'s checks on the {@code rewrite} copies of its files (parquet-mr,
 * offset indexes, rows ordered by list), where the search with the cache off evaluates the filter
 * on the probed lists' rows, reading their pages of the filter columns, instead of on the whole
 * file: it must give the same rows as the cached search at the same nprobe and the exact answer
 * when every list is probed.
 */
class CandidateFilterRewrittenTest extends CandidateFilterTest {
  @BeforeAll static void rewriteTheFiles() throws Exception {
    for (Connection c : new Connection[] {everyList, fewLists, fewListsCacheOff, exact}) {
      c.close();
    }
    for (int f = 0; f < FILES; f++) {
      Path file = dir.resolve("docs").resolve("part" + f + ".parquet");
      Path copy = dir.resolve("part" + f + ".rewritten");
      SearchLayoutRewriter.from(file).to(copy).column("emb").metric(Metric.L2).rewrite();
      Files.move(copy, file, StandardCopyOption.REPLACE_EXISTING);
    }
    everyList = Fixtures.pqvector(dir, ";cacheSize=64m;nprobe=100000");
    fewLists = Fixtures.pqvector(dir, ";cacheSize=64m;nprobe=3");
    fewListsCacheOff = Fixtures.pqvector(dir, ";cacheSize=0;nprobe=3");
    exact = Fixtures.pqvector(dir, ";useIndex=false");
  }

  @Override boolean offsetIndexes() {
    return true;
  }
}
