package io.ffrtmp.internal;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.LaunchException;
import io.ffrtmp.Intent;
import io.ffrtmp.Usage;
import io.ffrtmp.WorkloadEvent;
import io.ffrtmp.WorkloadListener;
import io.ffrtmp.internal.os.LaunchSteps;
import io.ffrtmp.internal.os.Signals;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceRequest;
import io.ffrtmp.spi.GovernanceStrategy;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one lifecycle of every governed workload: <b>prepare</b> (the backend creates its cgroup
 * and writes the limits; strict mode refuses here) → <b>place</b> (the variant launches or
 * adopts the process) → <b>watch</b> (the variant registers for the exit) → <b>finish</b> (the
 * variant says what it observed of the exit) → <b>report</b> (usage, one classification, the
 * platform SLA) → <b>release</b> (the cgroup is removed), then the terminal event.
 *
 * <p>The variants — run mode ({@link RunningWorkload}), attach mode ({@link AttachedWorkload})
 * and recovered workloads ({@link RecoveredWorkload}) — differ only in the steps marked abstract:
 * how the process is
 * obtained, how its exit is observed, whether its exit code is known, and what detaching means.
 * Events fire in one order everywhere: {@code STARTING}, then {@code RUNNING} or {@code FAILED};
 * at the end the terminal event ({@code COMPLETED}, {@code KILLED} or {@code FAILED}), with the
 * report, reaches every listener first, outside any lock, and the report's future completes after
 * it: whoever awaits the report finds every listener told.
 */
public abstract class WorkloadLifecycle implements GovernedWorkload {
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadLifecycle.class);

  /**
   * What every workload has, whatever its mode.
   *
   * @param jobId the job id as given
   * @param slaEligible whether the job is SLA-worthy
   * @param intent why it runs
   * @param constraints the requested constraints
   * @param strict whether a constraint not in force refuses the start
   * @param cgroupParent the configured parent cgroup, or null
   * @param listeners the lifecycle listeners
   * @param requested the process attributes set explicitly ({@link Constraint#NICE}, {@link
   *     Constraint#OOM_SCORE}): the others are left as the workload inherits them
   */
  record Common(
      String jobId,
      boolean slaEligible,
      Intent intent,
      Constraints constraints,
      boolean strict,
      @Nullable String cgroupParent,
      List<WorkloadListener> listeners,
      Set<Constraint> requested) {
    Common {
      listeners = List.copyOf(listeners);
      requested = Set.copyOf(requested);
    }

    /** The nice value to apply, or null to leave the inherited one. */
    @Nullable Integer niceRequest() {
      return requested.contains(Constraint.NICE) ? constraints.nice() : null;
    }

    /** The OOM score to apply, or null to leave the inherited one. */
    @Nullable Integer oomRequest() {
      return requested.contains(Constraint.OOM_SCORE) ? constraints.oomScore() : null;
    }
  }

  /**
   * The prepared governance, handed to the variant's placement.
   *
   * @param governance the backend's governance
   * @param strategy the backend that actually governs
   * @param enforcement the entries so far (the backend's, then nice and OOM score)
   * @param warnings the warnings so far
   * @param startedAt when the start began
   * @param events the workload's event delivery
   */
  record Prepared(Governance governance, String strategy, List<Enforcement> enforcement,
      List<String> warnings, Instant startedAt, Events events) {}

  /**
   * How a variant places the workload once its governance is prepared (launch or adopt). It may
   * add to the prepared enforcement and warnings. When it throws, it has undone its own work;
   * the lifecycle then releases the governance.
   *
   * @param <W> the variant
   */
  @FunctionalInterface
  interface Placement<W extends WorkloadLifecycle> {
    W place(Prepared prepared) throws IOException, EnforcementException;
  }

  /**
   * What the variant observed of the exit.
   *
   * @param exitValue the exit status, or null when it cannot be observed
   * @param launchFailed whether the launch failed rather than the workload running
   * @param endedAt when it ended, as recorded by its keeper; null for "now"
   */
  record Observed(@Nullable Integer exitValue, boolean launchFailed, @Nullable Instant endedAt) {
    Observed(@Nullable Integer exitValue, boolean launchFailed) {
      this(exitValue, launchFailed, null);
    }
  }

  final Common common;
  final String strategy;
  final Governance governance;
  final List<Enforcement> enforcement;
  final List<String> warnings;
  final Instant startedAt;
  private final WorkloadReport.Mode mode;
  private final @Nullable List<String> command;
  final Events events;
  final CompletableFuture<WorkloadReport> report = new CompletableFuture<>();
  /** The report once built (before the terminal event and the future); guarded by this. */
  private @Nullable WorkloadReport built;
  private @Nullable RuntimeException buildFailure;
  /** The policy signalling the workload (timeout or terminate), once started; guarded by this. */
  private @Nullable ExitReason policy;
  private volatile int lastSignal;
  private volatile @Nullable ScheduledFuture<?> killTimer;
  /** The updates this JVM made, in order; guarded by this. */
  private final List<io.ffrtmp.WorkloadUpdate> updates = new ArrayList<>();

  WorkloadLifecycle(Common common, Prepared prepared, WorkloadReport.Mode mode,
      @Nullable List<String> command) {
    this.common = common;
    this.mode = mode;
    this.command = command == null ? null : List.copyOf(command);
    this.strategy = prepared.strategy();
    this.governance = prepared.governance();
    this.enforcement = List.copyOf(prepared.enforcement());
    this.warnings = List.copyOf(prepared.warnings());
    this.startedAt = prepared.startedAt();
    this.events = prepared.events();
    // its shutdown hook registered now, not in the moment between a delivery and the removal
    // of the records (a JVM killed then reports the workload twice)
    Settling.prime();
  }

  /**
   * The start sequence, written once: strict check of the process attributes, {@code
   * STARTING}, prepare, place, {@code RUNNING} (or {@code FAILED} and the exception), watch.
   *
   * @param common the workload's common settings
   * @param strategy the selected backend
   * @param selectionWarnings warnings of the selection
   * @param plan the nice and OOM score plan
   * @param pid the pid for the {@code STARTING} event (0 before a launch)
   * @param command the command (run mode), or empty
   * @param placement the variant's placement
   * @return the placed and watched workload
   * @throws IOException when preparation or placement fails; nothing is left behind
   */
  static <W extends WorkloadLifecycle> W start(Common common, GovernanceStrategy strategy,
      List<String> selectionWarnings, ProcessAttributes.Plan plan, long pid,
      List<String> command, Placement<W> placement) throws IOException, EnforcementException {
    Instant begun = Instant.now();
    try {
      return startOrRefuse(common, strategy, selectionWarnings, plan, pid, command, placement);
    } catch (EnforcementException e) {
      EnforcementException refused = new EnforcementException(e.strategy(), e.unenforced(),
          notStarted(common, e.strategy(), e.getMessage(), STRICT_REFUSAL_EXIT, e.unenforced(),
              pid, command, begun, selectionWarnings));
      refused.setStackTrace(e.getStackTrace());
      throw refused;
    } catch (LaunchException e) {
      LaunchException failed = new LaunchException(String.valueOf(e.getMessage()), e.errno(),
          e.exitCode(), e.command(), e.directory(), e.getCause(),
          notStarted(common, strategy.name(), String.valueOf(e.getMessage()), e.exitCode(),
              List.of(), pid, command, begun, selectionWarnings));
      failed.setStackTrace(e.getStackTrace());
      throw failed;
    }
  }

  /**
   * The report of a start that did not happen — strict mode refused it, or the command could
   * not be executed: nothing ran (in attach mode the process runs on, ungoverned), reason
   * {@code error}, the exit code given (125 for a refusal, as a refusal by the launch keeper
   * after the launch reports; 127 or 126 for a command not found or not executable).
   */
  private static WorkloadReport notStarted(Common common, String strategy, String why,
      @Nullable Integer exitCode, List<Enforcement> unenforced, long pid, List<String> command, Instant begun,
      List<String> selectionWarnings) {
    Instant now = Instant.now();
    List<String> warnings = new ArrayList<>(selectionWarnings);
    warnings.add(why);
    Outcome.Sla sla = Outcome.sla(common.slaEligible(), ExitReason.ERROR, unenforced);
    return new WorkloadReport(common.jobId(),
        command.isEmpty() ? WorkloadReport.Mode.ATTACH : WorkloadReport.Mode.RUN,
        common.intent(), common.slaEligible(), pid, command.isEmpty() ? null : command,
        strategy, null, begun, now, Duration.between(begun, now).toNanos() / 1e9,
        exitCode, ExitReason.ERROR, null, common.constraints(), unenforced, List.of(),
        Usage.UNKNOWN, warnings, sla.compliant(), sla.reason());
  }

  /** The exit code a strict refusal reports, before the launch or by the keeper after it. */
  static final int STRICT_REFUSAL_EXIT = 125;

  private static <W extends WorkloadLifecycle> W startOrRefuse(Common common,
      GovernanceStrategy strategy, List<String> selectionWarnings, ProcessAttributes.Plan plan,
      long pid, List<String> command, Placement<W> placement)
      throws IOException, EnforcementException {
    if (common.strict() && !plan.unenforced().isEmpty()) {
      throw new EnforcementException(strategy.name(), plan.unenforced());
    }
    LaunchSteps.mark(LaunchSteps.Step.BEGIN);
    io.ffrtmp.internal.os.JnaStart.prime(); // before a backend's first native call
    Events events = new Events(common.listeners());
    events.fire(new WorkloadEvent(WorkloadEvent.Type.STARTING, common.jobId(), pid, null));
    W w;
    try {
      Instant startedAt = Instant.now();
      Preparation prep = Preparation.prepare(strategy, new GovernanceRequest(common.jobId(),
          common.constraints(), common.strict(), common.cgroupParent(), command));
      LaunchSteps.mark(LaunchSteps.Step.PREPARE);
      Governance g = prep.governance();
      List<Enforcement> enforcement = new ArrayList<>(g.enforcement());
      enforcement.addAll(plan.enforcement());
      List<String> warnings = new ArrayList<>(selectionWarnings);
      warnings.addAll(prep.warnings());
      warnings.addAll(plan.warnings());
      try {
        w = placement.place(new Prepared(g, prep.strategy(), enforcement, warnings, startedAt,
            events));
      } catch (IOException | EnforcementException | RuntimeException | Error e) {
        g.release();
        throw e;
      }
    } catch (IOException | EnforcementException | RuntimeException | Error e) {
      events.fire(new WorkloadEvent(WorkloadEvent.Type.FAILED, common.jobId(), pid, null));
      throw e;
    }
    // placed: from here on, a start either completes or undoes the placement
    boolean observed = false;
    try {
      for (String warning : w.warnings) {
        LOG.warn("{}", warning);
      }
      events.fire(new WorkloadEvent(WorkloadEvent.Type.RUNNING, common.jobId(), w.pid(), null));
      // before the end can be seen: observers hear of a start before its end
      Observers.governed(w, command.isEmpty() ? WorkloadReport.Mode.ATTACH
          : WorkloadReport.Mode.RUN, common.constraints(), false);
      observed = true;
      w.watch();
      LaunchSteps.mark(LaunchSteps.Step.STARTED);
    } catch (RuntimeException | Error e) {
      w.abort();
      w.governance.release();
      events.fire(new WorkloadEvent(WorkloadEvent.Type.FAILED, common.jobId(), w.pid(), null));
      if (observed) {
        Observers.ended(notStarted(common, w.strategy(), "the start could not complete: " + e,
            null, w.enforcement(), w.pid(), command, w.startedAt, List.of()));
      }
      throw e;
    }
    return w;
  }

  /**
   * After a backend placed the workload itself ({@link Governance#placesLaunchedProcess()}):
   * its enforcement entries (known only now) go in front of the others, its new warnings after
   * them, and strict mode refuses an entry not in force — the rule {@link Preparation} applies
   * before the launch for the other backends.
   *
   * @param g the governance, just placed
   * @param strategy the backend's name
   * @param enforcement the entries so far, changed in place
   * @param warnings the warnings so far, added to
   * @param strict whether strict mode is on
   * @throws EnforcementException in strict mode, when a constraint is not in force
   */
  static void placedByBackend(Governance g, String strategy, List<Enforcement> enforcement,
      List<String> warnings, boolean strict) throws EnforcementException {
    List<Enforcement> backend = g.enforcement();
    enforcement.addAll(0, backend);
    for (String w : g.warnings()) {
      if (!warnings.contains(w)) {
        warnings.add(w);
      }
    }
    List<Enforcement> unenforced = backend.stream().filter(e -> !e.enforced()).toList();
    if (strict && !unenforced.isEmpty()) {
      throw new EnforcementException(strategy, unenforced);
    }
  }

  /**
   * Marks the applied entries of some constraints failed.
   *
   * @param list the entries, changed in place
   * @param constraints which constraints
   * @param why the detail
   */
  static void markFailed(List<Enforcement> list, Set<Constraint> constraints, String why) {
    for (int i = 0; i < list.size(); i++) {
      Enforcement e = list.get(i);
      if (constraints.stream().anyMatch(c -> c == e.constraint())
          && e.status() == EnforcementStatus.APPLIED) {
        list.set(i, e.with(EnforcementStatus.FAILED, why));
      }
    }
  }

  /** The cgroup constraints: what a failed move into the cgroup takes away. */
  static final Set<Constraint> CGROUP_CONSTRAINTS = java.util.Collections.unmodifiableSet(
      java.util.EnumSet.copyOf(java.util.Arrays.stream(Constraint.values())
          .filter(Constraint::isCgroupConstraint).toList()));

  /** Registers for the exit (and arms what else watches the workload, such as a timeout). */
  abstract void watch();

  /** Stops watching: cancels the exit watch and any timer. */
  abstract void stopWatching();

  /**
   * Sends a signal to every process of the workload (its process group or descendants, and
   * every member of its cgroup).
   *
   * @param signal the signal
   */
  abstract void signalWorkload(int signal);

  /** Undoes the placement after a start that could not complete (kill or restore). */
  abstract void abort();

  /**
   * What was observed of the exit; may add to the final enforcement and warnings.
   *
   * @param finalEnforcement the entries, to change in place
   * @param finalWarnings the warnings, to add to
   * @return the observation
   */
  abstract Observed observeExit(List<Enforcement> finalEnforcement, List<String> finalWarnings);

  /**
   * Detaching: what to do before the report (attach mode restores what it changed, when asked).
   *
   * @param finalWarnings the warnings, to add to
   * @return whether the cgroup is then released (otherwise it stays, with its limits, and a
   *     later start collects it once empty)
   */
  abstract boolean onDetach(List<String> finalWarnings);

  /**
   * Called once the cgroup was released (or kept, on detach), before the report is delivered.
   *
   * @param detached whether governance was given up
   */
  void afterRelease(boolean detached) {}

  /**
   * Called once the report was delivered: every listener has had the terminal event and every
   * dependent of the report's future has run. Records go here, never before, so a JVM killed
   * before the delivery leaves its workload recoverable.
   */
  void afterDelivery() {}

  /** The caller acknowledged the report: the records go (when there are any). */
  void acknowledged() {}

  @Override
  public final void acknowledge() {
    synchronized (this) {
      if (built == null) {
        throw new IllegalStateException("job " + common.jobId() + " (pid " + pid() + ") has not"
            + " been reported yet: there is nothing to acknowledge");
      }
    }
    acknowledged();
  }

  /**
   * The kernel's final counters: the governance's, or (a recovered workload) the keeper's copy.
   *
   * @return the usage
   */
  Usage finalUsage() {
    return governance.usage();
  }

  /**
   * Starts a policy: SIGTERM to every process of the workload now, SIGKILL after the grace
   * period. The first policy wins; one started after the end does nothing.
   *
   * @param reason {@link ExitReason#TIMEOUT} or {@link ExitReason#SIGNAL} (terminate)
   * @param grace the time between SIGTERM and SIGKILL
   */
  final void startPolicy(ExitReason reason, Duration grace) {
    synchronized (this) {
      if (built != null || buildFailure != null || policy != null) {
        return;
      }
      policy = reason;
    }
    LOG.warn("job {}: {}, sending SIGTERM (SIGKILL after {})", common.jobId(),
        reason == ExitReason.TIMEOUT ? "timeout reached" : "terminating", grace);
    send(Signals.SIGTERM);
    killTimer = Timers.schedule(() -> {
      LOG.warn("job {}: still running after the grace period of {}, sending SIGKILL",
          common.jobId(), grace);
      send(Signals.SIGKILL);
    }, grace.toNanos());
  }

  private void send(int signal) {
    lastSignal = signal;
    try {
      signalWorkload(signal);
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("job {}: could not send {}: {}", common.jobId(), Signals.name(signal), e.toString());
    }
  }

  @Override
  public final void terminate(Duration grace) {
    startPolicy(ExitReason.SIGNAL, checkDelay("grace", grace));
  }

  /**
   * Checks a delay for the timer: zero or positive, and representable (about 292 years).
   *
   * @param name the parameter's name
   * @param delay the delay
   * @return it
   * @throws IllegalArgumentException naming the parameter, the value and the range
   */
  static Duration checkDelay(String name, Duration delay) {
    java.util.Objects.requireNonNull(delay, name);
    if (delay.isNegative()) {
      throw new IllegalArgumentException(name + " must be zero or positive, got " + delay);
    }
    if (delay.compareTo(MAX_DELAY) > 0) {
      throw new IllegalArgumentException(name + " must be at most " + MAX_DELAY
          + " (what the timer can represent), got " + delay);
    }
    return delay;
  }

  /** The longest delay the timer represents: Long.MAX_VALUE nanoseconds (about 292 years). */
  static final Duration MAX_DELAY = Duration.ofNanos(Long.MAX_VALUE);

  @Override
  public final Usage usage() {
    synchronized (this) {
      if (built != null) {
        return built.usage();
      }
    }
    Usage u = governance.usage();
    // the processes are listed only where the CPU time must come from /proc
    return u.cpuUserSec() != null ? u
        : LiveUsage.withCpu(u, Updates.processes(governance, pid(), keeperPid()));
  }

  /** Guarded by this: the pressure watches still open, closed when the report is built. */
  private final List<PressureWatchImpl> pressureWatches = new ArrayList<>();

  @Override
  public final io.ffrtmp.PressureWatch onPressure(io.ffrtmp.PressureTrigger trigger,
      java.util.function.Consumer<io.ffrtmp.PressureEvent> action) {
    java.util.Objects.requireNonNull(trigger, "trigger");
    java.util.Objects.requireNonNull(action, "action");
    java.nio.file.Path file = governance.pressureFile(trigger.resource().fileStem());
    if (file == null) {
      throw new UnsupportedOperationException("job " + common.jobId()
          + ": pressure triggers need the cgroup-v2 or systemd backend (cgroup v2's"
          + " <resource>.pressure files); it runs under " + strategy);
    }
    synchronized (this) {
      if (built != null || buildFailure != null) {
        throw new IllegalStateException("job " + common.jobId()
            + " has ended or was detached: nothing to watch");
      }
      PressureWatchImpl h = new PressureWatchImpl(trigger, action);
      try {
        h.watch = io.ffrtmp.internal.os.PressureWatcher.shared().watch(file, trigger.line(),
            () -> Delivery.execute(h::fire), h::gone);
      } catch (java.io.IOException e) {
        throw new IllegalStateException("job " + common.jobId() + ": the kernel"
            + " refused the pressure trigger '" + trigger + "' (" + e.getMessage() + "; without"
            + " CAP_SYS_RESOURCE the kernel takes only windows that are a multiple of 2 s, and"
            + " only since Linux 6.4)", e);
      }
      pressureWatches.add(h);
      return h;
    }
  }

  private void closePressureWatches() {
    List<PressureWatchImpl> open;
    synchronized (this) {
      open = new ArrayList<>(pressureWatches);
    }
    open.forEach(PressureWatchImpl::close);
  }

  /** One trigger of this workload: its events go to the action while it is active. */
  private final class PressureWatchImpl implements io.ffrtmp.PressureWatch {
    private final io.ffrtmp.PressureTrigger trigger;
    private final java.util.function.Consumer<io.ffrtmp.PressureEvent> action;
    private final java.util.concurrent.atomic.AtomicBoolean active =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    private volatile io.ffrtmp.internal.os.PressureWatcher.@Nullable Watch watch;

    PressureWatchImpl(io.ffrtmp.PressureTrigger trigger,
        java.util.function.Consumer<io.ffrtmp.PressureEvent> action) {
      this.trigger = trigger;
      this.action = action;
    }

    void fire() {
      if (!active.get()) {
        return;
      }
      io.ffrtmp.Pressure now = null;
      try {
        now = governance.usage().pressure();
      } catch (RuntimeException e) {
        LOG.debug("job {}: pressure not readable: {}", common.jobId(), e.toString());
      }
      try {
        action.accept(new io.ffrtmp.PressureEvent(common.jobId(), trigger, Instant.now(), now));
      } catch (RuntimeException e) {
        LOG.warn("job {}: pressure action for '{}' failed: {}", common.jobId(),
            trigger, e.toString());
      }
    }

    /** The kernel ended the trigger (its cgroup went): the watch is over. */
    void gone() {
      active.set(false);
      synchronized (WorkloadLifecycle.this) {
        pressureWatches.remove(this);
      }
    }

    @Override
    public void close() {
      if (active.getAndSet(false)) {
        io.ffrtmp.internal.os.PressureWatcher.Watch w = watch;
        if (w != null) {
          w.cancel();
        }
      }
      synchronized (WorkloadLifecycle.this) {
        pressureWatches.remove(this);
      }
    }

    @Override
    public boolean isActive() {
      return active.get();
    }

    @Override
    public String toString() {
      return "PressureWatch[" + trigger + (active.get() ? "" : ", closed") + "]";
    }
  }

  @Override
  public final io.ffrtmp.WorkloadUpdate update(
      java.util.function.Consumer<io.ffrtmp.ConstraintChanges> spec) throws EnforcementException {
    io.ffrtmp.ConstraintChanges changes = new io.ffrtmp.ConstraintChanges();
    java.util.Objects.requireNonNull(spec, "changes").accept(changes);
    if (changes.isEmpty()) {
      throw new IllegalArgumentException("update: no constraint to change was given");
    }
    io.ffrtmp.WorkloadUpdate u;
    synchronized (this) {
      if (built != null || buildFailure != null) {
        throw new IllegalStateException("job " + common.jobId() + " has ended or was detached:"
            + " nothing to update");
      }
      u = Updates.apply(governance, changes, common.strict(),
          Updates.processes(governance, pid(), keeperPid()));
      updates.add(u);
      recordUpdate(u);
    }
    for (Enforcement e : u.enforcement()) {
      if (!e.enforced() && !e.detail().equals(Governance.NOT_CHANGED)) {
        LOG.warn("job {}: update: cannot enforce {}: {}", common.jobId(), e.constraint(),
            e.detail());
      }
    }
    if (common.strict() && !u.enforced()) {
      // the causes: not what was put back because of them
      List<Enforcement> causes = u.enforcement().stream().filter(e -> !e.enforced()
          && !e.detail().equals(Governance.NOT_CHANGED)).toList();
      throw EnforcementException.updateRefused(strategy, causes.isEmpty()
          ? u.enforcement().stream().filter(e -> !e.enforced()).toList() : causes);
    }
    return u;
  }

  /**
   * The keeper of a run-mode workload (not one of its processes: not reniced), or 0.
   *
   * @return its pid
   */
  long keeperPid() {
    return 0;
  }

  /**
   * Where the workload's records are, if it has any.
   *
   * @return the state directory, or null
   */
  io.ffrtmp.internal.keeper.@Nullable StateDir recordsDir() {
    return null;
  }

  /**
   * The name of its records (meaningful when {@link #recordsDir()} is not null).
   *
   * @return the name
   */
  String recordName() {
    return "";
  }

  /** Keeps an update with the workload's records, so that a later JVM's report lists it too. */
  private void recordUpdate(io.ffrtmp.WorkloadUpdate u) {
    io.ffrtmp.internal.keeper.StateDir d = recordsDir();
    if (d != null) {
      try {
        d.appendUpdate(recordName(), u);
      } catch (IOException e) {
        LOG.warn("job {}: the update could not be recorded ({}): a later JVM's report will not"
            + " list it", common.jobId(), e.getMessage());
      }
    }
  }

  /**
   * The updates its records hold: those of this JVM and those another process made ({@code
   * ffrtmp update}), oldest first.
   */
  private List<io.ffrtmp.WorkloadUpdate> recordedUpdates() {
    io.ffrtmp.internal.keeper.StateDir d = recordsDir();
    return d == null ? List.of() : d.readUpdates(recordName());
  }

  /** This JVM's updates and the recorded ones, each once, oldest first. */
  private List<io.ffrtmp.WorkloadUpdate> allUpdates() {
    java.util.Map<String, io.ffrtmp.WorkloadUpdate> byId = new java.util.LinkedHashMap<>();
    List<io.ffrtmp.WorkloadUpdate> recorded;
    try {
      recorded = recordedUpdates();
    } catch (RuntimeException e) {
      LOG.warn("job {}: recorded updates unreadable: {}", common.jobId(), e.toString());
      recorded = List.of();
    }
    for (io.ffrtmp.WorkloadUpdate u : recorded) {
      byId.put(u.at() + "/" + u.by(), u);
    }
    for (io.ffrtmp.WorkloadUpdate u : updates) {
      byId.putIfAbsent(u.at() + "/" + u.by(), u);
    }
    List<io.ffrtmp.WorkloadUpdate> out = new ArrayList<>(byId.values());
    out.sort(java.util.Comparator.comparing(io.ffrtmp.WorkloadUpdate::at));
    return out;
  }

  /**
   * Finishes the workload once: builds the report, fires the terminal event (outside the lock,
   * so a listener may call anything of this workload), then completes the future. An exit is
   * finished on a delivery thread ({@link Delivery}), never on the thread that observed it, so
   * no report, listener or dependent of one workload delays another's; a detach is finished on
   * the caller's thread, which gets the report.
   *
   * @param detached whether governance is given up rather than the workload having ended
   */
  final void finish(boolean detached) {
    if (detached) {
      finishHere(true);
    } else {
      Delivery.execute(() -> finishHere(false));
    }
  }

  private void finishHere(boolean detached) {
    WorkloadReport r;
    boolean[] launchFailed = new boolean[1];
    synchronized (this) {
      if (built != null || buildFailure != null) {
        return;
      }
      try {
        r = buildReport(detached, launchFailed);
      } catch (RuntimeException | Error e) {
        // whoever waits for the report learns of it; the thread that observed the exit goes on
        buildFailure = e instanceof RuntimeException re ? re
            : new IllegalStateException("building the report failed", e);
        report.completeExceptionally(e);
        LOG.error("job {}: building the report failed: {}", common.jobId(), e.toString());
        return;
      }
      built = r;
    }
    // observers count it first: nothing between the listeners and the removal of the records
    // but that removal (a JVM killed in between reports the workload twice)
    Observers.ended(r);
    // listeners get the terminal event before the future completes: whoever awaits the report
    // finds every listener already told; once the future's dependents ran, it was delivered
    events.fire(new WorkloadEvent(Outcome.eventType(r.exitReason(), launchFailed[0]),
        common.jobId(), pid(), r), () -> {
          // whoever awaits the report may end the JVM at once: the exit waits for the records
          Settling.begin();
          try {
            report.complete(r);
            afterDelivery();
          } catch (RuntimeException e) {
            LOG.warn("job {}: after delivery: {}", common.jobId(), e.toString());
          } finally {
            Settling.end();
          }
        });
    LaunchSteps.mark(LaunchSteps.Step.COMPLETE);
  }

  /**
   * Whether what the main process leaves behind is killed at its end ({@link
   * io.ffrtmp.WorkloadBuilder#killRemainingAtEnd()}).
   *
   * @return false unless asked
   */
  boolean killsRemaining() {
    return false;
  }

  /**
   * After the SIGKILL of what remained: up to 2 s for the kernel to take the members away, so
   * that the release finds the cgroup empty and names no process as outliving the workload.
   */
  private void awaitMembersGone() {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
    while (!governance.members().isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private WorkloadReport buildReport(boolean detached, boolean[] launchFailed) {
    stopWatching();
    closePressureWatches();
    Instant now = Instant.now();
    List<Enforcement> finalEnforcement = new ArrayList<>(enforcement);
    List<String> finalWarnings = new ArrayList<>(warnings);
    Observed observed = detached
        ? new Observed(null, false)
        : observeExit(finalEnforcement, finalWarnings);
    LaunchSteps.mark(LaunchSteps.Step.OBSERVE);
    // the keeper's clock when it reaped the workload, where it recorded it: a recovered
    // workload may be reported long after its end
    Instant endedAt = observed.endedAt() != null && !observed.endedAt().isBefore(startedAt)
        && observed.endedAt().isBefore(now) ? observed.endedAt() : now;
    launchFailed[0] = observed.launchFailed();
    Outcome.Policy byPolicy = null;
    ScheduledFuture<?> k = killTimer;
    if (k != null) {
      k.cancel(false);
    }
    if (policy != null && !detached) {
      byPolicy = new Outcome.Policy(policy, Signals.name(lastSignal));
    }
    if (!detached && (policy != null || killsRemaining())) {
      // the workload's time is up, or (killRemainingAtEnd) its main process ended: whatever
      // ignored SIGTERM or outlived the main process goes now
      try {
        signalWorkload(Signals.SIGKILL);
        if (policy == null) {
          awaitMembersGone();
        }
      } catch (RuntimeException | LinkageError e) {
        finalWarnings.add("could not kill what remained of the workload: " + e);
      }
    }
    Usage usage;
    try {
      usage = finalUsage();
    } catch (RuntimeException e) {
      finalWarnings.add("could not read usage: " + e);
      usage = Usage.UNKNOWN;
    }
    LaunchSteps.mark(LaunchSteps.Step.USAGE);
    boolean release = !detached || onDetach(finalWarnings);
    if (release) {
      finalWarnings.addAll(governance.release());
    }
    afterRelease(detached);
    LaunchSteps.mark(LaunchSteps.Step.RELEASE);
    Outcome outcome = Outcome.classify(observed.exitValue(), byPolicy, usage.oomKills(),
        observed.launchFailed(), detached);
    Outcome.Sla sla = Outcome.sla(common.slaEligible(), outcome.reason(), finalEnforcement);
    return new WorkloadReport(
        common.jobId(),
        mode,
        common.intent(),
        common.slaEligible(),
        pid(),
        command,
        strategy,
        governance.cgroupPath(),
        startedAt,
        endedAt,
        Duration.between(startedAt, endedAt).toNanos() / 1e9,
        outcome.exitCode(),
        outcome.reason(),
        outcome.signal(),
        common.constraints(),
        finalEnforcement,
        allUpdates(),
        usage,
        finalWarnings,
        sla.compliant(),
        sla.reason());
  }

  @Override
  public final WorkloadReport detach() {
    finish(true);
    synchronized (this) {
      if (built != null) {
        return built;
      }
      throw new IllegalStateException("building the report failed", buildFailure);
    }
  }

  @Override
  public final String jobId() {
    return common.jobId();
  }

  @Override
  public final String strategy() {
    return strategy;
  }

  @Override
  public final Optional<String> cgroupPath() {
    return Optional.ofNullable(governance.cgroupPath());
  }

  @Override
  public final List<Enforcement> enforcement() {
    return enforcement;
  }

  @Override
  public final List<String> warnings() {
    return warnings;
  }

  @Override
  public final CompletableFuture<WorkloadReport> onExit() {
    return report.copy();
  }

  @Override
  public final WorkloadReport awaitReport() throws InterruptedException {
    WorkloadReport inside = insideListener();
    if (inside != null) {
      return inside;
    }
    try {
      return report.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("building the report failed", e.getCause());
    }
  }

  @Override
  public final WorkloadReport awaitReport(Duration timeout)
      throws InterruptedException, TimeoutException {
    java.util.Objects.requireNonNull(timeout, "timeout");
    WorkloadReport inside = insideListener();
    if (inside != null) {
      return inside;
    }
    long nanos = timeout.isNegative() ? 0
        : timeout.compareTo(MAX_DELAY) > 0 ? Long.MAX_VALUE : timeout.toNanos();
    try {
      return report.get(nanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("building the report failed", e.getCause());
    } catch (TimeoutException e) {
      TimeoutException t = new TimeoutException("job " + common.jobId() + " (pid " + pid()
          + ") still running after " + timeout);
      t.initCause(e);
      throw t;
    }
  }

  /**
   * Within a listener of this workload the future completes only after the listener returns:
   * the terminal event's listener gets the built report; any other would wait for itself.
   */
  private @Nullable WorkloadReport insideListener() {
    if (!events.deliveringOnThisThread()) {
      return null;
    }
    synchronized (this) {
      if (built != null) {
        return built;
      }
    }
    throw new IllegalStateException("job " + common.jobId() + ": a listener cannot wait for the"
        + " report before the workload has ended (the report reaches listeners in the terminal"
        + " event)");
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[job=" + common.jobId() + ", pid=" + pid()
        + ", strategy=" + strategy + "]";
  }
}
