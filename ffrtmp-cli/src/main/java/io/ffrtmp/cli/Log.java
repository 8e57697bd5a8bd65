package io.ffrtmp.cli;

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

  /** One {@code [wrapper]} line: what it carries is made printable, so it stays one line. */
  void info(String message) {
    err.println("[wrapper] " + printable(message));
    err.flush();
  }

  /** One {@code [wrapper] WARNING:} line, made printable like {@link #info}. */
  void warning(String message) {
    err.println("[wrapper] WARNING: " + printable(message));
    err.flush();
  }

  /**
   * Text as it may reach an operator's terminal and log searches: control characters (a newline
   * that would forge a second {@code [wrapper]} line, an ESC that would drive the terminal) and
   * the backslash are escaped as in Java source: newline, tab and carriage return as backslash n,
   * t and r, the backslash doubled, other C0 controls and DEL as backslash x and two hex digits,
   * C1 controls and the line and paragraph separators as backslash u and four hex digits; all
   * else stays as it is.
   *
   * @param s any text, a job id say
   * @return the same text on one line, without control characters
   */
  static String printable(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String esc;
      if (c == '\\') {
        esc = "\\\\";
      } else if (c == '\n') {
        esc = "\\n";
      } else if (c == '\t') {
        esc = "\\t";
      } else if (c == '\r') {
        esc = "\\r";
      } else if (c < 0x20 || c == 0x7f) {
        esc = String.format(java.util.Locale.ROOT, "\\x%02x", (int) c);
      } else if ((c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
        esc = String.format(java.util.Locale.ROOT, "\\u%04x", (int) c);
      } else {
        if (b != null) {
          b.append(c);
        }
        continue;
      }
      if (b == null) {
        b = new StringBuilder(s.length() + 8).append(s, 0, i);
      }
      b.append(esc);
    }
    return b == null ? s : b.toString();
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
