package io.ffrtmp.examples.cli;

import java.io.PrintWriter;
import java.util.List;
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
    addSubcommands(cl, args);
    return execute(cl, args);
  }

  /** The five commands, in help order. */
  private static final List<String> NAMES = List.of("run", "attach", "backends", "list", "wait");

  private static Object command(String name) {
    switch (name) {
      case "run": return new RunCommand();
      case "attach": return new AttachCommand();
      case "backends": return new BackendsCommand();
      case "list": return new ListCommand();
      default: return new WaitCommand();
    }
  }

  /**
   * picocli builds a command's model by reflection when it is added (tens of milliseconds for
   * all five): a command line naming one builds only that one; anything else (help, a typo)
   * gets all five, so help and suggestions are complete.
   */
  static void addSubcommands(CommandLine cl, String... args) {
    if (args.length > 0 && NAMES.contains(args[0])) {
      cl.addSubcommand(args[0], command(args[0]));
      return;
    }
    for (String n : NAMES) {
      cl.addSubcommand(n, command(n));
    }
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
    addSubcommands(cl, args);
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
