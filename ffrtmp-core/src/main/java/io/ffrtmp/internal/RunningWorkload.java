package io.ffrtmp.internal;

import io.ffrtmp.Constraint;
import io.ffrtmp.Enforcement;
import io.ffrtmp.ExitReason;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Usage;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.internal.keeper.ExitRecord;
import io.ffrtmp.internal.keeper.StartRecord;
import io.ffrtmp.internal.keeper.StateDir;
import io.ffrtmp.internal.launch.Launch;
import io.ffrtmp.internal.os.LaunchSteps;
import io.ffrtmp.internal.os.Posix;
import io.ffrtmp.internal.os.ProcFs;
import io.ffrtmp.internal.os.Signals;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceStrategy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(RunningWorkload.class);

  /**
   * What the run builder collected.
   *
   * @param common the settings of every mode
   * @param template the caller's process description
   * @param timeout the timeout, or null
   * @param grace the time between SIGTERM and SIGKILL
   * @param outputToError whether the workload's stdout joins its stderr
   * @param agent the agent whose records it joins, or null for the default
   * @param acknowledged whether the records stay after delivery until {@code acknowledge()}
   * @param killRemaining whether what the main process leaves behind is killed at its end
   * @param captureOut how many bytes of standard output to capture, 0 for none
   * @param captureErr how many bytes of standard error to capture, 0 for none
   */
  record Spec(
      Common common,
      ProcessBuilder template,
      @Nullable Duration timeout,
      Duration grace,
      boolean outputToError,
      @Nullable String agent,
      boolean acknowledged,
      boolean killRemaining,
      int captureOut,
      int captureErr) {}

  private final Spec spec;
  /** The JVM's child: the keeper, whose exit status is the workload's. */
  private final io.ffrtmp.internal.launch.Spawned keeper;
  private final Launch.Started started;
  private final KeptProcess process;
  private final Path exitFile;
  private final @Nullable StateDir stateDir;
  private final String recordName;
  private volatile @Nullable ScheduledFuture<?> timer;
  /** The keeper's exit record, once read. */
  private volatile @Nullable ExitRecord exit;

  private RunningWorkload(Spec spec, Prepared prepared, Launch.Started started, Path exitFile,
      @Nullable StateDir stateDir, String recordName) {
    super(spec.common(), prepared, WorkloadReport.Mode.RUN, spec.template().command());
    this.spec = spec;
    this.started = started;
    this.keeper = started.process();
    this.exitFile = exitFile;
    this.stateDir = stateDir;
    this.recordName = recordName;
    this.process = new KeptProcess(keeper, started.workloadPid(), this::signalWorkload);
    String job = spec.common().jobId();
    this.stdout = spec.captureOut() > 0 ? Capture.start(keeper.getInputStream(),
        spec.captureOut(), "ffrtmp-capture-out-" + job) : null;
    this.stderr = spec.captureErr() > 0 ? Capture.start(keeper.getErrorStream(),
        spec.captureErr(), "ffrtmp-capture-err-" + job) : null;
  }

  /** How long the end waits for a captured stream's end after the workload's (a leftover may hold it). */
  private static final long CAPTURE_END_MS = 200;
  private final @Nullable Capture stdout;
  private final @Nullable Capture stderr;

  @Override
  public Optional<String> capturedStdout() {
    Capture c = stdout;
    return c == null ? Optional.empty() : Optional.of(c.text());
  }

  @Override
  public Optional<String> capturedStderr() {
    Capture c = stderr;
    return c == null ? Optional.empty() : Optional.of(c.text());
  }

  static GovernedWorkload start(Spec spec, GovernanceStrategy strategy,
      List<String> selectionWarnings, ProcessAttributes.Plan plan)
      throws IOException, EnforcementException {
    return WorkloadLifecycle.start(spec.common(), strategy, selectionWarnings, plan, 0,
        spec.template().command(),
        prepared -> launch(spec, prepared, plan));
  }

  /**
   * Writes the start record, launches through the keeper, and completes the record with the
   * pids: a later JVM finds the keeper and the workload by pid and start time, never by a scan.
   */
  private static RunningWorkload launch(Spec spec, Prepared prepared, ProcessAttributes.Plan plan)
      throws IOException, EnforcementException {
    String name = StateDir.newName(spec.common().jobId());
    List<String> noState = new ArrayList<>();
    StateDir stateDir = RecoveredWorkload.stateDir(spec.agent(), noState).orElse(null);
    Path exitFile = stateDir != null ? stateDir.exitFile(name)
        : io.ffrtmp.internal.launch.Shim.privateDir().resolve(name + ".exit");
    prepared.warnings().addAll(stateDir == null ? noState : stateDir.caveats());
    // recorded before the launch: no moment in which a started workload has no record
    boolean recorded = stateDir != null && record(stateDir, startRecord(name, prepared, spec),
        prepared.warnings(), spec);
    LaunchSteps.mark(LaunchSteps.Step.RECORD);
    Governance g = prepared.governance();
    boolean placedAfter = g.placesLaunchedProcess();
    Launch.Keeper keeper = new Launch.Keeper(exitFile, g.finalCounters());
    Launch.Started started;
    try {
      started = Launch.start(spec.template(), g.joinFiles(), plan.niceArg(), plan.oomArg(),
          spec.common().strict(), spec.outputToError(), keeper, placedAfter);
    } catch (IOException | RuntimeException e) {
      if (recorded) {
        stateDir.delete(name);
      }
      throw e;
    }
    if (placedAfter) {
      // the keeper waits; the backend places it, strict mode is checked, then it may start
      try {
        g.placeLaunched(started.process().pid());
        WorkloadLifecycle.placedByBackend(g, prepared.strategy(), prepared.enforcement(),
            prepared.warnings(), spec.common().strict());
        if (recorded) {
          record(stateDir, startRecord(name, prepared, spec), prepared.warnings(), spec);
        }
        started = Launch.go(started, keeper);
      } catch (IOException | EnforcementException | RuntimeException e) {
        Launch.abandon(started);
        started.process().destroyForcibly();
        try {
          started.process().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
        Launch.takeNotes(started.errFile());
        if (recorded) {
          stateDir.delete(name);
        }
        throw e;
      }
    }
    if (recorded) {
      long keeperPid = started.process().pid();
      long workloadPid = started.workloadPid();
      StartRecord.Pids pids = new StartRecord.Pids(workloadPid, startTime(workloadPid),
          keeperPid, startTime(keeperPid));
      try {
        stateDir.appendPids(name, pids);
      } catch (IOException e) {
        prepared.warnings().add("its start record " + stateDir.startFile(name) + " could not be"
            + " completed (" + e.getMessage() + "): a later JVM can recover it only by a search");
      }
    }
    // last, so that the record's writing overlaps the exec: did the command run at all?
    int execErrno = Launch.awaitExec(started);
    LaunchSteps.mark(LaunchSteps.Step.EXEC);
    if (execErrno != 0) {
      try {
        started.process().waitFor(5, TimeUnit.SECONDS); // the keeper ends at once, recorded
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Launch.takeNotes(started.errFile());
      if (recorded) {
        stateDir.delete(name);
      } else {
        java.nio.file.Files.deleteIfExists(exitFile);
      }
      throw Launch.execFailed(spec.template(), execErrno);
    }
    return new RunningWorkload(spec, prepared, started, exitFile, recorded ? stateDir : null,
        name);
  }

  private static long startTime(long pid) {
    return ProcFs.stat(pid).map(ProcFs.Stat::startTime).orElse(0L);
  }

  private static boolean record(StateDir stateDir, StartRecord r, List<String> warnings,
      Spec spec) {
    try {
      stateDir.write(r);
      return true;
    } catch (IOException | RuntimeException e) {
      String why = "no start record (" + e.getMessage() + "): it cannot be recovered after a"
          + " restart of its agent";
      LOG.warn("job {}: {}", spec.common().jobId(), why);
      warnings.add(why);
      return false;
    }
  }

  private static StartRecord startRecord(String name, Prepared prepared, Spec spec) {
    long self = ProcessHandle.current().pid();
    return new StartRecord(name, spec.common().jobId(), StartRecord.Pids.NONE, self,
        ProcFs.selfStartTime(), prepared.strategy(), prepared.governance().cgroupPath(),
        prepared.governance().state(), spec.template().command(), spec.common().constraints(),
        prepared.enforcement(), prepared.warnings(), prepared.startedAt(), spec.timeout(),
        spec.grace(), spec.common().intent(), spec.common().slaEligible(), spec.acknowledged());
  }

  @Override
  void watch() {
    Duration t = spec.timeout();
    if (t != null) {
      timer = Timers.schedule(() -> startPolicy(ExitReason.TIMEOUT, spec.grace()), t.toNanos());
    }
    keeper.whenEnded(this::finishAfterExit); // reaped on the watcher's thread, finished there
  }

  @Override
  void stopWatching() {
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }

  /**
   * The workload's process group (it is the leader: the shim called setsid) and its cgroup,
   * but not the keeper: it forwards what it gets to the workload and records the end.
   */
  @Override
  void signalWorkload(int signal) {
    Posix.killGroupOrProcess((int) started.workloadPid(), signal);
    governance.signalAll(signal, keeper.pid());
  }

  @Override
  boolean killsRemaining() {
    return spec.killRemaining();
  }

  /** A start that could not complete: the launched workload is killed, whole. */
  @Override
  void abort() {
    signalWorkload(Signals.SIGKILL);
    try {
      keeper.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Called once the child has exited: lets the JDK reap it, then finishes. */
  private void finishAfterExit() {
    LaunchSteps.mark(LaunchSteps.Step.EXIT_SEEN);
    boolean interrupted = false;
    while (true) {
      try {
        keeper.waitFor();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    // the keeper and the workload have closed their copies: a captured stream ends now, unless
    // something the workload left behind holds it
    for (Capture c : new Capture[] {stdout, stderr}) {
      if (c != null) {
        c.awaitEnd(CAPTURE_END_MS);
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
    // the keeper ends with the workload's status; its record says it even if the keeper was
    // killed (SIGKILL cannot be passed on, e.g. a cgroup-wide kill)
    Optional<ExitRecord> recordedExit = StateDir.readExit(exitFile);
    exit = recordedExit.orElse(null);
    int exitValue = recordedExit.map(ExitRecord::exitValue).orElse(keeper.exitValue());
    boolean strictRefusal = spec.common().strict() && exitValue == STRICT_REFUSAL_EXIT;
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
    return new Observed(exitValue, launchFailed,
        recordedExit.map(ExitRecord::endedAt).orElse(null));
  }

  /** The counters as the keeper copied them when the workload ended, where it did. */
  @Override
  Usage finalUsage() {
    ExitRecord e = exit;
    return e != null ? governance.usage(e.counters()) : governance.usage();
  }

  /**
   * A detached run-mode workload runs on in its cgroup (a later start collects it once empty),
   * no longer governed: its records go, so that no later JVM recovers it — unless its report
   * awaits acknowledgement. Then they stay, as after any delivery, until {@code acknowledge()}:
   * a caller that never acknowledges (a wrapper stopped before it could say the workload's end)
   * leaves the workload, still in its cgroup, to a later {@code recover()}, which reports its
   * real end.
   */
  @Override
  boolean onDetach(List<String> finalWarnings) {
    if (!spec.acknowledged()) {
      deleteRecords();
    }
    return false;
  }

  /** The report was delivered: the records go (never before, so a JVM killed meanwhile loses none). */
  @Override
  void afterDelivery() {
    if (!spec.acknowledged()) {
      deleteRecords();
    }
  }

  @Override
  void acknowledged() {
    deleteRecords();
  }

  @Override
  long keeperPid() {
    return keeper.pid();
  }

  @Override
  @Nullable StateDir recordsDir() {
    return stateDir;
  }

  @Override
  String recordName() {
    return recordName;
  }

  private void deleteRecords() {
    StateDir d = stateDir;
    if (d != null) {
      d.delete(recordName);
    } else {
      try {
        java.nio.file.Files.deleteIfExists(exitFile);
      } catch (IOException e) {
        // a leftover exit record in the private directory: harmless
      }
    }
  }

  @Override
  public long pid() {
    return started.workloadPid();
  }

  @Override
  public Optional<Process> process() {
    return Optional.of(process);
  }
}
