package io.ffrtmp.internal;

import io.ffrtmp.internal.os.ProcFs;
import io.ffrtmp.internal.keeper.ShimCommand;
import io.ffrtmp.internal.keeper.StartRecord;
import io.ffrtmp.internal.keeper.StateDir;
import io.ffrtmp.internal.keeper.Trust;
import io.ffrtmp.spi.CgroupNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether a process is already governed by a run of ffrtmp — of this JVM or of any other: the
 * launch keeper of a run ({@code ffrtmp-shim} with the keeper flag on its command line), its
 * workload (the keeper's child), or a member of a run's cgroup or scope while that run's keeper
 * lives. Adopting any of them would move a governed workload (or its keeper) out of the cgroup
 * whose limits its report says were applied. What is found is read from {@code /proc} and
 * cgroupfs, readable by every user, so no JVM's memory and no record is needed; the job is named
 * from the keeper's start record where this user can read it, else by its record name (which
 * holds the safe job id).
 */
final class Governed {
  private static final String SHIM = "ffrtmp-shim";

  private Governed() {}

  /**
   * Why {@code pid} may not be adopted, if it is governed already.
   *
   * @param pid the process
   * @return e.g. {@code is the launch keeper of job job-7 (pid 1234)}, or empty
   */
  static Optional<String> why(long pid) {
    // the parent first: between its fork and its exec the workload still carries the keeper's
    // command line, and a keeper's own parent is a JVM, never a keeper
    long parent = ProcFs.stat(pid).map(ProcFs.Stat::ppid).orElse(0L);
    if (parent > 1) {
      Optional<String> k = keeperOf(parent);
      if (k.isPresent()) {
        return Optional.of("is the workload of " + k.get() + ", under its launch keeper (pid "
            + parent + ")");
      }
    }
    Optional<String> keeper = keeperOf(pid);
    if (keeper.isPresent()) {
      return Optional.of("is the launch keeper of " + keeper.get());
    }
    List<String> cgroups = ffrtmpCgroups(pid);
    for (String cgroup : cgroups) {
      Optional<String> run = liveRunIn(cgroup);
      if (run.isPresent()) {
        return Optional.of("is in the cgroup " + cgroup + " of " + run.get());
      }
    }
    return recorded(pid, cgroups);
  }

  /**
   * What no keeper says — a process adopted in attach mode (it has none), a workload whose
   * keeper was killed — this user's start records do: a record of the process itself (pid and
   * start time) or of a cgroup it is in. Its governor may live (in another JVM) or have ended
   * (then the record awaits a recovery, which taking the process would spoil). Records of
   * another user are not readable: such an adoption is recognised by its keeper only.
   */
  private static Optional<String> recorded(long pid, List<String> cgroups) {
    Optional<StateDir> dir = StateDir.current();
    long start = ProcFs.stat(pid).map(ProcFs.Stat::startTime).orElse(-1L);
    if (dir.isEmpty() || start < 0) {
      return Optional.empty();
    }
    // a process in no cgroup of ffrtmp's: only an adoption names it, in its record's name; a
    // member of one: any record naming that cgroup (read all: rare, and refused either way)
    List<StartRecord> records = cgroups.isEmpty() ? dir.get().adoptionsOf(pid, start)
        : dir.get().readAllAgents(new ArrayList<>());
    for (StartRecord r : records) {
      boolean itself = r.pids().pid() == pid && r.pids().startTime() == start;
      String cgroup = r.cgroupPath();
      if (!itself && (cgroup == null || !cgroups.contains(cgroup))) {
        continue;
      }
      String what = itself ? (r.attached() ? "was adopted as" : "is the workload of")
          : "is in the cgroup " + cgroup + " of";
      String by = Trust.alive(r.governorPid(), r.governorStartTime())
          ? "governed by the JVM pid " + r.governorPid()
          : "whose governing JVM ended: it awaits a recovery (Workload.recover, ffrtmp wait)";
      return Optional.of(what + " job " + r.jobId() + " (" + (r.attached() ? "attach" : "run")
          + " mode), " + by);
    }
    return Optional.empty();
  }

  /** The job whose keeper {@code pid} is, when it is one: {@code job <id> (pid <pid>)}. */
  static Optional<String> keeperOf(long pid) {
    List<String> argv = ProcFs.cmdline(pid);
    if (argv.isEmpty() || !baseName(argv.get(0)).equals(SHIM) || !ShimCommand.isKeeper(argv)) {
      return Optional.empty();
    }
    return Optional.of(jobOf(argv) + " (pid " + pid + ")");
  }

  /** The job of a keeper's command line: its start record lies beside its exit record. */
  private static String jobOf(List<String> argv) {
    Optional<ShimCommand> c = ShimCommand.parse(argv);
    if (c.isEmpty()) {
      return "an ffrtmp run"; // not the layout of this version's keeper
    }
    String exitFile = c.get().exitFile().getFileName().toString();
    if (!exitFile.endsWith(".exit")) {
      return "an ffrtmp run";
    }
    String name = exitFile.substring(0, exitFile.length() - ".exit".length());
    try {
      return "job " + StateDir.readStart(c.get().exitFile().resolveSibling(name + ".start"))
          .jobId();
    } catch (IOException | RuntimeException e) {
      return "the run recorded as " + name;
    }
  }

  /** The cgroup paths of the process (any hierarchy) with a segment of ffrtmp's naming. */
  /**
   * Whether {@code pid} is in a cgroup of ffrtmp's, any run's: one read of its cgroup file.
   *
   * @param pid the process
   * @return false where it is in none (or gone)
   */
  static boolean inACgroupOfFfrtmps(long pid) {
    return !ffrtmpCgroups(pid).isEmpty();
  }

  private static List<String> ffrtmpCgroups(long pid) {
    List<String> out = new ArrayList<>();
    for (String path : ProcFs.cgroupPaths(pid)) {
      for (String segment : path.split("/")) {
        if (segment.startsWith(CgroupNames.PREFIX)) {
          out.add(path);
          break;
        }
      }
    }
    return out;
  }

  /**
   * The run that governs a cgroup, while its keeper lives: a member of the cgroup that is a
   * keeper (cgroup v1: it joins), or whose parent is (v2 and systemd: the workload is born in
   * it, the keeper stays outside).
   */
  private static Optional<String> liveRunIn(String cgroup) {
    for (long member : members(cgroup)) {
      Optional<String> k = keeperOf(member);
      if (k.isPresent()) {
        return k;
      }
      long parent = ProcFs.stat(member).map(ProcFs.Stat::ppid).orElse(0L);
      if (parent > 1) {
        k = keeperOf(parent);
        if (k.isPresent()) {
          return k;
        }
      }
    }
    return Optional.empty();
  }

  /** The processes in a cgroup of that path, in whichever hierarchy is mounted with it. */
  private static List<Long> members(String cgroup) {
    List<Long> out = new ArrayList<>();
    Path root = Path.of("/sys/fs/cgroup");
    List<Path> candidates = new ArrayList<>();
    candidates.add(root.resolve(cgroup.substring(1)));
    try (var hierarchies = Files.list(root)) {
      hierarchies.filter(Files::isDirectory).forEach(h -> candidates.add(h.resolve(
          cgroup.substring(1))));
    } catch (IOException e) {
      // only the unified path, then
    }
    for (Path dir : candidates) {
      for (String name : List.of("cgroup.procs", "tasks")) {
        try {
          for (String l : Files.readAllLines(dir.resolve(name))) {
            if (!l.isBlank()) {
              out.add(Long.parseLong(l.trim()));
            }
          }
          if (!out.isEmpty()) {
            return out;
          }
        } catch (IOException | NumberFormatException e) {
          // not this hierarchy
        }
      }
    }
    return out;
  }

  private static String baseName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
