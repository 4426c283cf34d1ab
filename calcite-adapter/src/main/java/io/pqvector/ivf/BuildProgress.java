package io.pqvector.ivf;

/** Receives the progress of an index build, e.g. to draw a progress bar on a terminal. */
public interface BuildProgress {
  BuildProgress NONE = (phase, done, total) -> { };

  /** {@code done} of {@code total} units of {@code phase} ("scanning", "training", ...) finished. */
  void update(String phase, long done, long total);
}
