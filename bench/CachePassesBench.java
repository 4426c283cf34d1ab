import io.pqvector.parquet.decode.DecodedPageCache;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * What the page cache needs for a table (not a test): the same prepared queries run in passes,
 * each pass's median and maximum printed with the page cache's size, hits and misses and the
 * heap in use, so a cache too small for the vector column shows as passes that never get
 * faster. Used for the 10,000,000-row table of bench/scale.sh, whose column (5.1 GB) is larger
 * than scale.sh's cache. Arguments: the table's directory, queries, cacheSize, passes; e.g.
 * {@code java -Xmx14g -cp pqvector.jar bench/CachePassesBench.java
 * bench/work/scale/10000000x128 20 7g 3}.
 */
public class CachePassesBench {
  public static void main(String[] args) throws Exception {
    String dir = args[0];
    int n = Integer.parseInt(args[1]);
    String cacheSize = args[2];
    int passes = Integer.parseInt(args[3]);
    float[][] qs = new float[n][];
    Random random = new Random(7);
    // Rows spread over the table, each moved a little (as ScaleBench chooses its queries).
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + dir + ";useIndex=false");
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT embedding FROM docs WHERE MOD(id, 997) = 13 LIMIT " + n)) {
      for (int i = 0; rs.next(); i++) {
        Object[] v = (Object[]) rs.getArray(1).getArray();
        qs[i] = new float[v.length];
        for (int d = 0; d < v.length; d++) {
          qs[i][d] = ((Number) v[d]).floatValue() + (float) random.nextGaussian() * 0.05f;
        }
      }
    }
    try (Connection c = DriverManager.getConnection("jdbc:pqvector:" + dir + ";cacheSize="
            + cacheSize + ";nprobe=8");
        PreparedStatement ps = c.prepareStatement(
            "SELECT id FROM docs ORDER BY array_distance(embedding, ?) LIMIT 10")) {
      for (int pass = 0; pass < passes; pass++) {
        long[] nanos = new long[n];
        for (int q = 0; q < n; q++) {
          ps.setObject(1, qs[q]);
          long t0 = System.nanoTime();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              rs.getLong(1);
            }
          }
          nanos[q] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        DecodedPageCache pages = DecodedPageCache.shared();
        Runtime rt = Runtime.getRuntime();
        System.out.printf(Locale.ROOT, "pass %d: median %.1f ms, max %.1f ms; page cache %,d of"
            + " %,d MB, %,d hits, %,d misses so far; heap in use %,d MB%n", pass,
            nanos[n / 2] / 1e6, nanos[n - 1] / 1e6, pages.usedBytes() >> 20,
            pages.capacity() >> 20, pages.hits(), pages.misses(),
            (rt.totalMemory() - rt.freeMemory()) >> 20);
      }
    }
  }
}
