package io.ffrtmp.internal;

import io.ffrtmp.AttachException;
import io.ffrtmp.Constraint;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.NoSuchProcessException;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.internal.os.Posix;
import io.ffrtmp.internal.os.ProcFs;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceStrategy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Attach mode in the one lifecycle: placement is the adoption of a running process (and its
 * descendants) into the prepared cgroup, the exit is watched through a pidfd, its exit status is
 * not observable (the process is not the JVM's child), and detaching may restore what adoption
 * changed.
 */
final class AttachedWorkload extends WorkloadLifecycle {
  /** Adoption repeats at most this often while new children keep appearing. */
  private static final int MAX_ROUNDS = 20;

  /**
   * What the attach builder collected.
   *
   * @param common the settings of every mode
   * @param pid the process to adopt
   * @param descendants whether its existing descendants follow
   * @param restoreOnDetach whether detach puts back what adoption changed
   */
  record Spec(Common common, long pid, boolean descendants, boolean restoreOnDetach) {}

  /** What a process was like before adoption, to restore on detach. */
  private record Original(long pid, String cgroups, @Nullable Integer oomScoreAdj,
      Map<Integer, Integer> threadNice) {}

  private final Spec spec;
  private final long startTime;
  private final List<Original> originals;
  private volatile ExitWatcher.@Nullable Watch watch;

  private AttachedWorkload(Spec spec, Prepared prepared, long startTime,
      List<Original> originals) {
    super(spec.common(), prepared, WorkloadReport.Mode.ATTACH, null);
    this.spec = spec;
    this.startTime = startTime;
    this.originals = originals;
  }

  static GovernedWorkload adopt(Spec spec, GovernanceStrategy strategy,
      List<String> selectionWarnings) throws IOException {
    long pid = spec.pid();
    ProcFs.Stat stat = ProcFs.stat(pid).orElseThrow(() -> new NoSuchProcessException(pid));
    if (stat.kernelThread()) {
      throw new AttachException(pid, "process " + pid + " is a kernel thread and cannot be adopted");
    }
    if (stat.state() == 'Z' || stat.state() == 'X') {
      throw new AttachException(pid, "process " + pid
          + " is a zombie: it has exited and waits for its parent to collect it");
    }
    Original main = record(pid).orElseThrow(() -> new NoSuchProcessException(pid));
    ProcessAttributes.Plan plan =
        new ProcessAttributes(
                ProcFs.hasCapability(ProcFs.CAP_SYS_NICE),
                ProcFs.lowestNiceByRlimit(),
                ProcFs.hasCapability(ProcFs.CAP_SYS_RESOURCE),
                stat.nice(),
                main.oomScoreAdj() == null ? 0 : main.oomScoreAdj())
            .plan(spec.common().constraints().nice(), spec.common().constraints().oomScore());
    return WorkloadLifecycle.start(spec.common(), strategy, selectionWarnings, plan, pid,
        prepared -> place(spec, prepared, plan, main, stat.startTime()));
  }

  /** Adopts the process and its descendants; on failure restores them and rethrows. */
  private static AttachedWorkload place(Spec spec, Prepared prepared, ProcessAttributes.Plan plan,
      Original main, long startTime) throws IOException {
    long pid = spec.pid();
    Governance g = prepared.governance();
    List<Enforcement> enforcement = new ArrayList<>(prepared.enforcement());
    List<String> warnings = new ArrayList<>(prepared.warnings());
    Integer nice = targetNice(plan, spec.common().constraints().nice());
    List<Original> originals = new ArrayList<>();
    try {
      if (!adoptOne(g, main, nice, plan.oomArg(), enforcement, warnings, true)) {
        throw new NoSuchProcessException(pid);
      }
      originals.add(main);
      if (spec.descendants()) {
        Set<Long> done = new LinkedHashSet<>(List.of(pid));
        for (int round = 0; round < MAX_ROUNDS; round++) {
          Set<Long> fresh = new LinkedHashSet<>(ProcFs.descendants(pid));
          fresh.removeAll(done);
          if (fresh.isEmpty()) {
            break;
          }
          for (long child : fresh) {
            done.add(child);
            Optional<Original> o = record(child);
            if (o.isPresent()
                && adoptOne(g, o.get(), nice, plan.oomArg(), enforcement, warnings, false)) {
              originals.add(o.get());
            }
          }
        }
      }
      List<Enforcement> unenforced = enforcement.stream()
          .filter(e -> e.status() == EnforcementStatus.FAILED).toList();
      if (spec.common().strict() && !unenforced.isEmpty()) {
        throw new EnforcementException(prepared.strategy(), unenforced);
      }
    } catch (IOException | RuntimeException e) {
      for (Original o : originals) {
        restore(g, o, warnings);
      }
      throw e;
    }
    return new AttachedWorkload(spec, new Prepared(g, prepared.strategy(), enforcement, warnings,
        prepared.startedAt()), startTime, List.copyOf(originals));
  }

  /**
   * The report is built on the watcher's thread: reading the counters and one removal attempt
   * take well under a millisecond, and a busy cgroup is retried in the background.
   */
  @Override
  void watch() {
    watch = ExitWatcher.shared().watch(spec.pid(), startTime, () -> finish(false));
  }

  @Override
  void stopWatching() {
    ExitWatcher.Watch w = watch;
    if (w != null) {
      w.cancel();
    }
  }

  /** A non-child's exit status cannot be observed. */
  @Override
  Observed observeExit(List<Enforcement> finalEnforcement, List<String> finalWarnings) {
    return new Observed(null, false);
  }

  @Override
  boolean onDetach(List<String> finalWarnings) {
    if (!spec.restoreOnDetach()) {
      return false;
    }
    for (Original o : originals) {
      restore(governance, o, finalWarnings);
    }
    return true;
  }

  @Override
  public long pid() {
    return spec.pid();
  }

  @Override
  public Optional<Process> process() {
    return Optional.empty();
  }

  private static @Nullable Integer targetNice(ProcessAttributes.Plan plan, int requested) {
    Enforcement e = plan.enforcement().get(0);
    if (e.status() == EnforcementStatus.APPLIED) {
      return requested;
    }
    return plan.niceArg();
  }

  private static Optional<Original> record(long pid) {
    try {
      String cg = ProcFs.read(Path.of("/proc/" + pid + "/cgroup"));
      Integer oom = null;
      try {
        oom = Integer.parseInt(ProcFs.read(Path.of("/proc/" + pid + "/oom_score_adj")).trim());
      } catch (IOException | NumberFormatException e) {
        // unknown: not restored
      }
      Map<Integer, Integer> nice = new HashMap<>();
      for (int tid : ProcFs.threads(pid)) {
        ProcFs.threadNice(pid, tid).ifPresent(n -> nice.put(tid, (int) n));
      }
      return Optional.of(new Original(pid, cg, oom, nice));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Places one process; false if it vanished first. */
  private static boolean adoptOne(Governance g, Original o, @Nullable Integer nice,
      @Nullable Integer oom, List<Enforcement> enforcement, List<String> warnings, boolean main) {
    long pid = o.pid();
    try {
      g.adopt(pid);
    } catch (IOException e) {
      if (ProcFs.stat(pid).isEmpty()) {
        return false;
      }
      markFailed(enforcement, CGROUP_CONSTRAINTS,
          "could not move pid " + pid + " into the cgroup: " + e.getMessage());
      warnings.add("Cannot move process " + pid + " into its cgroup: " + e.getMessage());
    }
    if (nice != null) {
      Set<Integer> reniced = new LinkedHashSet<>();
      for (int round = 0; round < MAX_ROUNDS; round++) {
        List<Integer> tids = new ArrayList<>(ProcFs.threads(pid));
        tids.removeAll(reniced);
        if (tids.isEmpty()) {
          break;
        }
        for (int tid : tids) {
          reniced.add(tid);
          int err = Posix.setThreadNice(tid, nice);
          if (err != 0 && err != Posix.ESRCH) {
            markFailed(enforcement, Set.of(Constraint.NICE), "setpriority(" + tid + ", " + nice + ") failed: errno "
                + err);
            warnings.add("Cannot set nice " + nice + " on thread " + tid + " of process " + pid
                + " (errno " + err + ")");
            break;
          }
        }
      }
    }
    if (oom != null) {
      try {
        Files.write(Path.of("/proc/" + pid + "/oom_score_adj"),
            oom.toString().getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE);
      } catch (IOException e) {
        if (ProcFs.stat(pid).isPresent()) {
          markFailed(enforcement, Set.of(Constraint.OOM_SCORE), "write failed: " + e.getMessage());
          warnings.add("Cannot set OOM score " + oom + " on process " + pid + ": " + e.getMessage());
        }
      }
    }
    return main || ProcFs.stat(pid).isPresent();
  }

  private static void restore(Governance g, Original o, List<String> warnings) {
    long pid = o.pid();
    if (ProcFs.stat(pid).isEmpty()) {
      return;
    }
    try {
      g.moveBack(pid, o.cgroups());
    } catch (IOException e) {
      warnings.add("Cannot move process " + pid + " back to its cgroups: " + e.getMessage());
    }
    Integer mainNice = o.threadNice().get((int) pid);
    for (int tid : ProcFs.threads(pid)) {
      Integer n = o.threadNice().getOrDefault(tid, mainNice);
      if (n != null) {
        int err = Posix.setThreadNice(tid, n);
        if (err != 0 && err != Posix.ESRCH) {
          warnings.add("Cannot restore nice " + n + " on thread " + tid + " (errno " + err + ")");
        }
      }
    }
    if (o.oomScoreAdj() != null) {
      try {
        Files.write(Path.of("/proc/" + pid + "/oom_score_adj"),
            o.oomScoreAdj().toString().getBytes(StandardCharsets.US_ASCII),
            StandardOpenOption.WRITE);
      } catch (IOException e) {
        warnings.add("Cannot restore OOM score of process " + pid + ": " + e.getMessage());
      }
    }
  }
}
