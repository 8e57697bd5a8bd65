package io.ffrtmp.examples.cli;

import io.ffrtmp.GovernedWorkload;
import picocli.CommandLine;

/**
 * SIGINT and SIGTERM to the wrapper: the JVM runs its shutdown hooks, this one says that the
 * wrapper exits and the workload continues; the workload is not signalled (it runs in its own
 * session, so a terminal's Ctrl-C never reaches it either).
 */
final class Exits {
  private Exits() {}

  /**
   * Installs the hook. In attach mode the wrapper detaches first (the cgroup and its limits
   * stay) and prints the report, so that an operator's Ctrl-C is a clean detach.
   */
  static Thread installHook(CommandLine cl, GovernedWorkload w, boolean detach, boolean json) {
    Thread hook =
        new Thread(
            () -> {
              Log.of(cl).info("received termination signal: wrapper exiting, workload pid "
                  + w.pid() + " continues (not signalled)");
              if (detach) {
                RunCommand.printEnd(cl, w, w.detach(), json);
                cl.getOut().flush();
                cl.getErr().flush();
                Runtime.getRuntime().halt(0); // attach: a detach is a success
              }
            },
            "ffrtmp-exit");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  static void finished(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }
}
