package io.pqvector.cli;

/** A wrong argument found while a command runs: printed as "pqvector <command>: ..." with exit code 2. */
final class UsageException extends Exception {
  UsageException(String message) {
    super(message);
  }
}
