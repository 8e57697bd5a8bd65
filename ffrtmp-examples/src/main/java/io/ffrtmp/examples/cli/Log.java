package io.ffrtmp.examples.cli;

/** The wrapper's log lines: standard error, each with the {@code [wrapper]} prefix. */
final class Log {
  private Log() {}

  static void info(String message) {
    System.err.println("[wrapper] " + message);
  }

  static void warning(String message) {
    System.err.println("[wrapper] WARNING: " + message);
  }

  static void error(String message) {
    System.err.println("Error: " + message);
  }
}
