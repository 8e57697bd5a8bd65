package io.ffrtmp.internal;

import io.ffrtmp.Enforcement;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Recoverable;
import io.ffrtmp.Usage;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.internal.keeper.ExitRecord;
import io.ffrtmp.internal.keeper.StartRecord;
import io.ffrtmp.internal.keeper.StateDir;
import io.ffrtmp.internal.keeper.Trust;
import io.ffrtmp.internal.os.ExitWatcher;
import io.ffrtmp.internal.os.Posix;
import io.ffrtmp.spi.CgroupNames;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceStrategy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery in the one lifecycle: a run-mode workload an earlier governing JVM of this user
 * started (or a process it adopted in attach mode: watched through the process itself, its
 * exit status unknown as it was to its governor), taken over from its records. Placement was done back then; the exit is watched
 * through the keeper (which outlives the workload by the moment it takes to write the exit
 * record) or, when the keeper was killed, through the workload itself; the exit status, its
 * time and the final counters come from the keeper's exit record, and a timeout still holds
 * from the recorded start. Once the report is delivered, the cgroup and the records are
 * removed.
 */
public final class RecoveredWorkload extends WorkloadLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(RecoveredWorkload.class);

  private final StartRecord record;
  private final StateDir stateDir;
  /** Whether the records stay after delivery until {@code acknowledge()}. */
  private final boolean acknowledged;
  private final @Nullable GovernanceStrategy backend;
  private volatile ExitWatcher.@Nullable Watch watch;
  private volatile @Nullable ScheduledFuture<?> timer;
  private volatile @Nullable ExitRecord exit;

  private RecoveredWorkload(Common common, Prepared prepared, StartRecord record,
      StateDir stateDir, @Nullable GovernanceStrategy backend, boolean acknowledged) {
    super(common, prepared, record.attached() ? WorkloadReport.Mode.ATTACH
        : WorkloadReport.Mode.RUN, record.attached() ? null : record.command());
    this.record = record;
    this.stateDir = stateDir;
    this.acknowledged = acknowledged || record.acknowledged();
    this.backend = backend;
  }

  /**
   * The state directory of an agent, or the default one.
   *
   * @param agent the agent's name, or null for the default
   * @param warnings receives why there is none
   * @return it, or empty
   */
  public static Optional<StateDir> stateDir(@Nullable String agent, List<String> warnings) {
    Optional<StateDir> root = StateDir.current();
    if (root.isEmpty()) {
      warnings.addAll(StateDir.problems());
      return root;
    }
    if (agent == null) {
      return root;
    }
    try {
      return Optional.of(root.get().forAgent(agent));
    } catch (IOException e) {
      warnings.add("agent " + agent + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * The unreported workloads of earlier JVMs of this user on this host, taken over by this JVM:
   * each one by exactly one JVM, however many recover at once.
   *
   * @param agent the agent whose workloads to take, or null for the default
   * @param jobId only this job id, or null for all
   * @param warnings receives a line per record refused
   * @param acknowledged whether every recovered workload's records stay after delivery until
   *     {@code acknowledge()} (else only those started so)
   * @return the recovered workloads, each watched
   */
  public static List<GovernedWorkload> recover(@Nullable String agent, @Nullable String jobId,
      List<String> warnings, boolean acknowledged) {
    Optional<StateDir> dir = stateDir(agent, warnings);
    if (dir.isEmpty()) {
      return List.of();
    }
    StateDir d = dir.get();
    d.sweep();
    List<String> orphans = new ArrayList<>();
    for (StartRecord r : d.readAll(warnings)) {
      if (jobId != null && !jobId.equals(r.jobId())) {
        continue;
      }
      if (Trust.alive(r.governorPid(), r.governorStartTime())) {
        continue; // still governed: by this JVM, or by another one that runs
      }
      Optional<String> forged = untrusted(r);
      if (forged.isPresent()) {
        warnings.add("refusing record " + d.startFile(r.name()) + ": " + forged.get());
        continue;
      }
      orphans.add(r.name());
    }
    List<GovernedWorkload> out = new ArrayList<>();
    for (StartRecord r : d.claim(orphans, warnings)) {
      out.add(take(d, r, acknowledged));
    }
    for (String s : warnings) {
      LOG.warn("recovery: {}", s);
    }
    return List.copyOf(out);
  }

  /**
   * Every start record of this user (of an agent, or the default ones), as {@link
   * io.ffrtmp.Workload#recoverable()} shows them; no process is searched for.
   *
   * @param agent the agent, or null for the default
   * @param warnings receives a line per record refused
   * @return the entries, oldest first
   */
  public static List<Recoverable> list(@Nullable String agent, List<String> warnings) {
    Optional<StateDir> dir = stateDir(agent, warnings);
    if (dir.isEmpty()) {
      return List.of();
    }
    StateDir d = dir.get();
    d.sweep();
    List<Recoverable> out = new ArrayList<>();
    for (StartRecord r : d.readAll(warnings)) {
      Optional<ExitRecord> e = d.readExit(r.name());
      boolean governed = Trust.alive(r.governorPid(), r.governorStartTime());
      boolean keeper = e.isEmpty() && Trust.keeperAlive(r.pids());
      Recoverable.State state = e.isPresent() ? Recoverable.State.ENDED
          : keeper || Trust.workloadAlive(r.pids(), false)
              || (governed && !r.pids().known()) ? Recoverable.State.RUNNING
              : Recoverable.State.UNKNOWN;
      out.add(new Recoverable(r.jobId(), r.pids().pid(), state,
          e.map(ExitRecord::exitValue).orElse(null), governed ? r.governorPid() : 0,
          r.strategy(), r.cgroupPath(), r.startedAt(), r.constraints()));
    }
    warnings.forEach(s -> LOG.warn("recovery: {}", s));
    out.sort(java.util.Comparator.comparing(Recoverable::startedAt));
    return List.copyOf(out);
  }

  /**
   * Why a record may not be obeyed: every cgroup it names must be one ffrtmp creates ({@code
   * ffrtmp-wrapper-*}, a systemd scope of that name), an absolute path without {@code ..}, and
   * a cgroup directory that exists must be this user's (ffrtmp created it as this user, or
   * this user's systemd manager did). Recovery signals and removes that cgroup; a record naming
   * any other is forged or broken, and one whose cgroup another user now owns (removed, then
   * made again by a user with a delegated subtree) names processes that are not ours.
   */
  static Optional<String> untrusted(StartRecord r) {
    List<String> paths = new ArrayList<>();
    if (r.cgroupPath() != null) {
      paths.add(r.cgroupPath());
    }
    for (Map.Entry<String, String> e : r.governance().entrySet()) {
      String k = e.getKey();
      if (k.equals("dir") || k.startsWith("dir.")) {
        Optional<String> foreign = foreignOwner(e.getValue());
        if (foreign.isPresent()) {
          return foreign;
        }
      }
      if (k.equals("path") || k.equals("dir") || k.startsWith("dir.")) {
        paths.add(e.getValue());
      } else if (k.equals("unit") && !(e.getValue().startsWith(CgroupNames.PREFIX)
          && e.getValue().endsWith(".scope") && e.getValue().indexOf('/') < 0)) {
        return Optional.of("unit " + e.getValue() + " is not a scope ffrtmp creates");
      }
    }
    for (String p : paths) {
      Path path = Path.of(p);
      String leaf = path.getFileName() == null ? "" : path.getFileName().toString();
      if (!path.isAbsolute() || !path.normalize().equals(path) || p.contains("/../")
          || !leaf.startsWith(CgroupNames.PREFIX)) {
        return Optional.of("cgroup " + p + " is not one ffrtmp creates (ffrtmp-wrapper-*)");
      }
    }
    return Optional.empty();
  }

  /** Why a cgroup directory is not this user's, when it exists and is not. */
  private static Optional<String> foreignOwner(String dir) {
    try {
      Object uid = java.nio.file.Files.getAttribute(Path.of(dir), "unix:uid",
          java.nio.file.LinkOption.NOFOLLOW_LINKS);
      long self = io.ffrtmp.internal.os.ProcFs.uid();
      if (uid instanceof Integer u && u != self) {
        return Optional.of("cgroup " + dir + " belongs to uid " + u + ", not to this user (uid "
            + self + "): not the one ffrtmp created");
      }
    } catch (IOException | RuntimeException e) {
      // gone (removed once empty) or unreadable: nothing of it will be signalled
    }
    return Optional.empty();
  }

  private static RecoveredWorkload take(StateDir dir, StartRecord claimed,
      boolean acknowledged) {
    StartRecord r = claimed;
    List<String> warnings = new ArrayList<>(r.warnings());
    if (!r.attached() && !r.pids().known()) {
      // its JVM died in the millisecond between the record and the launch's end
      Optional<StartRecord.Pids> found = Trust.findKeeper(dir.exitFile(r.name()));
      if (found.isPresent()) {
        r = r.withPids(found.get());
        try {
          dir.appendPids(r.name(), r.pids());
        } catch (IOException e) {
          LOG.debug("recovery: pids of {} not recorded: {}", r.name(), e.toString());
        }
      }
    }
    GovernanceStrategy backend = backendOf(claimed);
    Governance g;
    try {
      g = restore(r, backend);
    } catch (IOException | RuntimeException e) {
      warnings.add("recovered without its governance (" + e.getMessage() + "): usage unknown");
      g = new NiceFallbackStrategy().restore(Map.of(), Map.of());
    }
    warnings.add("recovered by JVM " + ProcessHandle.current().pid() + " after its governing JVM"
        + " ended");
    Common common = new Common(r.jobId(), r.slaEligible(), r.intent(), r.constraints(), false,
        null, List.of(), Set.of());
    Prepared prepared = new Prepared(g, r.strategy(), r.enforcement(), warnings, r.startedAt(),
        new Events(List.of()));
    RecoveredWorkload w = new RecoveredWorkload(common, prepared, r, dir, backend,
        acknowledged);
    Observers.governed(w, r.attached() ? WorkloadReport.Mode.ATTACH : WorkloadReport.Mode.RUN,
        r.constraints(), true);
    w.watch();
    return w;
  }

  private static @Nullable GovernanceStrategy backendOf(StartRecord r) {
    return Strategies.registry().stream().map(Strategies.Probed::strategy)
        .filter(s -> s.name().equals(r.strategy())).findFirst().orElse(null);
  }

  private static Governance restore(StartRecord r, @Nullable GovernanceStrategy backend)
      throws IOException {
    if (backend == null) {
      throw new IOException("backend " + r.strategy() + " is not installed");
    }
    return backend.restore(r.governance(), Map.of());
  }

  /**
   * Changes the constraints of a job's running workloads through their records, whichever JVM
   * governs them (or none): the governance is rebuilt from the start record as for a recovery,
   * the update made as {@link io.ffrtmp.GovernedWorkload#update} makes it, and appended to the
   * workload's records, where its governor's report finds it. Nothing is claimed.
   *
   * @param agent the agent, or null for the default records
   * @param jobId the job id
   * @param changes the new values
   * @param strict whether a change not in force puts every change back
   * @param warnings receives why a workload of the job was not updated
   * @return one update per running workload of the job
   */
  public static List<io.ffrtmp.WorkloadUpdate> update(@Nullable String agent, String jobId,
      io.ffrtmp.ConstraintChanges changes, boolean strict, List<String> warnings) {
    List<io.ffrtmp.WorkloadUpdate> out = new ArrayList<>();
    forEachRunning(agent, jobId, warnings, "not updated", (d, r, g, processes) -> {
      io.ffrtmp.WorkloadUpdate u = Updates.apply(g, changes, strict, processes);
      try {
        d.appendUpdate(r.name(), u);
      } catch (IOException e) {
        warnings.add("job " + r.jobId() + " (pid " + r.pids().pid() + "): the update could not"
            + " be recorded (" + e.getMessage() + "): its report will not list it");
      }
      out.add(u);
    });
    warnings.forEach(s -> LOG.warn("update: {}", s));
    return List.copyOf(out);
  }

  /**
   * The usage now of the running workloads of this user's records (of a job, or all), whichever
   * JVM governs them: {@code ffrtmp stats}. Read from their cgroups as {@link
   * io.ffrtmp.GovernedWorkload#usage()} reads it; nothing is claimed.
   *
   * @param agent the agent, or null for the default records
   * @param jobId only this job id, or null for all
   * @param warnings receives why a workload was left out
   * @return one entry per running workload, oldest first
   */
  public static List<io.ffrtmp.WorkloadUsage> usage(@Nullable String agent,
      @Nullable String jobId, List<String> warnings) {
    List<io.ffrtmp.WorkloadUsage> out = new ArrayList<>();
    forEachRunning(agent, jobId, warnings, null, (d, r, g, processes) -> {
      Usage u = LiveUsage.withCpu(g.usage(), processes);
      out.add(new io.ffrtmp.WorkloadUsage(r.jobId(), r.pids().pid(), r.strategy(),
          g.cgroupPath(), r.startedAt(), u));
    });
    out.sort(java.util.Comparator.comparing(io.ffrtmp.WorkloadUsage::startedAt));
    return List.copyOf(out);
  }

  /** What to do with one running workload of the records. */
  @FunctionalInterface
  private interface Running {
    void accept(StateDir dir, StartRecord r, Governance g, List<Long> processes);
  }

  /**
   * Each running workload of the records (of a job, or all) with its governance rebuilt from
   * its start record, as a recovery rebuilds it; records not to be trusted, ended workloads
   * and governances that cannot be rebuilt are left out (said in {@code warnings} when {@code
   * notDone} names what was not done to them, the records of a job asked for).
   */
  private static void forEachRunning(@Nullable String agent, @Nullable String jobId,
      List<String> warnings, @Nullable String notDone, Running action) {
    Optional<StateDir> dir = stateDir(agent, warnings);
    if (dir.isEmpty()) {
      return;
    }
    StateDir d = dir.get();
    for (StartRecord r : d.readAll(warnings)) {
      if (jobId != null && !jobId.equals(r.jobId())) {
        continue;
      }
      Optional<String> forged = untrusted(r);
      if (forged.isPresent()) {
        warnings.add("refusing record " + d.startFile(r.name()) + ": " + forged.get());
        continue;
      }
      StartRecord.Pids p = r.pids();
      boolean keeper = !r.attached() && Trust.keeperAlive(p);
      boolean running = d.readExit(r.name()).isEmpty() && (r.attached()
          ? Trust.alive(p.pid(), p.startTime()) : Trust.workloadAlive(p, keeper));
      if (!running) {
        if (notDone != null) {
          warnings.add("job " + r.jobId() + " (pid " + p.pid() + ") is not running: "
              + notDone);
        }
        continue;
      }
      Governance g;
      try {
        g = restore(r, backendOf(r));
      } catch (IOException | RuntimeException e) {
        warnings.add("job " + r.jobId() + " (pid " + p.pid() + "): its governance cannot be"
            + " rebuilt (" + e.getMessage() + ")" + (notDone == null ? "" : ": " + notDone));
        continue;
      }
      action.accept(d, r, g, Updates.processes(g, p.pid(), keeper ? p.keeperPid() : 0));
    }
  }

  /** The exit record, the keeper, the workload itself: the first that can say when it ends. */
  @Override
  void watch() {
    Duration t = record.timeout();
    if (t != null) {
      Duration left = Duration.between(Instant.now(), record.startedAt().plus(t));
      timer = Timers.schedule(() -> startPolicy(ExitReason.TIMEOUT, record.grace()),
          Math.max(0, left.toNanos()));
    }
    StartRecord.Pids p = record.pids();
    if (stateDir.readExit(record.name()).isPresent()) {
      finish(false);
    } else if (Trust.keeperAlive(p)) {
      watch = ExitWatcher.shared().watch(p.keeperPid(), p.keeperStartTime(),
          () -> finish(false));
    } else if (Trust.workloadAlive(p, false)) {
      // its keeper was killed: the workload itself says when it ends
      watch = ExitWatcher.shared().watch(p.pid(), p.startTime(), () -> finish(false));
    } else {
      finish(false);
    }
  }

  @Override
  void stopWatching() {
    ExitWatcher.Watch w = watch;
    if (w != null) {
      w.cancel();
    }
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }

  @Override
  void signalWorkload(int signal) {
    if (record.attached()) {
      // an adopted process: itself, as its governor signalled it (and its cgroup below)
      if (Trust.alive(record.pids().pid(), record.pids().startTime())) {
        Posix.kill((int) record.pids().pid(), signal);
      }
    } else if (Trust.workloadAlive(record.pids())) {
      Posix.killGroupOrProcess((int) record.pids().pid(), signal);
    }
    // a living keeper is spared: a terminate() leaves it to record the end
    StartRecord.Pids p = record.pids();
    governance.signalAll(signal, Trust.keeperAlive(p) ? p.keeperPid() : 0);
  }

  @Override
  void abort() {
    // nothing was placed by this JVM
  }

  /** The real exit status and end from the keeper's record; never an invented one. */
  @Override
  Observed observeExit(List<Enforcement> finalEnforcement, List<String> finalWarnings) {
    if (record.attached()) {
      return new Observed(null, false); // a non-child's exit status: never known, as live
    }
    StartRecord.Pids p = record.pids();
    // the keeper renames its record into place just before it ends: give it a moment
    Optional<ExitRecord> e = stateDir.readExit(record.name());
    for (int i = 0; i < 100 && e.isEmpty() && Trust.keeperAlive(p); i++) {
      pause();
      e = stateDir.readExit(record.name());
    }
    if (e.isPresent()) {
      exit = e.get();
      return new Observed(e.get().exitValue(), false, e.get().endedAt());
    }
    finalWarnings.add(!p.known()
        ? "no exit record and no keeper: its agent ended while starting it, so it most likely"
            + " never ran; its exit status is unknown"
        : "no exit record: its keeper (pid " + p.keeperPid() + ") was killed before the workload"
            + " (pid " + p.pid() + ") ended, so nothing recorded how it ended; its exit status"
            + " is unknown");
    return new Observed(null, false);
  }

  /** The keeper's copy of the final counters, where it recorded them. */
  @Override
  Usage finalUsage() {
    ExitRecord e = exit;
    if (e != null && backend != null && !e.counters().isEmpty()) {
      try {
        return backend.restore(record.governance(), e.counters()).usage();
      } catch (IOException | RuntimeException ex) {
        LOG.warn("job {}: recorded counters unreadable: {}", jobId(), ex.toString());
      }
    }
    return governance.usage();
  }

  /**
   * Recovered and detached: no longer governed, so its records go; the cgroup stays. A run-mode
   * workload whose report awaits acknowledgement keeps them until then, as when it was started
   * ({@link RunningWorkload}); an adopted process's record goes at once, as in attach mode.
   */
  @Override
  boolean onDetach(List<String> finalWarnings) {
    if (record.attached() || !acknowledged) {
      stateDir.delete(record.name());
    }
    return false;
  }

  /** The report was delivered: the records go too, unless the report awaits acknowledgement. */
  @Override
  void afterDelivery() {
    if (!acknowledged) {
      stateDir.delete(record.name());
    }
  }

  @Override
  void acknowledged() {
    stateDir.delete(record.name());
  }

  @Override
  long keeperPid() {
    StartRecord.Pids p = record.pids();
    return Trust.keeperAlive(p) ? p.keeperPid() : 0;
  }

  @Override
  StateDir recordsDir() {
    return stateDir;
  }

  @Override
  String recordName() {
    return record.name();
  }

  @Override
  public long pid() {
    return record.pids().pid();
  }

  @Override
  public Optional<Process> process() {
    return Optional.empty();
  }

  private static void pause() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
