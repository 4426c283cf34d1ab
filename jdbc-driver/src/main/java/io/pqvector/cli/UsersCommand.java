package io.pqvector.cli;

import io.pqvector.server.UsersFile;
import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

/**
 * {@code users add <file> <name>} (password from standard input, or asked twice on a terminal)
 * and {@code users remove <file> <name>}: the users file of {@code serve --users}.
 */
final class UsersCommand {
  static final String USAGE_LINE = String.join("\n",
      "  users add|remove <file> <name>        keep the users file of serve --users (add reads",
      "                                        the password from standard input)");

  private UsersCommand() {}

  static int run(String[] args, InputStream in, PrintStream out, PrintStream err)
      throws Exception {
    if (args.length != 3 || !(args[0].equals("add") || args[0].equals("remove"))) {
      throw new CommandLine.UsageException("expected: users add <file> <name> or users remove"
          + " <file> <name>");
    }
    Path file = Paths.get(args[1]);
    String name = args[2];
    if (args[0].equals("remove")) {
      if (!UsersFile.remove(file, name)) {
        err.println("pqvector users: " + file + " has no user '" + name + "'");
        return 1;
      }
      out.println("removed user '" + name + "' from " + file);
      return 0;
    }
    char[] password = readPassword(in, name);
    try {
      UsersFile.add(file, name, password);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.UsageException(e.getMessage());
    } finally {
      Arrays.fill(password, '\0');
    }
    out.println("set the password of user '" + name + "' in " + file);
    return 0;
  }

  private static char[] readPassword(InputStream in, String name) throws Exception {
    Console console = System.console();
    if (console != null && in == System.in) {
      char[] first = console.readPassword("password for %s: ", name);
      char[] again = console.readPassword("again: ");
      if (first == null || !Arrays.equals(first, again)) {
        throw new CommandLine.UsageException("the two passwords differ");
      }
      return first;
    }
    String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))
        .readLine();
    if (line == null || line.isEmpty()) {
      throw new CommandLine.UsageException("expected the password on standard input");
    }
    return line.toCharArray();
  }
}
