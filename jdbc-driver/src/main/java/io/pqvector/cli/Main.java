package io.pqvector.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code java -jar pqvector.jar <command> ...}: the command line. Each command is a picocli
 * {@code @Command} class; its annotations are its usage text, so {@code <command> --help}, the
 * overall usage and the README's table (checked by CliUsageReadmeTest) come from one place.
 */
public final class Main {
  private Main() {}

  /** The top level: lists the commands. */
  @Command(name = "java -jar pqvector.jar",
      customSynopsis = "java -jar pqvector.jar <command> [options]",
      commandListHeading = "%ncommands:%n",
      footer = {"", "java -jar pqvector.jar <command> --help shows a command's options."})
  static final class TopLevel {}

  public static void main(String[] args) {
    // The driver jar ships no SLF4J provider (hosts bring theirs); the command line names its own,
    // which prints warnings (a file searched exactly instead of through its index) to stderr.
    if (System.getProperty("slf4j.provider") == null) {
      System.setProperty("slf4j.provider", StderrLogging.class.getName());
    }
    if (System.getProperty("slf4j.internal.verbosity") == null) {
      System.setProperty("slf4j.internal.verbosity", "WARN");
    }
    System.exit(run(args, System.in, System.out, System.err));
  }

  /** The command line with every command, writing to {@code streams}. */
  static CommandLine commandLine(Streams streams) {
    CommandLine cli = new CommandLine(new TopLevel());
    cli.addSubcommand("demo", new DemoCommand(streams));
    cli.addSubcommand("index", new IndexCommand(streams));
    cli.addSubcommand("rewrite", new RewriteCommand(streams));
    cli.addSubcommand("bench", new BenchCommand(streams));
    cli.addSubcommand("embed", new EmbedCommand(streams));
    cli.addSubcommand("sql", new SqlCommand(streams));
    cli.addSubcommand("serve", new ServeCommand(streams));
    cli.addSubcommand("users", new CommandLine(new UsersCommand(streams))
        .addSubcommand("add", new UsersCommand.Add(streams))
        .addSubcommand("remove", new UsersCommand.Remove(streams)));
    cli.addSubcommand("help", new HelpCommand());
    // Settings below apply to the whole tree as it is now (picocli copies them to subcommands).
    cli.setColorScheme(Help.defaultColorScheme(Help.Ansi.OFF));
    cli.setUsageHelpAutoWidth(false);
    cli.setOverwrittenOptionsAllowed(true); // a repeated option: the last one counts
    cli.setExpandAtFiles(false); // @name is a file name, not a file of arguments
    // serve: every option it does not declare is a connection property (--cache-size 1g).
    cli.getSubcommands().get("serve").setUnmatchedOptionsArePositionalParams(true);
    cli.getSubcommands().get("help").getCommandSpec().usageMessage()
        .header("show this text, or a command's usage: help <command>");
    for (CommandLine c : allCommands(cli)) {
      c.getCommandSpec().usageMessage().synopsisHeading("usage: ")
          .descriptionHeading(c == cli ? "" : "%n")
          .parameterListHeading("%n").optionListHeading(c == cli ? "" : "%noptions:%n")
          .commandListHeading("%ncommands:%n");
    }
    cli.setOut(new PrintWriter(streams.out(), true));
    cli.setErr(new PrintWriter(streams.err(), true));
    return cli;
  }

  private static List<CommandLine> allCommands(CommandLine cli) {
    List<CommandLine> all = new ArrayList<>();
    all.add(cli);
    for (CommandLine sub : cli.getSubcommands().values()) {
      all.addAll(allCommands(sub));
    }
    return all;
  }

  /** Runs a command; returns the process exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, System.in, out, err);
  }

  /** Runs a command reading {@code in} (a password for {@code users add}); returns the exit code. */
  static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    CommandLine cli = commandLine(new Streams(in, out, err));
    String usage = cli.getUsageMessage();
    if (args.length == 0) {
      err.print(usage);
      return 2;
    }
    String command = args[0];
    if (command.equals("--help") || command.equals("-h")) {
      out.print(usage);
      return 0;
    }
    if (!cli.getSubcommands().containsKey(command)) {
      err.println("pqvector: unknown command '" + command + "'");
      err.print(usage);
      return 2;
    }
    cli.setParameterExceptionHandler((e, a) -> argumentError(e, command, err));
    cli.setExecutionExceptionHandler((e, c, parsed) -> {
      err.println("pqvector " + command + ": " + (e.getMessage() == null ? e : e.getMessage()));
      return e instanceof UsageException ? 2 : 1;
    });
    int code = cli.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** A wrong command line (exit code 2): the problem, a suggestion for a typo, where help is. */
  private static int argumentError(ParameterException e, String command, PrintStream err) {
    String message = e.getMessage();
    if (e instanceof MissingParameterException missing
        && missing.getMissing().stream().anyMatch(ArgSpec::isPositional)
        && e.getCommandLine().getCommand() instanceof CliCommand c
        && c.missingArguments() != null) {
      message = c.missingArguments();
    }
    err.println("pqvector " + command + ": " + message);
    if (e instanceof UnmatchedArgumentException unmatched) {
      for (String s : unmatched.getSuggestions()) {
        err.println("  did you mean " + s + "?");
      }
    }
    err.println("  (java -jar pqvector.jar " + e.getCommandLine().getCommandSpec().qualifiedName()
        .substring("java -jar pqvector.jar ".length()) + " --help lists its options)");
    return 2;
  }
}
