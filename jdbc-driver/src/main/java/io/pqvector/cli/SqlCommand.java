package io.pqvector.cli;

import io.pqvector.jdbc.PqVectorDriver;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import sqlline.SqlLine;

/** {@code sql <dir> [-e "<query>"]}: sqlline connected to {@code jdbc:pqvector:<dir>}. */
final class SqlCommand {
  private SqlCommand() {}

  static int run(String[] args, PrintStream out, PrintStream err) throws IOException,
      CommandLine.UsageException {
    S3Options.Taken s3 = S3Options.take(args);
    args = s3.rest();
    if (args.length == 0 || args[0].startsWith("-")) {
      throw new CommandLine.UsageException("expected a directory: sql <dir> [-e \"<query>\"]");
    }
    String url = "jdbc:pqvector:" + args[0] + s3.urlSuffix();
    List<String> sqlline = new ArrayList<>(List.of("-u", url, "-n", "", "-p", "",
        "-d", PqVectorDriver.class.getName(), "--maxWidth=200", "--isolation=TRANSACTION_NONE",
        // A vector column prints as thousands of characters; without a cap its header is
        // centred far beyond the screen's edge and shows blank.
        "--maxColumnWidth=60"));
    boolean oneStatement = false;
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("-e") && i + 1 < args.length) {
        sqlline.add("-e");
        sqlline.add(args[++i]);
        oneStatement = true;
      } else {
        sqlline.add(args[i]);
      }
    }
    if (oneStatement) {
      sqlline.add("--showHeader=true");
      sqlline.add("--silent=true");
    }
    // begin() rather than start(): start() ends the JVM with System.exit.
    SqlLine shell = new SqlLine();
    shell.setOutputStream(out);
    shell.setErrorStream(err);
    SqlLine.Status status = shell.begin(sqlline.toArray(new String[0]), null, !oneStatement);
    return status == SqlLine.Status.OK ? 0 : 1;
  }
}
