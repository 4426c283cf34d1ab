package io.pqvector.cli;

import io.pqvector.ivf.BuildProgress;
import java.io.PrintStream;

/** A one-line progress bar redrawn in place on a terminal (only used when a console exists). */
final class ProgressBar implements BuildProgress {
  private static final int WIDTH = 30;
  private final PrintStream out;
  private final String label;
  private String lastLine = "";

  ProgressBar(PrintStream out, String label) {
    this.out = out;
    this.label = label;
  }

  @Override public void update(String phase, long done, long total) {
    int filled = total <= 0 ? WIDTH : (int) (WIDTH * Math.min(1.0, (double) done / total));
    String line = String.format("\r%s %-10s [%s%s] %3d%%", label, phase, "#".repeat(filled),
        " ".repeat(WIDTH - filled), total <= 0 ? 100 : (int) (100.0 * done / total));
    if (!line.equals(lastLine)) {
      out.print(line);
      lastLine = line;
      if (done >= total && phase.equals("writing")) {
        out.print("\r" + " ".repeat(line.length()) + "\r");
      }
      out.flush();
    }
  }
}
