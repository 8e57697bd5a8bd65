package io.ffrtmp.examples.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code ffrtmp} command-line tool, built on ffrtmp's public API only: the model for tools
 * that build their own CLI on the library.
 */
@Command(
    name = "ffrtmp",
    mixinStandardHelpOptions = true,
    version = "ffrtmp 0.1.0-SNAPSHOT",
    description = "Run or adopt Linux processes under CPU, memory, IO, priority and OOM constraints.",
    subcommands = {RunCommand.class, AttachCommand.class, BackendsCommand.class,
        ListCommand.class, WaitCommand.class},
    exitCodeOnInvalidInput = 2,
    exitCodeOnExecutionException = 125)
public final class Ffrtmp implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Creates the command; picocli calls this. */
  public Ffrtmp() {}

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: run, attach, backends, list or wait");
  }

  /**
   * Entry point.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /**
   * Runs the CLI without exiting the JVM.
   *
   * @param args the command line
   * @return the exit code
   */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new Ffrtmp());
    return execute(cl, args);
  }

  /**
   * Runs the CLI without exiting the JVM, with its own output and error writers (a test, or a
   * tool embedding the CLI, captures them instead of the process's streams).
   *
   * @param out where help, listings and the JSON report go
   * @param err where the {@code [wrapper]} lines and errors go
   * @param args the command line
   * @return the exit code
   */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new Ffrtmp());
    cl.setOut(out);
    cl.setErr(err);
    return execute(cl, args);
  }

  private static int execute(CommandLine cl, String... args) {
    cl.setStopAtPositional(true);
    cl.setParameterExceptionHandler(
        (ex, args1) -> {
          CommandLine c = ex.getCommandLine();
          Log log = Log.of(c);
          log.error(ex.getMessage());
          log.plain("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          Log.of(commandLine).error(ex.getMessage() == null ? ex.toString() : ex.getMessage());
          return 125;
        });
    return cl.execute(args);
  }
}
