package io.ffrtmp.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code ffrtmp} command-line tool, built on ffrtmp's public API only: the model for tools
 * that build their own CLI on the library.
 */
public final class Ffrtmp {
  private Ffrtmp() {}

  /**
   * Entry point.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    EndingSignals.install();
    System.exit(execute(args));
  }

  /**
   * Runs the CLI without exiting the JVM, on standard output and error.
   *
   * @param args the command line
   * @return the exit code
   */
  public static int execute(String... args) {
    return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** The nine commands' specifications, in help order. */
  static List<Cli.Spec> specs() {
    return List.of(RunCommand.SPEC, AttachCommand.SPEC, BackendsCommand.SPEC, ListCommand.SPEC,
        WaitCommand.SPEC, UpdateCommand.SPEC, StatsCommand.SPEC, WatchCommand.SPEC,
        MetricsCommand.SPEC);
  }

  private static @Nullable Command command(String name) {
    switch (name) {
      case "run": return new RunCommand();
      case "attach": return new AttachCommand();
      case "backends": return new BackendsCommand();
      case "list": return new ListCommand();
      case "wait": return new WaitCommand();
      case "update": return new UpdateCommand();
      case "stats": return new StatsCommand();
      case "watch": return new WatchCommand();
      case "metrics": return new MetricsCommand();
      default: return null;
    }
  }

  /**
   * Runs the CLI without exiting the JVM, with its own output and error writers (a test, or a
   * tool embedding the CLI, captures them instead of the process's streams).
   *
   * @param out where help, listings and the JSON report go
   * @param err where the {@code [wrapper]} lines and errors go
   * @param args the command line
   * @return the exit code: the command's, 2 for a usage error, 125 when the wrapper fails
   */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    Command.Io io = new Command.Io(out, err);
    String where = "ffrtmp";
    try {
      if (args.length == 0) {
        throw new Cli.UsageException(where, "Missing subcommand: run, attach, backends, list,"
            + " wait, update, stats, watch or metrics");
      }
      String first = args[0];
      if (first.equals("-h") || first.equals("--help")) {
        Cli.help(specs(), out);
        return 0;
      }
      if (first.equals("-V") || first.equals("--version")) {
        out.println(Cli.VERSION);
        out.flush();
        return 0;
      }
      Command c = command(first);
      if (c == null) {
        throw new Cli.UsageException(where, first.startsWith("-")
            ? "Unknown option: '" + Log.printable(first) + "'"
            : "Unknown command: '" + Log.printable(first) + "'" + nearest(first));
      }
      where = c.spec().qualifiedName();
      List<Cli.Parsed> parsed = new ArrayList<>(1);
      switch (Cli.parse(c.spec(), Arrays.asList(args).subList(1, args.length), parsed)) {
        case HELP:
          Cli.help(c.spec(), out);
          return 0;
        case VERSION:
          out.println(Cli.VERSION);
          out.flush();
          return 0;
        default:
          return c.call(parsed.get(0), io);
      }
    } catch (Cli.UsageException e) {
      Log log = Log.of(io);
      log.error(String.valueOf(e.getMessage()));
      log.plain("Try '" + e.command() + " --help' for more information.");
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Log.of(io).error("interrupted");
      return 125;
    } catch (Exception e) {
      Log.of(io).error(e.getMessage() == null ? e.toString() : e.getMessage());
      return 125;
    }
  }

  private static String nearest(String word) {
    for (Cli.Spec s : specs()) {
      if (Cli.distance(s.name(), word) <= 2) {
        return "\nDid you mean: " + s.name() + "?";
      }
    }
    return " (commands: run, attach, backends, list, wait, update, stats, watch, metrics)";
  }
}
