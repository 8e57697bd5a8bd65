package io.ffrtmp.internal;

import io.ffrtmp.Constraint;
import io.ffrtmp.Enforcement;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.internal.launch.Launch;
import io.ffrtmp.internal.os.Posix;
import io.ffrtmp.internal.os.Signals;
import io.ffrtmp.spi.GovernanceStrategy;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run mode in the one lifecycle: placement is a launch through the pre-exec shim, the exit is
 * watched through the child's pidfd, the exit status is known (and the shim's notes tell a
 * failed launch from a workload's own exit), and a timeout may signal the workload.
 */
final class RunningWorkload extends WorkloadLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(RunningWorkload.class);

  /**
   * What the run builder collected.
   *
   * @param common the settings of every mode
   * @param template the caller's process description
   * @param timeout the timeout, or null
   * @param grace the time between SIGTERM and SIGKILL
   * @param outputToError whether the workload's stdout joins its stderr
   */
  record Spec(
      Common common,
      ProcessBuilder template,
      @Nullable Duration timeout,
      Duration grace,
      boolean outputToError) {}

  private final Spec spec;
  private final Process process;
  private final Launch.Started started;
  private volatile boolean timedOut;
  private volatile @Nullable ScheduledFuture<?> timer;

  private RunningWorkload(Spec spec, Prepared prepared, Launch.Started started) {
    super(spec.common(), prepared, WorkloadReport.Mode.RUN, spec.template().command());
    this.spec = spec;
    this.started = started;
    this.process = started.process();
  }

  static GovernedWorkload start(Spec spec, GovernanceStrategy strategy,
      List<String> selectionWarnings, ProcessAttributes.Plan plan) throws IOException {
    return WorkloadLifecycle.start(spec.common(), strategy, selectionWarnings, plan, 0,
        prepared -> new RunningWorkload(spec, prepared,
            Launch.start(spec.template(), prepared.governance().joinFiles(), plan.niceArg(),
                plan.oomArg(), spec.common().strict(), spec.outputToError())));
  }

  @Override
  void watch() {
    Duration t = spec.timeout();
    if (t != null) {
      timer = Timers.schedule(this::onTimeout, t.toNanos());
    }
    ExitWatcher.shared().watchChild(process, this::finishAfterExit);
  }

  @Override
  void stopWatching() {
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }

  private void onTimeout() {
    if (!process.isAlive()) {
      return;
    }
    timedOut = true;
    LOG.warn("job {}: timeout of {} reached, sending SIGTERM", jobId(), spec.timeout());
    signalWorkload(Signals.SIGTERM);
    timer = Timers.schedule(() -> {
      if (process.isAlive()) {
        LOG.warn("job {}: still running after the grace period, sending SIGKILL", jobId());
        signalWorkload(Signals.SIGKILL);
      }
    }, spec.grace().toNanos());
  }

  private void signalWorkload(int signal) {
    int pid = (int) process.pid();
    try {
      if (Posix.kill(-pid, signal) != 0) {
        Posix.kill(pid, signal);
      }
      governance.signalAll(signal);
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("job {}: could not send {}: {}", jobId(), Signals.name(signal), e.toString());
    }
  }

  /** Called once the child has exited: lets the JDK reap it, then finishes. */
  private void finishAfterExit() {
    boolean interrupted = false;
    while (true) {
      try {
        process.waitFor();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    finish(false);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The exit value, and the shim's notes: what it could not do, and whether the exec failed. */
  @Override
  Observed observeExit(List<Enforcement> finalEnforcement, List<String> finalWarnings) {
    int exitValue = process.exitValue();
    boolean strictRefusal = spec.common().strict() && exitValue == 125;
    boolean launchFailed = false;
    for (Launch.Note n : Launch.takeNotes(started.errFile())) {
      switch (n.kind()) {
        case "not-found":
          launchFailed = exitValue == 127;
          finalWarnings.add("command not found: " + n.subject());
          break;
        case "not-executable":
          launchFailed = exitValue == 126;
          finalWarnings.add("command not executable: " + n.subject() + " (" + n.error() + ")");
          break;
        case "join":
          launchFailed |= strictRefusal;
          markFailed(finalEnforcement, CGROUP_CONSTRAINTS,
              "could not join " + n.subject() + ": " + n.error());
          finalWarnings.add("Cannot place workload in cgroup " + n.subject() + ": " + n.error());
          break;
        case "nice":
          launchFailed |= strictRefusal;
          markFailed(finalEnforcement, Set.of(Constraint.NICE),
              "setpriority failed: " + n.error());
          finalWarnings.add("Cannot set nice " + n.subject() + ": " + n.error());
          break;
        case "oom_score_adj":
          launchFailed |= strictRefusal;
          markFailed(finalEnforcement, Set.of(Constraint.OOM_SCORE),
              "write failed: " + n.error());
          finalWarnings.add("Cannot set OOM score " + n.subject() + ": " + n.error());
          break;
        default:
          finalWarnings.add("launch: " + n.kind() + " " + n.subject() + " " + n.error());
      }
    }
    return new Observed(exitValue, launchFailed);
  }

  /** A detached run-mode workload runs on in its cgroup; a later start collects it once empty. */
  @Override
  boolean onDetach(List<String> finalWarnings) {
    return false;
  }

  @Override
  boolean timedOut() {
    return timedOut;
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public Optional<Process> process() {
    return Optional.of(process);
  }

  /** The one timer thread of the library, a daemon, created on first use. */
  static final class Timers {
    private static final ScheduledThreadPoolExecutor EXECUTOR = create();

    private Timers() {}

    private static ScheduledThreadPoolExecutor create() {
      ScheduledThreadPoolExecutor e =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, "ffrtmp-timer");
                t.setDaemon(true);
                return t;
              });
      e.setRemoveOnCancelPolicy(true);
      return e;
    }

    static ScheduledFuture<?> schedule(Runnable r, long nanos) {
      return EXECUTOR.schedule(r, nanos, TimeUnit.NANOSECONDS);
    }
  }
}
