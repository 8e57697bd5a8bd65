package io.ffrtmp.examples.cli;

import java.io.PrintWriter;

/**
 * The wrapper's log lines, on the command's error writer (standard error unless a caller of
 * {@link Ffrtmp#execute(PrintWriter, PrintWriter, String...)} gave another), each with the
 * {@code [wrapper]} prefix.
 */
final class Log {
  private final PrintWriter err;

  private Log(PrintWriter err) {
    this.err = err;
  }

  /** The log of a command. */
  static Log of(Command.Io io) {
    return new Log(io.err());
  }

  void info(String message) {
    err.println("[wrapper] " + message);
    err.flush();
  }

  void warning(String message) {
    err.println("[wrapper] WARNING: " + message);
    err.flush();
  }

  void error(String message) {
    err.println("Error: " + message);
    err.flush();
  }

  void plain(String message) {
    err.println(message);
    err.flush();
  }
}
