package io.ffrtmp.cli;

import java.io.PrintWriter;

/** One of the CLI's commands: what it accepts ({@link #spec()}) and what it does. */
interface Command {
  /** Where a command writes: help, listings and JSON to {@code out}, the log to {@code err}. */
  record Io(PrintWriter out, PrintWriter err) {}

  /** The command's name, options and help. */
  Cli.Spec spec();

  /**
   * Runs the command.
   *
   * @param args its parsed command line
   * @param io where it writes
   * @return the exit status
   * @throws Exception a failure of the wrapper itself (status 125)
   */
  int call(Cli.Parsed args, Io io) throws Exception;
}
