package io.pqvector.rewrite;

import io.pqvector.ivf.IvfIndexBuilder;
import io.pqvector.vector.Metric;
import java.nio.file.Path;

/**
 * What a search-layout rewrite did: the figures the CLI prints at the end.
 *
 * @param rows rows of the input, and of the output
 * @param indexed rows with a vector, all in the index; the other rows are the output's last rows
 * @param passes reads of the input it took to emit the rows list by list within the memory budget
 * @param memoryBudget bytes of buffered rows a pass was allowed (estimated, see
 *     {@link SearchLayoutRewriter})
 * @param rowGroups row groups of the output
 * @param bytesIn size of the input
 * @param bytesOut size of the output, index included
 * @param indexBytes size of the index payload
 * @param calibration the recall curve stored in the index and what measuring it cost
 */
public record RewriteReport(Path input, Path output, String column, Metric metric, long rows,
    long indexed, int lists, int dimension, int iterations, int trainingRows, int passes,
    long memoryBudget, int rowGroups, double trainSeconds, double seconds, long bytesIn,
    long bytesOut, int indexBytes, IvfIndexBuilder.Calibration calibration) {
}
