package io.pqvector.sqltests;

import org.junit.jupiter.api.BeforeAll;

/**
 * {@link FilteredIvfTest}'s checks with the page cache off ({@code cacheSize=0}), where the search
 * evaluates the filter on every row of this DuckDB-written file (no offset indexes) first and then
 * probes (with the cache on, the default, it evaluates the filter on each probed list's rows
 * instead; with the cache off on a file with offset indexes, see {@link
 * CandidateFilterRewrittenTest}).
 */
class FilteredIvfCacheOffTest extends FilteredIvfTest {
  @BeforeAll static void cacheOff() throws Exception {
    indexed.close();
    indexed = Fixtures.pqvector(dir, ";cacheSize=0");
  }
}
