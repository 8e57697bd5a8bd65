package io.ffrtmp.internal;

import io.ffrtmp.AttachException;
import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Intent;
import io.ffrtmp.NoSuchProcessException;
import io.ffrtmp.Usage;
import io.ffrtmp.WorkloadEvent;
import io.ffrtmp.WorkloadListener;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceRequest;
import io.ffrtmp.spi.GovernanceStrategy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running process adopted in attach mode, from adoption to report. */
final class AttachedWorkload extends BaseWorkload {
  private static final Logger LOG = LoggerFactory.getLogger(AttachedWorkload.class);

  /** Adoption repeats at most this often while new children keep appearing. */
  private static final int MAX_ROUNDS = 20;

  record Spec(
      long pid,
      String jobId,
      boolean slaEligible,
      Intent intent,
      Constraints constraints,
      boolean strict,
      @Nullable String cgroupParent,
      boolean descendants,
      boolean restoreOnDetach,
      List<WorkloadListener> listeners) {}

  /** What a process was like before adoption, to restore on detach. */
  private record Original(long pid, String cgroups, @Nullable Integer oomScoreAdj,
      Map<Integer, Integer> threadNice) {}

  private final Spec spec;
  private final Instant startedAt;
  private final List<Original> originals;
  private volatile ExitWatcher.@Nullable Watch watch;

  private AttachedWorkload(Spec spec, String strategy, Governance governance, Instant startedAt,
      List<Enforcement> enforcement, List<String> warnings, List<Original> originals) {
    super(spec.jobId(), strategy, governance, enforcement, warnings);
    this.spec = spec;
    this.startedAt = startedAt;
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
            .plan(spec.constraints().nice(), spec.constraints().oomScore());
    AttachBuilderImpl.checkStrict(spec.strict(), strategy.name(), plan);
    fire(spec.listeners(), new WorkloadEvent(WorkloadEvent.Type.STARTING, spec.jobId(), pid, null));
    Instant startedAt = Instant.now();
    Preparation prep = Preparation.prepare(strategy,
        new GovernanceRequest(spec.jobId(), spec.constraints(), spec.strict(), spec.cgroupParent()));
    Governance g = prep.governance();
    List<Enforcement> enforcement = new ArrayList<>(g.enforcement());
    enforcement.addAll(plan.enforcement());
    List<String> warnings = new ArrayList<>(selectionWarnings);
    warnings.addAll(prep.warnings());
    warnings.addAll(plan.warnings());
    Integer nice = targetNice(plan, spec.constraints().nice());
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
      if (spec.strict() && !unenforced.isEmpty()) {
        throw new EnforcementException(strategy.name(), unenforced);
      }
    } catch (IOException | RuntimeException e) {
      for (Original o : originals) {
        restore(g, o, warnings);
      }
      g.release();
      throw e;
    }
    for (String w : warnings) {
      LOG.warn("{}", w);
    }
    AttachedWorkload w = new AttachedWorkload(spec, prep.strategy(), g, startedAt,
        List.copyOf(enforcement), List.copyOf(warnings), List.copyOf(originals));
    fire(spec.listeners(), new WorkloadEvent(WorkloadEvent.Type.RUNNING, spec.jobId(), pid, null));
    // the report is built on the watcher's thread: reading the counters and one removal attempt
    // take well under a millisecond, and a busy cgroup is retried in the background
    w.watch = ExitWatcher.shared().watch(pid, stat.startTime(), () -> w.finish(false));
    return w;
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
      fail(enforcement, List.of("cpu_quota", "cpu_weight", "memory_limit_mb", "io_weight"),
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
            fail(enforcement, List.of("nice"), "setpriority(" + tid + ", " + nice + ") failed: errno "
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
          fail(enforcement, List.of("oom_score"), "write failed: " + e.getMessage());
          warnings.add("Cannot set OOM score " + oom + " on process " + pid + ": " + e.getMessage());
        }
      }
    }
    return main || ProcFs.stat(pid).isPresent();
  }

  private static void fail(List<Enforcement> list, List<String> constraints, String why) {
    for (int i = 0; i < list.size(); i++) {
      Enforcement e = list.get(i);
      if (constraints.contains(e.constraint()) && e.status() == EnforcementStatus.APPLIED) {
        list.set(i, e.with(EnforcementStatus.FAILED, why));
      }
    }
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

  private synchronized void finish(boolean detached) {
    if (report.isDone()) {
      return;
    }
    try {
      completeReport(detached);
    } catch (RuntimeException | Error e) {
      // whoever waits for the report learns of it; the watching thread goes on
      report.completeExceptionally(e);
      LOG.error("job {}: building the report failed: {}", spec.jobId(), e.toString());
    }
  }

  private void completeReport(boolean detached) {
    ExitWatcher.Watch wt = watch;
    if (wt != null) {
      wt.cancel();
    }
    Instant endedAt = Instant.now();
    List<String> finalWarnings = new ArrayList<>(warnings);
    Usage usage;
    try {
      usage = governance.usage();
    } catch (RuntimeException e) {
      finalWarnings.add("could not read usage: " + e);
      usage = Usage.UNKNOWN;
    }
    if (detached && spec.restoreOnDetach()) {
      for (Original o : originals) {
        restore(governance, o, finalWarnings);
      }
    }
    if (!detached || spec.restoreOnDetach()) {
      finalWarnings.addAll(governance.release());
    }
    ExitReason reason;
    if (detached) {
      reason = ExitReason.DETACHED;
    } else if (usage.oomKills() != null && usage.oomKills() > 0) {
      reason = ExitReason.OOM;
    } else {
      reason = ExitReason.UNKNOWN;
    }
    Outcome.Sla sla = Outcome.sla(spec.slaEligible(), reason, enforcement);
    WorkloadReport r = new WorkloadReport(spec.jobId(), WorkloadReport.Mode.ATTACH, spec.intent(),
        spec.slaEligible(), spec.pid(), null, strategy, governance.cgroupPath(), startedAt, endedAt,
        Duration.between(startedAt, endedAt).toNanos() / 1e9, null, reason,
        reason == ExitReason.OOM ? "SIGKILL" : null, spec.constraints(), enforcement, usage,
        finalWarnings, sla.compliant(), sla.reason());
    report.complete(r);
    fire(spec.listeners(), new WorkloadEvent(
        reason == ExitReason.OOM ? WorkloadEvent.Type.KILLED : WorkloadEvent.Type.COMPLETED,
        spec.jobId(), spec.pid(), r));
  }

  @Override
  public WorkloadReport detach() {
    finish(true);
    return report.join();
  }

  @Override
  public long pid() {
    return spec.pid();
  }

  @Override
  public Optional<Process> process() {
    return Optional.empty();
  }

}
