package io.ffrtmp.cli;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.WorkloadReport;

/**
 * How the wrapper ends, and that it prints its report exactly once whichever way: the normal
 * end (the main thread), or SIGINT/SIGTERM to the wrapper (the JVM runs its shutdown hooks;
 * this one says that the wrapper exits and the workload continues — the workload is not
 * signalled, and runs in its own session, so a terminal's Ctrl-C never reaches it).
 */
final class Exits {
  private final Command.Io io;
  private final GovernedWorkload w;
  private final boolean json;
  /** Guarded by this: whether the report has been printed. */
  private boolean printed;
  private final Thread hook;

  private Exits(Command.Io io, GovernedWorkload w, boolean attach, boolean json) {
    this.io = io;
    this.w = w;
    this.json = json;
    this.hook = new Thread(() -> onSignal(attach), "ffrtmp-exit");
  }

  /**
   * Installs the hook. On a signal, attach mode detaches (the cgroup and its limits stay) and
   * prints the report, so that an operator's Ctrl-C is a clean detach that leaves nothing to
   * recover (an adoption's record goes with the detach); run mode with {@code --json} detaches
   * too, so that standard output still carries its one report, and leaves the report
   * unacknowledged: the workload's records stay (it was started {@code withAcknowledgement()}),
   * and {@code ffrtmp wait} reports its real end, as without {@code --json}.
   */
  static Exits install(Command.Io io, GovernedWorkload w, boolean attach, boolean json) {
    Exits e = new Exits(io, w, attach, json);
    Runtime.getRuntime().addShutdownHook(e.hook);
    return e;
  }

  private void onSignal(boolean attach) {
    String which = EndingSignals.received();
    Log.of(io).info("received " + (which == null ? "termination signal" : which)
        + ": wrapper exiting, workload pid " + w.pid() + " continues (not signalled)");
    if (attach || json) {
      synchronized (this) {
        if (!printed) {
          printed = true;
          RunCommand.printEnd(io, w, w.detach(), json);
        }
      }
      io.out().flush();
      io.err().flush();
    }
    if (attach) {
      Runtime.getRuntime().halt(0); // attach: a detach is a success
    }
  }

  /**
   * The normal end: prints the report unless the hook already has, acknowledges it (the
   * workload was started {@code withAcknowledgement()}) and removes the hook.
   *
   * @param r the report
   */
  void finished(WorkloadReport r) {
    synchronized (this) {
      if (printed) {
        return;
      }
      printed = true;
      RunCommand.printEnd(io, w, r, json);
    }
    io.out().flush();
    io.err().flush();
    // printed: only now may the records go (a wrapper killed before leaves them to 'wait')
    w.acknowledge();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook finds the report printed
    }
  }
}
