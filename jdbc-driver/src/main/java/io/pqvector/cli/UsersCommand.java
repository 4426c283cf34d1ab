package io.pqvector.cli;

import io.pqvector.server.UsersFile;
import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code users add <file> <name>} (password from standard input, or asked twice on a terminal)
 * and {@code users remove <file> <name>}: the users file of {@code serve --users}.
 */
@Command(name = "users", description = "keep the users file of serve --users (add reads the"
    + " password from standard input)", synopsisSubcommandLabel = "add|remove")
final class UsersCommand extends CliCommand {
  static final String EXPECTED = "expected: users add <file> <name> or users remove <file> <name>";

  UsersCommand(Streams streams) {
    super(streams);
  }

  /** {@code users} without add or remove. */
  @Override public Integer call() throws UsageException {
    throw new UsageException(EXPECTED);
  }

  /** The arguments of add and remove. */
  abstract static class UserArguments extends CliCommand {
    @Parameters(index = "0", paramLabel = "<file>", description = "the users file")
    Path file;

    @Parameters(index = "1", paramLabel = "<name>", description = "the user")
    String name;

    UserArguments(Streams streams) {
      super(streams);
    }

    @Override String missingArguments() {
      return EXPECTED;
    }
  }

  @Command(name = "add", description = "add a user or set their password (read from standard"
      + " input, or asked twice on a terminal)")
  static final class Add extends UserArguments {
    Add(Streams streams) {
      super(streams);
    }

    @Override public Integer call() throws Exception {
      char[] password = readPassword();
      try {
        UsersFile.add(file, name, password);
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      } finally {
        Arrays.fill(password, '\0');
      }
      out().println("set the password of user '" + name + "' in " + file);
      return 0;
    }

    private char[] readPassword() throws Exception {
      Console console = System.console();
      if (console != null && streams.in() == System.in) {
        char[] first = console.readPassword("password for %s: ", name);
        char[] again = console.readPassword("again: ");
        if (first == null || !Arrays.equals(first, again)) {
          throw new UsageException("the two passwords differ");
        }
        return first;
      }
      String line = new BufferedReader(new InputStreamReader(streams.in(),
          StandardCharsets.UTF_8)).readLine();
      if (line == null || line.isEmpty()) {
        throw new UsageException("expected the password on standard input");
      }
      return line.toCharArray();
    }
  }

  @Command(name = "remove", description = "remove a user")
  static final class Remove extends UserArguments {
    Remove(Streams streams) {
      super(streams);
    }

    @Override public Integer call() throws Exception {
      if (!UsersFile.remove(file, name)) {
        err().println("pqvector users: " + file + " has no user '" + name + "'");
        return 1;
      }
      out().println("removed user '" + name + "' from " + file);
      return 0;
    }
  }
}
