package io.ffrtmp.examples.cli;

import io.ffrtmp.GovernedWorkload;

/**
 * SIGINT and SIGTERM to the wrapper: the JVM runs its shutdown hooks, this one says that the
 * wrapper exits and the workload continues; the workload is not signalled (it runs in its own
 * session, so a terminal's Ctrl-C never reaches it either).
 */
final class Exits {
  private Exits() {}

  static Thread installHook(GovernedWorkload w) {
    Thread hook =
        new Thread(
            () ->
                System.err.println(
                    "[wrapper] received termination signal: wrapper exiting, workload pid "
                        + w.pid()
                        + " continues (not signalled)"),
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
