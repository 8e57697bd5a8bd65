package io.ffrtmp.internal;

import io.ffrtmp.Constraint;
import io.ffrtmp.Enforcement;
import io.ffrtmp.ExitReason;
import io.ffrtmp.EnforcementException;
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
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Run mode in the one lifecycle: placement is a launch through the pre-exec shim, the exit is
 * watched through the child's pidfd, the exit status is known (and the shim's notes tell a
 * failed launch from a workload's own exit), and a timeout may signal the workload.
 */
final class RunningWorkload extends WorkloadLifecycle {
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
  private volatile @Nullable ScheduledFuture<?> timer;

  private RunningWorkload(Spec spec, Prepared prepared, Launch.Started started) {
    super(spec.common(), prepared, WorkloadReport.Mode.RUN, spec.template().command());
    this.spec = spec;
    this.started = started;
    this.process = started.process();
  }

  static GovernedWorkload start(Spec spec, GovernanceStrategy strategy,
      List<String> selectionWarnings, ProcessAttributes.Plan plan)
      throws IOException, EnforcementException {
    return WorkloadLifecycle.start(spec.common(), strategy, selectionWarnings, plan, 0,
        prepared -> new RunningWorkload(spec, prepared,
            Launch.start(spec.template(), prepared.governance().joinFiles(), plan.niceArg(),
                plan.oomArg(), spec.common().strict(), spec.outputToError())));
  }

  @Override
  void watch() {
    Duration t = spec.timeout();
    if (t != null) {
      timer = Timers.schedule(() -> startPolicy(ExitReason.TIMEOUT, spec.grace()), t.toNanos());
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

  /** The workload's process group (it is the leader: the shim called setsid) and its cgroup. */
  @Override
  void signalWorkload(int signal) {
    int pid = (int) process.pid();
    if (Posix.kill(-pid, signal) != 0) {
      Posix.kill(pid, signal);
    }
    governance.signalAll(signal);
  }

  /** A start that could not complete: the launched workload is killed, whole. */
  @Override
  void abort() {
    signalWorkload(Signals.SIGKILL);
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
  public long pid() {
    return process.pid();
  }

  @Override
  public Optional<Process> process() {
    return Optional.of(process);
  }
}
