package io.ffrtmp.internal;

import io.ffrtmp.Enforcement;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Recoverable;
import io.ffrtmp.Usage;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.internal.os.ExitWatcher;
import io.ffrtmp.internal.os.Posix;
import io.ffrtmp.internal.os.ProcFs;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceStrategy;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * started, taken over from its records. Placement was done back then; the exit is watched
 * through the keeper (which outlives the workload by the moment it takes to write the exit
 * record), the exit status and final counters come from the keeper's exit record, and a
 * timeout still holds from the recorded start. Once the report is built, the cgroup and the
 * records are removed.
 */
public final class RecoveredWorkload extends WorkloadLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(RecoveredWorkload.class);

  private final Records.Start record;
  private final Path stateDir;
  private final @Nullable GovernanceStrategy backend;
  private volatile ExitWatcher.@Nullable Watch watch;
  private volatile @Nullable ScheduledFuture<?> timer;
  private volatile Records.@Nullable Exit exit;

  private RecoveredWorkload(Common common, Prepared prepared, Records.Start record,
      Path stateDir, @Nullable GovernanceStrategy backend) {
    super(common, prepared, WorkloadReport.Mode.RUN, record.command());
    this.record = record;
    this.stateDir = stateDir;
    this.backend = backend;
  }

  /**
   * The unreported workloads of earlier JVMs of this user on this host, taken over by this JVM.
   *
   * @param jobId only this job id, or null for all
   * @return the recovered workloads, each watched
   */
  public static List<GovernedWorkload> recover(@Nullable String jobId) {
    Optional<Path> dir = Records.dir();
    if (dir.isEmpty()) {
      return List.of();
    }
    Records.sweep(dir.get());
    List<String> skipped = new ArrayList<>();
    List<GovernedWorkload> out = new ArrayList<>();
    for (Records.Start r : Records.readAll(dir.get(), skipped)) {
      if (jobId != null && !jobId.equals(r.jobId())) {
        continue;
      }
      if (alive(r.governorPid(), r.governorStartTime())) {
        continue; // still governed: by this JVM, or by another one that runs
      }
      Optional<Records.Start> mine = claim(dir.get(), r);
      if (mine.isPresent()) {
        out.add(take(dir.get(), mine.get()));
      }
    }
    for (String s : skipped) {
      LOG.warn("recovery: {}", s);
    }
    return List.copyOf(out);
  }

  /**
   * Every start record of this user, as {@link io.ffrtmp.Workload#recoverable()} shows them.
   *
   * @return the entries, oldest first
   */
  public static List<Recoverable> list() {
    Optional<Path> dir = Records.dir();
    if (dir.isEmpty()) {
      return List.of();
    }
    Records.sweep(dir.get());
    List<String> skipped = new ArrayList<>();
    List<Recoverable> out = new ArrayList<>();
    for (Records.Start recorded : Records.readAll(dir.get(), skipped)) {
      Records.Start r = withPids(dir.get(), recorded);
      Optional<Records.Exit> e = Records.readExit(Records.exitFile(dir.get(), r.name()));
      String state = e.isPresent() ? "ended" : alive(r.pid(), r.startTime())
          || alive(r.keeperPid(), r.keeperStartTime()) ? "running" : "unknown";
      out.add(new Recoverable(r.jobId(), r.pid(), state,
          e.map(Records.Exit::exitValue).orElse(null),
          alive(r.governorPid(), r.governorStartTime()) ? r.governorPid() : 0, r.strategy(),
          r.cgroupPath(), r.startedAt(), r.constraints()));
    }
    skipped.forEach(s -> LOG.warn("recovery: {}", s));
    out.sort(java.util.Comparator.comparing(Recoverable::startedAt));
    return List.copyOf(out);
  }

  static boolean alive(long pid, long startTime) {
    return pid > 0 && ProcFs.stat(pid).map(s -> s.startTime() == startTime
        && s.state() != 'Z' && s.state() != 'X').orElse(false);
  }

  /**
   * Takes a record over: only one JVM wins the atomic rename of the start record; the winner
   * writes it back with itself as the governor.
   */
  private static Optional<Records.Start> claim(Path dir, Records.Start r) {
    Path start = Records.startFile(dir, r.name());
    Path claim = dir.resolve(r.name() + ".claim-" + ProcessHandle.current().pid());
    try {
      Files.move(start, claim, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return Optional.empty(); // another JVM was first
    } catch (AtomicMoveNotSupportedException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.warn("recovery: cannot claim {}: {}", start, e.toString());
      return Optional.empty();
    }
    long self = ProcessHandle.current().pid();
    Records.Start mine = new Records.Start(r.name(), r.jobId(), r.pid(), r.startTime(),
        r.keeperPid(), r.keeperStartTime(), self, ProcFs.selfStartTime(), r.strategy(),
        r.cgroupPath(),
        r.governance(), r.command(), r.constraints(), r.enforcement(), r.warnings(),
        r.startedAt(), r.timeout(), r.grace(), r.intent(), r.slaEligible());
    try {
      Records.write(dir, mine);
      Files.deleteIfExists(claim);
    } catch (IOException e) {
      LOG.warn("recovery: cannot rewrite {}: {}", start, e.toString());
    }
    return Optional.of(mine);
  }

  private static RecoveredWorkload take(Path dir, Records.Start recorded) {
    Records.Start r = withPids(dir, recorded);
    List<String> warnings = new ArrayList<>(r.warnings());
    GovernanceStrategy backend = Strategies.registry().stream()
        .map(Strategies.Probed::strategy).filter(s -> s.name().equals(r.strategy()))
        .findFirst().orElse(null);
    Governance g;
    try {
      if (backend == null) {
        throw new IOException("backend " + r.strategy() + " is not installed");
      }
      g = backend.restore(r.governance(), Map.of());
      if (alive(r.keeperPid(), r.keeperStartTime())) {
        g.launched(r.keeperPid()); // a terminate() leaves it to record the end
      }
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
    RecoveredWorkload w = new RecoveredWorkload(common, prepared, r, dir, backend);
    w.watch();
    return w;
  }

  /**
   * The start record is written just before the launch, without pids: the keeper is found by
   * the path of its exit record on its command line (unique to the launch: no pid reuse can
   * fool it), the workload as its child; the exit record, once written, names the workload.
   */
  private static Records.Start withPids(Path dir, Records.Start r) {
    if (r.keeperPid() != 0) {
      return r;
    }
    Path exitFile = Records.exitFile(dir, r.name());
    long keeper = 0;
    long workload = Records.readExit(exitFile).map(Records.Exit::pid).orElse(0L);
    if (workload == 0) {
      byte[] needle = exitFile.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      try (var procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
        for (Path p : procs) {
          try {
            byte[] cmdline = Files.readAllBytes(p.resolve("cmdline"));
            if (contains(cmdline, needle)) {
              keeper = Long.parseLong(p.getFileName().toString());
              workload = ProcessHandle.of(keeper).flatMap(h -> h.children().findFirst())
                  .map(ProcessHandle::pid).orElse(0L);
              break;
            }
          } catch (IOException | NumberFormatException e) {
            // gone meanwhile
          }
        }
      } catch (IOException e) {
        LOG.warn("recovery: cannot look for the keeper of {}: {}", r.name(), e.toString());
      }
    }
    long ks = keeper == 0 ? 0 : ProcFs.stat(keeper).map(ProcFs.Stat::startTime).orElse(0L);
    long ws = workload == 0 ? 0 : ProcFs.stat(workload).map(ProcFs.Stat::startTime).orElse(0L);
    return new Records.Start(r.name(), r.jobId(), workload, ws, keeper, ks, r.governorPid(),
        r.governorStartTime(), r.strategy(), r.cgroupPath(), r.governance(), r.command(),
        r.constraints(), r.enforcement(), r.warnings(), r.startedAt(), r.timeout(), r.grace(),
        r.intent(), r.slaEligible());
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
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
    Path exitFile = Records.exitFile(stateDir, record.name());
    if (Files.exists(exitFile)) {
      finish(false);
    } else if (alive(record.keeperPid(), record.keeperStartTime())) {
      watch = ExitWatcher.shared().watch(record.keeperPid(), record.keeperStartTime(),
          () -> finish(false));
    } else if (alive(record.pid(), record.startTime())) {
      watch = ExitWatcher.shared().watch(record.pid(), record.startTime(), () -> finish(false));
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
    if (alive(record.pid(), record.startTime())) {
      Posix.killGroupOrProcess((int) record.pid(), signal);
    }
    governance.signalAll(signal);
  }

  @Override
  void abort() {
    // nothing was placed by this JVM
  }

  /** The real exit status from the keeper's record; never an invented one. */
  @Override
  Observed observeExit(List<Enforcement> finalEnforcement, List<String> finalWarnings) {
    Path exitFile = Records.exitFile(stateDir, record.name());
    // the keeper renames its record into place just before it ends: give it a moment
    Optional<Records.Exit> e = Records.readExit(exitFile);
    for (int i = 0; i < 100 && e.isEmpty() && alive(record.keeperPid(),
        record.keeperStartTime()); i++) {
      pause();
      e = Records.readExit(exitFile);
    }
    if (e.isPresent()) {
      exit = e.get();
      return new Observed(e.get().exitValue(), false);
    }
    finalWarnings.add(record.pid() == 0
        ? "no exit record and no keeper: its agent ended while starting it, so it most likely"
            + " never ran; its exit status is unknown"
        : "no exit record: the workload (pid " + record.pid() + ") ended while its keeper was"
            + " not there to record it; its exit status is unknown");
    return new Observed(null, false);
  }

  /** The keeper's copy of the final counters, where it recorded them. */
  @Override
  Usage finalUsage() {
    Records.Exit e = exit;
    if (e != null && backend != null && !e.counters().isEmpty()) {
      try {
        return backend.restore(record.governance(), e.counters()).usage();
      } catch (IOException | RuntimeException ex) {
        LOG.warn("job {}: recorded counters unreadable: {}", jobId(), ex.toString());
      }
    }
    return governance.usage();
  }

  /** Recovered and detached: no longer governed, so its records go; the cgroup stays. */
  @Override
  boolean onDetach(List<String> finalWarnings) {
    Records.delete(stateDir, record.name());
    return false;
  }

  /** The report is built and the cgroup released: the records go too. */
  @Override
  void afterRelease(boolean detached) {
    if (!detached) {
      Records.delete(stateDir, record.name());
    }
  }

  @Override
  public long pid() {
    return record.pid();
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
