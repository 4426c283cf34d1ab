package io.pqvector.cli;

import io.pqvector.jdbc.PqVectorDriver;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;
import sqlline.SqlLine;

/** {@code sql <dir> [-e "<query>"]}: sqlline connected to {@code jdbc:pqvector:<dir>}. */
@Command(name = "sql", description = "open a SQL shell (sqlline) on a directory of Parquet files,"
    + " or on a folder of objects in S3 (s3://bucket/prefix; credentials: AWS SDK chain)",
    footer = {"", "Other arguments go to sqlline as they are (e.g. --outputformat=csv)."})
final class SqlCommand extends CliCommand {
  @Parameters(paramLabel = "<dir>",
      description = "the directory or s3://bucket/prefix; its Parquet files are tables")
  String directory;

  @Mixin S3Options s3;

  @Option(names = "-e", paramLabel = "\"<query>\"",
      description = "run this statement, print its result and exit")
  List<String> statements = new ArrayList<>();

  /** Arguments for sqlline itself. */
  @Unmatched List<String> sqllineArguments = new ArrayList<>();

  SqlCommand(Streams streams) {
    super(streams);
  }

  @Override String missingArguments() {
    return "expected a directory: sql <dir> [-e \"<query>\"]";
  }

  @Override public Integer call() throws Exception {
    String url = "jdbc:pqvector:" + directory + s3.urlSuffix();
    List<String> sqlline = new ArrayList<>(List.of("-u", url, "-n", "", "-p", "",
        "-d", PqVectorDriver.class.getName(), "--maxWidth=200", "--isolation=TRANSACTION_NONE",
        // A vector column prints as thousands of characters; without a cap its header is
        // centred far beyond the screen's edge and shows blank.
        "--maxColumnWidth=60"));
    sqlline.addAll(sqllineArguments);
    for (String statement : statements) {
      sqlline.add("-e");
      sqlline.add(statement);
    }
    boolean oneStatement = !statements.isEmpty();
    if (oneStatement) {
      sqlline.add("--showHeader=true");
      sqlline.add("--silent=true");
    }
    // begin() rather than start(): start() ends the JVM with System.exit.
    SqlLine shell = new SqlLine();
    shell.setOutputStream(out());
    shell.setErrorStream(err());
    SqlLine.Status status = shell.begin(sqlline.toArray(new String[0]), null, !oneStatement);
    return status == SqlLine.Status.OK ? 0 : 1;
  }
}
