package io.pqvector.cli;

import java.io.InputStream;
import java.io.PrintStream;

/** Where a command reads (the users command's password) and writes; tests pass their own. */
record Streams(InputStream in, PrintStream out, PrintStream err) {}
