package io.pqvector.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command of {@code java -jar pqvector.jar}: its options are picocli fields, {@code call()} runs
 * it and returns the exit code. Options several commands share are picocli mixins
 * ({@link IndexOptions}); a new shared group (storage settings, say) goes in a mixin of its own.
 */
abstract class CliCommand implements Callable<Integer> {
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this command's usage")
  boolean help;

  @Spec CommandSpec spec;

  final Streams streams;

  CliCommand(Streams streams) {
    this.streams = streams;
  }

  PrintStream out() {
    return streams.out();
  }

  PrintStream err() {
    return streams.err();
  }

  /**
   * What to print when positional arguments are missing, instead of picocli's list of their
   * labels; null for picocli's message.
   */
  String missingArguments() {
    return null;
  }
}
