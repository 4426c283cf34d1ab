package io.pqvector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The README's command table names every command and every option the command line has, and
 * nothing else: the table is checked against each command's picocli spec, so they cannot drift.
 */
class CliUsageReadmeTest {
  /** An option in the table's first column: {@code --name} or {@code -e}, not {@code --<property>}. */
  private static final Pattern OPTION = Pattern.compile("(?<=[\\[\\s`])--?[a-z][a-z0-9-]*");

  @Test void readmeTableListsEveryCommandAndOption() throws Exception {
    Map<String, TreeSet<String>> documented = readmeTable();
    CommandLine cli = Main.commandLine(new Streams(new ByteArrayInputStream(new byte[0]),
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream())));
    Map<String, TreeSet<String>> actual = new TreeMap<>();
    cli.getSubcommands().forEach((name, command) -> actual.put(name, options(command)));
    assertEquals(actual.keySet(), documented.keySet(), "commands in README.md's table");
    for (String name : actual.keySet()) {
      assertEquals(actual.get(name), documented.get(name),
          "options of '" + name + "' in README.md's command table");
    }
  }

  /** Options of a command and its subcommands ({@code users add}), without -h/--help. */
  private static TreeSet<String> options(CommandLine command) {
    TreeSet<String> names = new TreeSet<>();
    for (OptionSpec o : command.getCommandSpec().options()) {
      if (!o.usageHelp()) {
        names.addAll(java.util.List.of(o.names()));
      }
    }
    for (CommandLine sub : command.getSubcommands().values()) {
      names.addAll(options(sub));
    }
    return names;
  }

  /** Command name to the options its rows of the "Command line" table show (all rows of a command). */
  private static Map<String, TreeSet<String>> readmeTable() throws Exception {
    Path readme = Paths.get("..", "README.md");
    String text = Files.readString(readme);
    int section = text.indexOf("\n## Command line");
    assertTrue(section >= 0, "README.md has a '## Command line' section");
    Map<String, TreeSet<String>> rows = new TreeMap<>();
    for (String line : text.substring(section + 1).split("\n")) {
      if (line.startsWith("## ") && !rows.isEmpty()) {
        break;
      }
      Matcher row = Pattern.compile("^\\| `([a-z]+)([^|]*(?:\\\\\\|[^|]*)*)` \\|").matcher(line);
      if (row.find()) {
        TreeSet<String> options = new TreeSet<>();
        Matcher m = OPTION.matcher(row.group(2));
        while (m.find()) {
          options.add(m.group());
        }
        rows.computeIfAbsent(row.group(1), c -> new TreeSet<>()).addAll(options);
      }
    }
    return rows;
  }

  @Test void everyCommandAnswersHelpWithItsOwnUsage() {
    CommandLine cli = Main.commandLine(new Streams(System.in, System.out, System.err));
    for (String name : cli.getSubcommands().keySet()) {
      if (name.equals("help")) {
        continue;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = Main.run(new String[] {name, "--help"}, new PrintStream(out, true),
          new PrintStream(err, true));
      assertEquals(0, code, name);
      assertTrue(out.toString().startsWith("usage: java -jar pqvector.jar " + name + " "),
          out.toString());
      for (String option : options(cli.getSubcommands().get(name))) {
        if (!name.equals("users")) {
          assertTrue(out.toString().contains(option), name + " --help names " + option);
        }
      }
      assertEquals("", err.toString());
    }
  }
}
