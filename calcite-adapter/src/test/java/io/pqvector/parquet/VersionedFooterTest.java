package io.pqvector.parquet;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pqvector.ivf.IvfIndexBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What counts as the same data across two versions of a file. */
class VersionedFooterTest {
  @TempDir Path dir;

  @Test void anIndexWrittenInPlaceKeepsTheDataAReplacementDoesNot() throws Exception {
    Path file = dir.resolve("v.parquet");
    SmallVectorFile.write(file, 2_000, 8, 1);
    VersionedFooter original = VersionedFooter.read(file);

    IvfIndexBuilder.forFile(file).column("v").seed(3).threads(1).build();
    VersionedFooter indexed = VersionedFooter.read(file);
    assertNotEquals(original.version(), indexed.version(), "the index changes the version");
    assertTrue(original.sameDataAs(indexed), "but not the data");

    // Same writer, same shape, other values, renamed over the file: another file.
    Path other = dir.resolve("other.parquet.tmp");
    SmallVectorFile.write(other, 2_000, 8, 2);
    Files.move(other, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    VersionedFooter replaced = VersionedFooter.read(file);
    assertFalse(indexed.sameDataAs(replaced));
    assertFalse(original.sameDataAs(replaced));

    // The same bytes written again into the same file: a new version of the same data.
    Path again = dir.resolve("again.parquet.tmp");
    SmallVectorFile.write(again, 2_000, 8, 2);
    Files.write(file, Files.readAllBytes(again));
    VersionedFooter rewritten = VersionedFooter.read(file);
    assertNotEquals(replaced.version(), rewritten.version());
    assertTrue(replaced.sameDataAs(rewritten));
  }
}
