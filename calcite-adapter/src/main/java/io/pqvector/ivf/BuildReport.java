package io.pqvector.ivf;

import io.pqvector.vector.Metric;
import java.nio.file.Path;

/**
 * What an index build did: the figures the CLI prints at the end.
 *
 * @param rows rows of the file
 * @param indexed rows with a vector, all in the index
 * @param trainingRows vectors k-means trained on
 * @param bytesBefore file size before the build
 * @param bytesAfter file size after (the difference includes a new footer)
 * @param indexBytes size of the index payload
 * @param calibration the recall curve stored in the index and what measuring it cost
 */
public record BuildReport(Path file, String column, Metric metric, long rows, long indexed,
    int lists, int dimension, int iterations, int trainingRows, double trainSeconds,
    double seconds, long bytesBefore, long bytesAfter, int indexBytes,
    IvfIndexBuilder.Calibration calibration) {
}
