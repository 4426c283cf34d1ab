package io.pqvector.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Parsed arguments: positionals and {@code --name value} / {@code --flag} options. */
final class CommandLine {
  private final List<String> positionals;
  private final Map<String, String> options;

  private CommandLine(List<String> positionals, Map<String, String> options) {
    this.positionals = positionals;
    this.options = options;
  }

  /** An argument error: the CLI prints it with the usage and exits with code 2. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  /** Options that take no value. */
  private static final java.util.Set<String> FLAGS = java.util.Set.of("--json", "--force",
      "--no-progress", "--duckdb", "--quiet", "--build", "--index");

  static CommandLine parse(String[] args) throws UsageException {
    List<String> positionals = new ArrayList<>();
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("--")) {
        if (FLAGS.contains(a)) {
          options.put(a, "true");
        } else if (a.contains("=")) {
          options.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        } else if (i + 1 < args.length) {
          options.put(a, args[++i]);
        } else {
          throw new UsageException("option " + a + " needs a value");
        }
      } else {
        positionals.add(a);
      }
    }
    return new CommandLine(positionals, options);
  }

  List<String> positionals() {
    return positionals;
  }

  /** Every {@code --name value} option given. */
  Map<String, String> options() {
    return java.util.Collections.unmodifiableMap(options);
  }

  String option(String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }

  boolean flag(String name) {
    return options.containsKey(name);
  }

  int intOption(String name, int fallback) throws UsageException {
    String v = options.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new UsageException(name + " expects a whole number but got '" + v + "'");
    }
  }

  /** Rejects options other than {@code names} and {@code more}, naming them. */
  void allowOnly(String[] names, String... more) throws UsageException {
    String[] all = java.util.Arrays.copyOf(names, names.length + more.length);
    System.arraycopy(more, 0, all, names.length, more.length);
    allowOnly(all);
  }

  /** Rejects options the command does not know, naming them. */
  void allowOnly(String... names) throws UsageException {
    List<String> allowed = List.of(names);
    for (String k : options.keySet()) {
      if (!allowed.contains(k)) {
        throw new UsageException("unknown option " + k + " (known: " + String.join(", ", names)
            + ")");
      }
    }
  }
}
