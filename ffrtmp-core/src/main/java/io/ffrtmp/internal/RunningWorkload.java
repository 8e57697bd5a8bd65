package io.ffrtmp.internal;

import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Intent;
import io.ffrtmp.Usage;
import io.ffrtmp.WorkloadEvent;
import io.ffrtmp.WorkloadListener;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.internal.launch.Launch;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceRequest;
import io.ffrtmp.spi.GovernanceStrategy;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A workload started in run mode, from launch to report. */
final class RunningWorkload extends BaseWorkload {
  private static final Logger LOG = LoggerFactory.getLogger(RunningWorkload.class);

  /** What the builder collected. */
  record Spec(
      ProcessBuilder template,
      String jobId,
      boolean slaEligible,
      Intent intent,
      Constraints constraints,
      @Nullable Duration timeout,
      Duration grace,
      boolean strict,
      boolean outputToError,
      @Nullable String cgroupParent,
      List<WorkloadListener> listeners) {}

  private final Spec spec;
  private final Process process;
  private final Launch.Started started;
  private final Instant startedAt;
  private volatile boolean timedOut;
  private volatile boolean detached;
  private volatile @Nullable ScheduledFuture<?> timer;

  private RunningWorkload(
      Spec spec,
      String strategy,
      Governance governance,
      Launch.Started started,
      Instant startedAt,
      List<Enforcement> enforcement,
      List<String> warnings) {
    super(spec.jobId(), strategy, governance, enforcement, warnings);
    this.spec = spec;
    this.started = started;
    this.process = started.process();
    this.startedAt = startedAt;
  }

  static GovernedWorkload start(
      Spec spec, GovernanceStrategy strategy, List<String> selectionWarnings,
      ProcessAttributes.Plan plan) throws IOException {
    fire(spec.listeners(), new WorkloadEvent(WorkloadEvent.Type.STARTING, spec.jobId(), 0, null));
    Instant startedAt = Instant.now();
    Preparation prep = Preparation.prepare(strategy,
        new GovernanceRequest(spec.jobId(), spec.constraints(), spec.strict(), spec.cgroupParent()));
    Governance g = prep.governance();
    Launch.Started started;
    try {
      started =
          Launch.start(spec.template(), g.joinFiles(), plan.niceArg(), plan.oomArg(), spec.strict(),
              spec.outputToError());
    } catch (IOException | RuntimeException e) {
      g.release();
      throw e;
    }
    List<Enforcement> enforcement = new ArrayList<>(g.enforcement());
    enforcement.addAll(plan.enforcement());
    List<String> warnings = new ArrayList<>(selectionWarnings);
    warnings.addAll(prep.warnings());
    warnings.addAll(plan.warnings());
    for (String w : warnings) {
      LOG.warn("{}", w);
    }
    RunningWorkload w =
        new RunningWorkload(
            spec, prep.strategy(), g, started, startedAt, List.copyOf(enforcement),
            List.copyOf(warnings));
    w.armTimeout();
    fire(
        spec.listeners(),
        new WorkloadEvent(WorkloadEvent.Type.RUNNING, spec.jobId(), w.pid(), null));
    ExitWatcher.shared().watchChild(w.process, w::finishAfterExit);
    return w;
  }

  private void armTimeout() {
    Duration t = spec.timeout();
    if (t != null) {
      timer = Timers.schedule(this::onTimeout, t.toNanos());
    }
  }

  private void onTimeout() {
    if (!process.isAlive()) {
      return;
    }
    timedOut = true;
    LOG.warn("job {}: timeout of {} reached, sending SIGTERM", spec.jobId(), spec.timeout());
    signalWorkload(Signals.SIGTERM);
    timer = Timers.schedule(() -> {
      if (process.isAlive()) {
        LOG.warn("job {}: still running after the grace period, sending SIGKILL", spec.jobId());
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
      LOG.warn("job {}: could not send {}: {}", spec.jobId(), Signals.name(signal), e.toString());
    }
  }

  /** Called once the child has exited: lets the JDK reap it, then builds the report. */
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
    finish();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private synchronized void finish() {
    if (report.isDone()) {
      return;
    }
    try {
      report.complete(buildReport());
    } catch (RuntimeException | Error e) {
      // whoever waits for the report learns of it; the thread that observed the exit goes on
      report.completeExceptionally(e);
      LOG.error("job {}: building the report failed: {}", spec.jobId(), e.toString());
    }
  }

  private WorkloadReport buildReport() {
    Instant endedAt = Instant.now();
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
    Integer exitValue = detached ? null : process.exitValue();
    List<Enforcement> finalEnforcement = new ArrayList<>(enforcement);
    List<String> finalWarnings = new ArrayList<>(warnings);
    boolean launchFailed = false;
    for (Launch.Note n : detached ? List.<Launch.Note>of() : Launch.takeNotes(started.errFile())) {
      switch (n.kind()) {
        case "not-found":
          launchFailed = exitValue != null && exitValue == 127;
          finalWarnings.add("command not found: " + n.subject());
          break;
        case "not-executable":
          launchFailed = exitValue != null && exitValue == 126;
          finalWarnings.add("command not executable: " + n.subject() + " (" + n.error() + ")");
          break;
        case "join":
          launchFailed |= spec.strict() && exitValue != null && exitValue == 125;
          markFailed(finalEnforcement, List.of("cpu_quota", "cpu_weight", "memory_limit_mb",
              "io_weight"), "could not join " + n.subject() + ": " + n.error());
          finalWarnings.add("Cannot place workload in cgroup " + n.subject() + ": " + n.error());
          break;
        case "nice":
          launchFailed |= spec.strict() && exitValue != null && exitValue == 125;
          markFailed(finalEnforcement, List.of("nice"), "setpriority failed: " + n.error());
          finalWarnings.add("Cannot set nice " + n.subject() + ": " + n.error());
          break;
        case "oom_score_adj":
          launchFailed |= spec.strict() && exitValue != null && exitValue == 125;
          markFailed(finalEnforcement, List.of("oom_score"), "write failed: " + n.error());
          finalWarnings.add("Cannot set OOM score " + n.subject() + ": " + n.error());
          break;
        default:
          finalWarnings.add("launch: " + n.kind() + " " + n.subject() + " " + n.error());
      }
    }
    Usage usage;
    try {
      usage = governance.usage();
    } catch (RuntimeException e) {
      finalWarnings.add("could not read usage: " + e);
      usage = Usage.UNKNOWN;
    }
    if (detached) {
      // the process runs on in its cgroup; a later start collects the cgroup once empty
      return report(endedAt, null, ExitReason.DETACHED, null, finalEnforcement, usage,
          finalWarnings, false);
    }
    finalWarnings.addAll(governance.release());
    Outcome outcome = Outcome.classify(exitValue, timedOut, usage.oomKills(), launchFailed);
    return report(endedAt, outcome.exitCode(), outcome.reason(), outcome.signal(),
        finalEnforcement, usage, finalWarnings, launchFailed);
  }

  private WorkloadReport report(Instant endedAt, @Nullable Integer exitCode, ExitReason reason,
      @Nullable String signal, List<Enforcement> finalEnforcement, Usage usage,
      List<String> finalWarnings, boolean launchFailed) {
    Outcome.Sla sla = Outcome.sla(spec.slaEligible(), reason, finalEnforcement);
    WorkloadReport r =
        new WorkloadReport(
            spec.jobId(),
            WorkloadReport.Mode.RUN,
            spec.intent(),
            spec.slaEligible(),
            process.pid(),
            spec.template().command(),
            strategy,
            governance.cgroupPath(),
            startedAt,
            endedAt,
            Duration.between(startedAt, endedAt).toNanos() / 1e9,
            exitCode,
            reason,
            signal,
            spec.constraints(),
            finalEnforcement,
            usage,
            finalWarnings,
            sla.compliant(),
            sla.reason());
    WorkloadEvent.Type type;
    if (launchFailed) {
      type = WorkloadEvent.Type.FAILED;
    } else if (reason == ExitReason.SUCCESS || reason == ExitReason.ERROR
        || reason == ExitReason.DETACHED) {
      type = WorkloadEvent.Type.COMPLETED;
    } else {
      type = WorkloadEvent.Type.KILLED;
    }
    fire(spec.listeners(), new WorkloadEvent(type, spec.jobId(), process.pid(), r));
    return r;
  }

  private static void markFailed(List<Enforcement> list, List<String> constraints, String why) {
    for (int i = 0; i < list.size(); i++) {
      Enforcement e = list.get(i);
      if (constraints.contains(e.constraint()) && e.status() == EnforcementStatus.APPLIED) {
        list.set(i, e.with(EnforcementStatus.FAILED, why));
      }
    }
  }

  @Override
  public WorkloadReport detach() {
    synchronized (this) {
      if (!report.isDone()) {
        detached = true;
        ScheduledFuture<?> t = timer;
        if (t != null) {
          t.cancel(false);
        }
        finish();
      }
    }
    return report.join();
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
