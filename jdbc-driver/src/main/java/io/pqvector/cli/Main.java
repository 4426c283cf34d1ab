package io.pqvector.cli;

import java.io.PrintStream;
import java.util.Arrays;

/** {@code java -jar pqvector.jar <command> ...}: the command line. */
public final class Main {
  private Main() {}

  static final String USAGE = String.join("\n",
      "usage: java -jar pqvector.jar <command> [options]",
      "",
      "commands:",
      "  demo [--dir D] [--rows N] [--dim D]   generate sample data and run vector queries on it",
      "  index <file-or-dir> --column <name> [--metric l2|cosine|dot] [--lists N] [--seed S]",
      "                                        build an IVF index inside each Parquet file",
      "  rewrite <in> <out> --column <name> [--metric l2|cosine|dot] [--lists N] [--seed S] [--force]",
      "                                        write an indexed copy laid out for search",
      BenchCommand.USAGE_LINE,
      EmbedCommand.USAGE_LINE,
      "  sql <dir> [-e \"<query>\"]             open a SQL shell on a directory of Parquet files",
      "  sql s3://bucket/prefix " + S3Options.USAGE + " [-e \"<query>\"]",
      "                                        ... or on a folder of objects in S3 (credentials: AWS SDK chain)",
      ServeCommand.USAGE_LINE,
      UsersCommand.USAGE_LINE,
      "  help                                  show this text",
      "");

  public static void main(String[] args) {
    // The driver jar ships no SLF4J provider (hosts bring theirs); the command line names its own,
    // which prints warnings (a file searched exactly instead of through its index) to stderr.
    if (System.getProperty("slf4j.provider") == null) {
      System.setProperty("slf4j.provider", StderrLogging.class.getName());
    }
    if (System.getProperty("slf4j.internal.verbosity") == null) {
      System.setProperty("slf4j.internal.verbosity", "WARN");
    }
    System.exit(run(args, System.out, System.err));
  }

  /** The usage lines of one command (from the overall usage), or null for an unknown command. */
  static String usageOf(String command) {
    StringBuilder b = new StringBuilder();
    boolean in = false;
    for (String line : USAGE.split("\n")) {
      if (line.startsWith("  ") && !line.startsWith("   ")) {
        in = line.trim().startsWith(command + " ") || line.trim().equals(command);
      } else if (!line.startsWith("   ")) {
        in = false;
      }
      if (in) {
        b.append(b.length() == 0 ? "usage: java -jar pqvector.jar " + line.trim() : "\n" + line);
      }
    }
    return b.length() == 0 ? null : b.toString();
  }

  /** Runs a command; returns the process exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      err.print(USAGE);
      return 2;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    if (Arrays.asList(rest).contains("--help") || Arrays.asList(rest).contains("-h")) {
      String usage = usageOf(args[0]);
      if (usage != null) {
        out.println(usage);
        return 0;
      }
    }
    try {
      switch (args[0]) {
        case "demo":
          return new DemoCommand(out).run(CommandLine.parse(rest));
        case "index":
          return new IndexCommand(out, err).run(CommandLine.parse(rest));
        case "rewrite":
          return new RewriteCommand(out, err).run(CommandLine.parse(rest));
        case "bench": {
          S3Options.Taken s3 = S3Options.take(rest);
          return new BenchCommand(out, err).s3(s3.urlSuffix()).run(CommandLine.parse(s3.rest()));
        }
        case "embed":
          return new EmbedCommand(out, err).run(CommandLine.parse(rest));
        case "sql":
          return SqlCommand.run(rest, out, err);
        case "serve":
          return new ServeCommand(out, err).run(CommandLine.parse(rest));
        case "users":
          return UsersCommand.run(rest, System.in, out, err);
        case "help":
        case "--help":
        case "-h":
          out.print(USAGE);
          return 0;
        default:
          err.println("pqvector: unknown command '" + args[0] + "'");
          err.print(USAGE);
          return 2;
      }
    } catch (CommandLine.UsageException e) {
      err.println("pqvector " + args[0] + ": " + e.getMessage());
      return 2;
    } catch (Exception e) {
      err.println("pqvector " + args[0] + ": " + (e.getMessage() == null ? e : e.getMessage()));
      return 1;
    }
  }
}
