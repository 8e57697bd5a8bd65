package io.ffrtmp.internal;

import io.ffrtmp.AttachException;
import io.ffrtmp.Constraint;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.NoSuchProcessException;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.internal.keeper.StartRecord;
import io.ffrtmp.internal.keeper.StateDir;
import io.ffrtmp.internal.os.Errno;
import io.ffrtmp.internal.os.ExitWatcher;
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
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Attach mode in the one lifecycle: placement is the adoption of a running process (and its
 * descendants) into the prepared cgroup, the exit is watched through a pidfd, its exit status is
 * not observable (the process is not the JVM's child), and detaching may restore what adoption
 * changed.
 */
final class AttachedWorkload extends WorkloadLifecycle {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(AttachedWorkload.class);

  /** Adoption repeats at most this often while new children keep appearing. */
  private static final int MAX_ROUNDS = 20;

  /**
   * What the attach builder collected.
   *
   * @param common the settings of every mode
   * @param pid the process to adopt
   * @param descendants whether its existing descendants follow
   * @param restoreOnDetach whether detach puts back what adoption changed
   * @param agent the agent whose records it joins, or null for the default
   * @param acknowledged whether the records stay after delivery until {@code acknowledge()}
   */
  record Spec(Common common, long pid, boolean descendants, boolean restoreOnDetach,
      @Nullable String agent, boolean acknowledged) {}

  /** The processes this JVM governs in attach mode: a second attach to one is refused. */
  private static final Set<Long> ATTACHED = ConcurrentHashMap.newKeySet();

  /** What a process was like before adoption, to restore on detach. */
  private record Original(long pid, String cgroups, @Nullable Integer oomScoreAdj,
      Map<Integer, Integer> threadNice) {}

  private final Spec spec;
  private final long startTime;
  private final List<Original> originals;
  /** Where its start record is (another JVM sees the adoption; a later one recovers it). */
  private final @Nullable StateDir stateDir;
  private final String recordName;
  private volatile ExitWatcher.@Nullable Watch watch;

  private AttachedWorkload(Spec spec, Prepared prepared, long startTime,
      List<Original> originals, @Nullable StateDir stateDir, String recordName) {
    super(spec.common(), prepared, WorkloadReport.Mode.ATTACH, null);
    this.spec = spec;
    this.startTime = startTime;
    this.originals = originals;
    this.stateDir = stateDir;
    this.recordName = recordName;
  }

  static GovernedWorkload adopt(Spec spec, GovernanceStrategy strategy,
      List<String> selectionWarnings) throws IOException, EnforcementException {
    long pid = spec.pid();
    ProcFs.Stat stat = ProcFs.stat(pid).orElseThrow(() -> new NoSuchProcessException(pid));
    if (stat.kernelThread()) {
      throw new AttachException(pid, "process " + pid + " is a kernel thread and cannot be adopted");
    }
    if (stat.state() == 'Z' || stat.state() == 'X') {
      throw new AttachException(pid, "process " + pid
          + " is a zombie: it has exited and waits for its parent to collect it");
    }
    if (!ATTACHED.add(pid)) {
      throw new AttachException(pid, "process " + pid + " is already governed by this JVM in"
          + " attach mode: detach it first");
    }
    try {
      java.util.Optional<String> governed = Governed.why(pid);
      if (governed.isPresent()) {
        throw new AttachException(pid, "process " + pid + " is already governed by ffrtmp: it "
            + governed.get() + "; stop or detach that run first");
      }
      return adoptRegistered(spec, strategy, selectionWarnings, stat);
    } catch (IOException | EnforcementException | RuntimeException | Error e) {
      ATTACHED.remove(pid);
      throw e;
    }
  }

  private static GovernedWorkload adoptRegistered(Spec spec, GovernanceStrategy strategy,
      List<String> selectionWarnings, ProcFs.Stat stat) throws IOException, EnforcementException {
    long pid = spec.pid();
    Original main = record(pid).orElseThrow(() -> new NoSuchProcessException(pid));
    ProcessAttributes.Plan plan =
        new ProcessAttributes(
                ProcFs.hasCapability(ProcFs.CAP_SYS_NICE),
                ProcFs.lowestNiceByRlimit(),
                ProcFs.hasCapability(ProcFs.CAP_SYS_RESOURCE),
                stat.nice(),
                main.oomScoreAdj() == null ? 0 : main.oomScoreAdj())
            .plan(spec.common().niceRequest(), spec.common().oomRequest());
    return WorkloadLifecycle.start(spec.common(), strategy, selectionWarnings, plan, pid, List.of(),
        prepared -> place(spec, prepared, plan, main, stat.startTime()));
  }

  /** Adopts the process and its descendants; on failure restores them and rethrows. */
  private static AttachedWorkload place(Spec spec, Prepared prepared, ProcessAttributes.Plan plan,
      Original main, long startTime) throws IOException, EnforcementException {
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
        java.util.Map<Long, Boolean> governed = new java.util.HashMap<>();
        for (int round = 0; round < MAX_ROUNDS; round++) {
          Set<Long> fresh = new LinkedHashSet<>(ProcFs.descendants(pid));
          if (fresh.contains(ProcessHandle.current().pid())
              && fresh.removeAll(governor(pid, fresh))) {
            String w = "the governing JVM (pid " + ProcessHandle.current().pid()
                + ") descends from pid " + pid + ": it and its children were left out";
            if (!warnings.contains(w)) {
              warnings.add(w);
            }
          }
          fresh.removeAll(done);
          if (fresh.isEmpty()) {
            break;
          }
          for (long child : fresh) {
            done.add(child);
            if (underAnotherRun(child, pid, governed, warnings)) {
              continue;
            }
            Optional<Original> o = record(child);
            if (o.isPresent()
                && adoptOne(g, o.get(), nice, plan.oomArg(), enforcement, warnings, false)) {
              originals.add(o.get());
            }
          }
        }
      }
      if (g.placesLaunchedProcess()) {
        placedByBackend(g, prepared.strategy(), enforcement, warnings,
            spec.common().strict());
      }
      List<Enforcement> unenforced = enforcement.stream()
          .filter(e -> e.status() == EnforcementStatus.FAILED).toList();
      if (spec.common().strict() && !unenforced.isEmpty()) {
        throw new EnforcementException(prepared.strategy(), unenforced);
      }
    } catch (IOException | EnforcementException | RuntimeException e) {
      for (Original o : originals) {
        restore(g, o, warnings);
      }
      throw e;
    }
    // adopted: recorded before it is watched, so that no report is delivered before its record
    String name = StateDir.newAttachName(spec.common().jobId(), pid, startTime);
    List<String> noState = new ArrayList<>();
    StateDir dir = RecoveredWorkload.stateDir(spec.agent(), noState).orElse(null);
    warnings.addAll(dir == null ? noState : dir.caveats());
    if (dir != null && !writeRecord(dir, new StartRecord(name, spec.common().jobId(),
        new StartRecord.Pids(pid, startTime, 0, 0), ProcessHandle.current().pid(),
        ProcFs.selfStartTime(), prepared.strategy(), g.cgroupPath(), g.state(), List.of(),
        spec.common().constraints(), enforcement, warnings, prepared.startedAt(), null,
        java.time.Duration.ZERO, spec.common().intent(), spec.common().slaEligible(),
        spec.acknowledged()), warnings, spec)) {
      dir = null;
    }
    return new AttachedWorkload(spec, new Prepared(g, prepared.strategy(), enforcement, warnings,
        prepared.startedAt(), prepared.events()), startTime, List.copyOf(originals), dir, name);
  }

  private static boolean writeRecord(StateDir dir, StartRecord r, List<String> warnings, Spec spec) {
    try {
      dir.writeAdoption(r);
      return true;
    } catch (IOException | RuntimeException e) {
      String why = "no start record (" + e.getMessage() + "): another JVM cannot see that it is"
          + " governed, and it cannot be recovered after a restart of its agent";
      LOG.warn("job {}: {}", spec.common().jobId(), why);
      warnings.add(why);
      return false;
    }
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
    ATTACHED.remove(spec.pid());
  }

  /**
   * Moves a process of the workload's tree into its cgroup after the adoption: a child forked
   * by a process before that process was moved stays where its parent was, and a tree that
   * forks faster than the adoption's rounds can search it (a fork bomb) would escape its limits.
   * The watcher learns of each fork from the kernel and hands such children here. Only the
   * cgroup: a child inherits its parent's nice and OOM score. Nothing once the workload ended.
   *
   * @param pid a descendant of the adopted process
   * @return whether it was moved
   */
  boolean follow(long pid) {
    if (onExit().isDone()) {
      return false;
    }
    try {
      governance.adopt(pid);
      return true;
    } catch (IOException | RuntimeException e) {
      // gone meanwhile, or refused: its tree's report comes all the same
      LOG.debug("job {}: pid {} not followed into the cgroup: {}", jobId(), pid, e.toString());
      return false;
    }
  }

  /** The process, its cgroup's members, and (without a cgroup) its descendants. */
  @Override
  void signalWorkload(int signal) {
    long pid = spec.pid();
    List<Long> tree = new ArrayList<>();
    if (governance.cgroupPath() == null) {
      tree.addAll(ProcFs.descendants(pid));
      tree.removeAll(governor(pid, new HashSet<>(tree)));
    }
    if (ProcFs.stat(pid).map(st -> st.startTime() == startTime).orElse(false)) {
      Posix.kill((int) pid, signal);
    }
    for (long child : tree) {
      Posix.kill((int) child, signal);
    }
    governance.signalAll(signal, 0); // no keeper: every member
  }

  /**
   * Whether a descendant is, or descends from, a process another run of ffrtmp governs (its
   * keeper, its workload, a member of its cgroup): that subtree is left out, with a warning for
   * the process at its top.
   */
  private static boolean underAnotherRun(long child, long root,
      java.util.Map<Long, Boolean> governed, List<String> warnings) {
    long p = child;
    for (int depth = 0; depth < 4096 && p > 1 && p != root; depth++) {
      Boolean known = governed.get(p);
      if (known == null) {
        Optional<String> why = Governed.why(p);
        known = why.isPresent();
        governed.put(p, known);
        if (known) {
          warnings.add("process " + p + " (a descendant of " + root + ") is already governed by"
              + " ffrtmp: it " + why.get() + "; it and its descendants were left out");
        }
      }
      if (known) {
        return true;
      }
      p = ProcFs.stat(p).map(ProcFs.Stat::ppid).orElse(0L);
    }
    return false;
  }

  /** A start that could not complete: every adopted process goes back to where it was. */
  @Override
  void abort() {
    List<String> ignored = new ArrayList<>();
    for (Original o : originals) {
      restore(governance, o, ignored);
    }
    deleteRecord();
  }

  /** A non-child's exit status cannot be observed. */
  @Override
  Observed observeExit(List<Enforcement> finalEnforcement, List<String> finalWarnings) {
    return new Observed(null, false);
  }

  /** The report was delivered: the record goes (never before: a JVM killed meanwhile loses none). */
  @Override
  void afterDelivery() {
    if (!spec.acknowledged()) {
      deleteRecord();
    }
  }

  @Override
  void acknowledged() {
    deleteRecord();
  }

  @Override
  @Nullable StateDir recordsDir() {
    return stateDir;
  }

  @Override
  String recordName() {
    return recordName;
  }

  private void deleteRecord() {
    StateDir d = stateDir;
    if (d != null) {
      d.delete(recordName);
    }
  }

  /** Detached: no longer governed, so its record goes; restored too where asked. */
  @Override
  boolean onDetach(List<String> finalWarnings) {
    deleteRecord();
    if (!spec.restoreOnDetach()) {
      return false;
    }
    for (Original o : originals) {
      restore(governance, o, finalWarnings);
    }
    // processes that joined after the adoption (children forked since): back where the main
    // process came from, with its original nice and OOM score
    Original main = originals.get(0);
    Set<Long> known = new HashSet<>();
    originals.forEach(o -> known.add(o.pid()));
    Set<Long> late = new LinkedHashSet<>(governance.members());
    if (ProcFs.stat(main.pid()).isPresent()) {
      late.addAll(ProcFs.descendants(main.pid()));
    }
    late.removeAll(known);
    late.removeAll(governor(main.pid(), new HashSet<>(late)));
    Integer mainNice = main.threadNice().get((int) main.pid());
    for (long p : late) {
      restore(governance, new Original(p, main.cgroups(), main.oomScoreAdj(),
          mainNice == null ? Map.of() : Map.of((int) p, mainNice)), finalWarnings);
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

  /**
   * What of the tree of {@code pid} is the governor: this JVM and, when the JVM descends from
   * {@code pid} (attach to its parent shell, say), the JVM's own descendants (its other
   * workloads). Never adopted, never signalled.
   */
  private static Set<Long> governor(long pid, Set<Long> tree) {
    long self = ProcessHandle.current().pid();
    Set<Long> out = new HashSet<>();
    out.add(self);
    if (tree.contains(self)) {
      out.addAll(ProcFs.descendants(self));
    }
    return out;
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
            markFailed(enforcement, Set.of(Constraint.NICE), "setpriority(" + tid + ", " + nice
                + ") failed: " + Errno.describe(err));
            warnings.add("Cannot set nice " + nice + " on thread " + tid + " of process " + pid
                + ": " + Errno.describe(err));
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
          markFailed(enforcement, Set.of(Constraint.OOM_SCORE), "write of /proc/" + pid
              + "/oom_score_adj failed: " + Errno.describe(e));
          warnings.add("Cannot set OOM score " + oom + " on process " + pid + ": "
              + Errno.describe(e));
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
          warnings.add("Cannot restore nice " + n + " on thread " + tid + ": "
              + Errno.describe(err));
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
