package io.pqvector.sqltests.hardening;

import io.pqvector.ivf.IvfIndexBuilder;
import java.nio.file.Path;

/**
 * Builds an index in a separate JVM so {@link CrashSafetyTest} can kill it with SIGKILL. Prints
 * each phase change ({@code phase <name> <done>/<total> <nanos since start>}) and {@code done},
 * flushed, so the test knows where the build was when the kill landed.
 * Arguments: file, column, seed, lists.
 */
public final class BuildIndexMain {
  private BuildIndexMain() {}

  public static void main(String[] args) throws Exception {
    long start = System.nanoTime();
    System.out.println("started");
    System.out.flush();
    IvfIndexBuilder.forFile(Path.of(args[0])).column(args[1]).seed(Long.parseLong(args[2]))
        .lists(Integer.parseInt(args[3]))
        .progress((phase, done, total) -> {
          System.out.println("phase " + phase + " " + done + "/" + total + " "
              + (System.nanoTime() - start));
          System.out.flush();
        })
        .build();
    System.out.println("done " + (System.nanoTime() - start));
    System.out.flush();
  }
}
