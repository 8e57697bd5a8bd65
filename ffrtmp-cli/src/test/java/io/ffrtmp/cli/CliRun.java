package io.ffrtmp.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * The CLI run in this JVM through {@link Ffrtmp#execute}, its output captured.
 *
 * @param code the exit code
 * @param out what went to standard output
 * @param err what went to standard error
 */
record CliRun(int code, String out, String err) {
  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Ffrtmp.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new CliRun(code, out.toString(), err.toString());
  }
}
