package io.pqvector.calcite.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.ivf.FileIndex;
import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.parquet.ParquetFiles;
import io.pqvector.parquet.SmallVectorFile;
import io.pqvector.parquet.decode.DecodedPageCache;
import io.pqvector.parquet.decode.VectorBatch;
import io.pqvector.parquet.decode.VectorColumn;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vectors of a list, gathered and kept, belong to one index of a file: a file indexed again
 * in place holds the same rows but other lists under the same numbers.
 */
class ListVectorsTest {
  static final int ROWS = 3_000;
  static final int DIM = 8;

  @TempDir Path dir;

  /**
   * The race this replays: a query loads the file's index, the file is indexed again (a new
   * version), and only then does the query open its page source, at the new version. The list
   * it gathers must not be served to a query that uses the new index.
   */
  @Test void listsOfOneIndexAreNeverServedForTheNextIndexOfTheSameFile() throws Exception {
    Path file = dir.resolve("v.parquet");
    float[][] rows = SmallVectorFile.write(file, ROWS, DIM, 11);
    DecodedPageCache.shared().ensureCapacity(64L << 20);
    IvfIndexBuilder.forFile(file).column("v").seed(0).threads(1).build();
    FileIndex before = FileIndex.load(file, ParquetFiles.readFooter(file), "v");
    assertEquals(FileIndex.Status.OK, before.status());

    // Index again until some list number holds other rows but as many of them: the case where
    // a block kept for the old list would pass for the new one.
    FileIndex after = null;
    int list = -1;
    for (int seed = 1; seed < 40 && list < 0; seed++) {
      IvfIndexBuilder.forFile(file).column("v").seed(seed).threads(1).build();
      after = FileIndex.load(file, ParquetFiles.readFooter(file), "v");
      int lists = Math.min(before.index().listCount(), after.index().listCount());
      for (int l = 0; l < lists && list < 0; l++) {
        int[] a = before.listRows(l);
        int[] b = after.listRows(l);
        if (a.length == b.length && !Arrays.equals(a, b)) {
          list = l;
        }
      }
    }
    assertTrue(list >= 0, "no re-index gave a list of the same size with other rows");
    assertNotEquals(before.version(), after.version());

    try (VectorColumn vectors = VectorColumn.open(file, "v")) {
      // The page source of the query that still holds the first index, opened after the re-index.
      PageSource source = new PageSource(file, vectors, true, after.version());
      for (FileIndex index : new FileIndex[] {before, after}) {
        int[] listRows = index.listRows(list);
        VectorBatch block = ListVectors.get(source, vectors, index, list, listRows, DIM);
        assertNotNull(block);
        assertEquals(listRows.length, block.rowCount());
        for (int i = 0; i < listRows.length; i++) {
          float[] got = Arrays.copyOfRange(block.values(), block.offset(i), block.offset(i) + DIM);
          assertArrayEquals(rows[listRows[i]], got, "list " + list + ", its row " + listRows[i]);
        }
      }
    }
  }
}
