package io.ffrtmp.internal;

import io.ffrtmp.Constraint;
import io.ffrtmp.ConstraintChanges;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.WorkloadUpdate;
import io.ffrtmp.internal.os.Errno;
import io.ffrtmp.internal.os.Posix;
import io.ffrtmp.internal.os.ProcFs;
import io.ffrtmp.spi.Governance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One change of a running workload's constraints, written once for every mode and for {@code
 * ffrtmp update} in another process: the process attributes (nice on every thread, the OOM
 * score) of the workload's processes first, then the backend's cgroup constraints ({@link
 * Governance#update}). A change that does not take is put back to what it was; in strict mode,
 * when one is not in force, every change is put back and the update counts as refused.
 */
final class Updates {
  private Updates() {}

  /** A process attribute's previous value, to put back. */
  private record Undo(@Nullable Path oomFile, int tid, long previous) {}

  /**
   * Makes the update.
   *
   * @param governance the workload's governance
   * @param changes the new values
   * @param strict whether it must be all or nothing
   * @param processes the workload's processes (not its keeper)
   * @return the update, with an entry per changed constraint in {@link Constraint} order
   */
  static WorkloadUpdate apply(Governance governance, ConstraintChanges changes, boolean strict,
      List<Long> processes) {
    Instant at = Instant.now();
    Map<Constraint, Long> wanted = changes.values();
    List<Undo> undo = new ArrayList<>();
    List<Enforcement> attributes = new ArrayList<>();
    if (wanted.containsKey(Constraint.NICE)) {
      attributes.add(nice((int) (long) wanted.get(Constraint.NICE), processes, undo));
    }
    if (wanted.containsKey(Constraint.OOM_SCORE)) {
      attributes.add(oomScore((int) (long) wanted.get(Constraint.OOM_SCORE), processes, undo));
    }
    boolean attributesHeld = attributes.stream().allMatch(Enforcement::enforced);
    List<Enforcement> cgroup;
    if (strict && !attributesHeld) {
      cgroup = new ArrayList<>();
      for (Constraint c : changes.requested().keySet()) {
        if (c.isCgroupConstraint()) {
          cgroup.add(new Enforcement(c, EnforcementStatus.FAILED, "-", notChanged()));
        }
      }
    } else {
      cgroup = governance.update(changes, strict);
    }
    boolean refused = strict && (!attributesHeld
        || cgroup.stream().anyMatch(e -> !e.enforced()));
    if (refused) {
      putBack(undo);
      attributes.replaceAll(e -> e.enforced() && e.status() == EnforcementStatus.APPLIED
          ? e.with(EnforcementStatus.FAILED, notChanged()) : e);
    }
    List<Enforcement> all = new ArrayList<>();
    Map<Constraint, String> requested = changes.requested();
    for (Constraint c : Constraint.values()) {
      if (!requested.containsKey(c)) {
        continue;
      }
      List<Enforcement> from = c.isCgroupConstraint() ? cgroup : attributes;
      from.stream().filter(e -> e.constraint() == c).findFirst().ifPresent(all::add);
    }
    return new WorkloadUpdate(at, requested, all, ProcessHandle.current().pid());
  }

  private static String notChanged() {
    return Governance.NOT_CHANGED;
  }

  private static Enforcement nice(int nice, List<Long> processes, List<Undo> undo) {
    Constraint key = Constraint.NICE;
    int threads = 0;
    List<Undo> mine = new ArrayList<>();
    for (long pid : processes) {
      for (int tid : ProcFs.threads(pid)) {
        long previous = ProcFs.threadNice(pid, tid).orElse(Long.MIN_VALUE);
        int err = Posix.setThreadNice(tid, nice);
        if (err == Posix.ESRCH) {
          continue; // ended meanwhile
        }
        if (err != 0) {
          putBack(mine);
          return new Enforcement(key, EnforcementStatus.FAILED, "setpriority",
              "setpriority(" + tid + ", " + nice + ") failed: " + Errno.describe(err)
                  + (nice < 0 ? " (a lower nice needs CAP_SYS_NICE or RLIMIT_NICE)" : "")
                  + "; the previous values put back");
        }
        if (previous != Long.MIN_VALUE) {
          mine.add(new Undo(null, tid, previous));
        }
        threads++;
      }
    }
    undo.addAll(mine);
    if (threads == 0) {
      return new Enforcement(key, EnforcementStatus.DEGRADED, "setpriority",
          "no process of the workload runs");
    }
    return new Enforcement(key, EnforcementStatus.APPLIED, "setpriority",
        "nice " + nice + " on " + threads + " thread(s) of " + processes.size() + " process(es)");
  }

  private static Enforcement oomScore(int score, List<Long> processes, List<Undo> undo) {
    Constraint key = Constraint.OOM_SCORE;
    int done = 0;
    List<Undo> mine = new ArrayList<>();
    for (long pid : processes) {
      Path f = Path.of("/proc/" + pid + "/oom_score_adj");
      long previous;
      try {
        previous = Long.parseLong(Files.readString(f).trim());
        Files.write(f, Integer.toString(score).getBytes(StandardCharsets.US_ASCII),
            StandardOpenOption.WRITE);
      } catch (IOException | NumberFormatException e) {
        if (ProcFs.stat(pid).isEmpty()) {
          continue; // ended meanwhile
        }
        putBack(mine);
        return new Enforcement(key, EnforcementStatus.FAILED, "oom_score_adj",
            "write of " + f + " failed: " + (e instanceof IOException io ? Errno.describe(io)
                : e.toString()) + (score < 0 ? " (a lower OOM score needs CAP_SYS_RESOURCE)"
                    : "") + "; the previous values put back");
      }
      mine.add(new Undo(f, 0, previous));
      done++;
    }
    undo.addAll(mine);
    if (done == 0) {
      return new Enforcement(key, EnforcementStatus.DEGRADED, "oom_score_adj",
          "no process of the workload runs");
    }
    return new Enforcement(key, EnforcementStatus.APPLIED, "oom_score_adj",
        score + " on " + done + " process(es)");
  }

  private static void putBack(List<Undo> undo) {
    for (int i = undo.size() - 1; i >= 0; i--) {
      Undo u = undo.get(i);
      if (u.oomFile() != null) {
        try {
          Files.write(u.oomFile(), Long.toString(u.previous())
              .getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE);
        } catch (IOException e) {
          // ended meanwhile, or no longer ours: nothing to put back
        }
      } else {
        Posix.setThreadNice(u.tid(), (int) u.previous());
      }
    }
  }

  /**
   * The workload's processes, for its process attributes: the members of its cgroup but the
   * keeper, or, without a cgroup, the process and its descendants.
   *
   * @param governance its governance
   * @param pid the workload's pid
   * @param keeper its keeper's pid, or 0
   * @return the pids
   */
  static List<Long> processes(Governance governance, long pid, long keeper) {
    List<Long> out = new ArrayList<>(governance.members());
    out.remove(Long.valueOf(keeper));
    if (out.isEmpty() && pid > 0 && ProcFs.stat(pid).isPresent()) {
      out.add(pid);
      out.addAll(ProcFs.descendants(pid));
    }
    return out;
  }
}
