package io.ffrtmp.cgroups.v2;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.Usage;
import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.CgroupGovernance;
import io.ffrtmp.cgroups.ControlFiles;
import io.ffrtmp.cgroups.ControlWrite;
import io.ffrtmp.cgroups.IoSchedulers;
import io.ffrtmp.cgroups.LimitTable;
import io.ffrtmp.cgroups.MemberSignals;
import io.ffrtmp.cgroups.ProcCgroup;
import io.ffrtmp.cgroups.UnifiedCounters;
import io.ffrtmp.cgroups.UnifiedLimits;
import io.ffrtmp.spi.Processes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One workload's cgroup in the unified (v2) hierarchy. */
final class V2Governance extends CgroupGovernance {
  private static final Logger LOG = LoggerFactory.getLogger(V2Governance.class);

  /** System property: {@code false} leaves {@code memory.oom.group} at the kernel's 0. */
  static final String OOM_GROUP_PROPERTY = "ffrtmp.cgroup.oomGroup";

  /** The v2 mapping: the unified hierarchy's ({@link UnifiedLimits#TABLE}). */
  static final LimitTable LIMITS = UnifiedLimits.TABLE;

  private final Path dir;
  private final String cgroupPath;
  private final Path mountPoint;

  private final Path sysBlock;

  V2Governance(CgroupFs fs, Path dir, String cgroupPath, Path mountPoint, Path sysBlock) {
    super(fs, LIMITS);
    this.sysBlock = sysBlock;
    this.dir = dir;
    this.cgroupPath = cgroupPath;
    this.mountPoint = mountPoint;
  }

  @Override
  protected Path dirOf(String controller) {
    return dir;
  }

  /** io.weight is iocost's and works only where it is enabled; io.bfq.weight only under bfq. */
  @Override
  protected @Nullable String ineffective(ControlWrite write) {
    switch (write.file()) {
      case "io.weight":
        return IoSchedulers.whyIocostOff(fs, mountPoint.resolve("io.cost.qos"));
      case "io.bfq.weight":
        return IoSchedulers.whyNotInUse(sysBlock, "bfq");
      default:
        return null;
    }
  }

  @Override
  protected List<Path> dirs() {
    return List.of(dir);
  }

  /** An OOM kill takes the whole workload: {@code memory.oom.group = 1} with a memory limit. */
  @Override
  protected void afterLimits(Constraints c, List<Enforcement> entries) {
    boolean memoryApplied = entries.stream().anyMatch(e ->
        e.constraint() == Constraint.MEMORY_LIMIT_MB
            && e.status() == EnforcementStatus.APPLIED);
    if (memoryApplied && !"false".equals(System.getProperty(OOM_GROUP_PROPERTY))) {
      Enforcement g = ControlFiles.write(fs, Constraint.MEMORY_LIMIT_MB,
          dir.resolve("memory.oom.group"), "1", "0", back -> back.trim().equals("1"));
      if (g.status() != EnforcementStatus.APPLIED) {
        warn("memory.oom.group not set: an OOM kill may take part of the workload only ("
            + g.detail() + ")");
      }
    }
  }

  @Override
  public @Nullable String cgroupPath() {
    return cgroupPath;
  }

  @Override
  public List<Path> joinFiles() {
    return List.of(dir.resolve("cgroup.procs"));
  }

  @Override
  public void adopt(long pid) throws IOException {
    fs.write(dir.resolve("cgroup.procs"), Long.toString(pid));
  }

  @Override
  public void moveBack(long pid, String originalCgroups) throws IOException {
    String path = ProcCgroup.parse(originalCgroups).v2();
    if (path == null) {
      return;
    }
    String rel = path.replaceFirst("^/+", "");
    Path target = rel.isEmpty() ? mountPoint : mountPoint.resolve(rel);
    fs.write(target.resolve("cgroup.procs"), Long.toString(pid));
  }

  /** What usage() reads, for the keeper's exit record. */
  @Override
  public List<Path> finalCounters() {
    return UnifiedCounters.files(dir);
  }

  /** The cgroup path, its directory and the mount point. */
  @Override
  public java.util.Map<String, String> state() {
    return java.util.Map.of("path", cgroupPath, "dir", dir.toString(), "mount",
        mountPoint.toString());
  }

  /**
   * Every member: {@code cgroup.kill} where the kernel has it, else while frozen. The launch
   * keeper is normally outside the cgroup (the workload was cloned into it); where it had to
   * join (a kernel or a seccomp profile that refuses {@code clone3}, as some container runtimes'
   * do) it is spared — {@code cgroup.kill} is then not used — so that it records the end.
   */
  @Override
  public void signalAll(int signal, long keeper) {
    Path procs = dir.resolve("cgroup.procs");
    long spared = 0;
    try {
      spared = keeper != 0 && ControlFiles.pids(fs, procs).contains(keeper) ? keeper : 0;
    } catch (IllegalArgumentException e) {
      LOG.debug("cannot read the members of {}: {}", dir, e.toString());
    }
    if (signal == Processes.SIGKILL && spared == 0 && fs.exists(dir.resolve("cgroup.kill"))) {
      try {
        fs.write(dir.resolve("cgroup.kill"), "1");
        return;
      } catch (IOException e) {
        LOG.debug("cgroup.kill failed for {}: {}", dir, e.toString());
      }
    }
    if (signal == Processes.SIGKILL && fs.exists(dir.resolve("cgroup.freeze"))) {
      Path events = dir.resolve("cgroup.events");
      MemberSignals.signalFrozen(fs, new MemberSignals.Freezer(dir.resolve("cgroup.freeze"), "1",
          "0", () -> Long.valueOf(1).equals(ControlFiles.keyed(fs.read(events), "frozen"))),
          procs, signal, spared);
      return;
    }
    MemberSignals.signalMembers(fs, procs, signal, spared);
  }

  /**
   * A populated cpuset cannot be emptied ({@code ENOSPC}): lifting a list writes the parent's
   * effective set ({@code cpuset.cpus.effective}, {@code cpuset.mems.effective}).
   */
  @Override
  protected String liftContent(ControlWrite write) {
    Path parent = dir.getParent();
    if (!write.controller().equals("cpuset") || parent == null) {
      return write.kernelDefault();
    }
    String from = ControlFiles.readText(fs, parent.resolve(write.file() + ".effective"));
    return from == null ? write.kernelDefault() : from.trim();
  }

  @Override
  public @Nullable Path pressureFile(String resource) {
    return dir.resolve(resource + ".pressure");
  }

  @Override
  protected @Nullable Long memoryInUse() {
    return ControlFiles.readLong(fs, dir.resolve("memory.current"));
  }

  @Override
  protected Usage usage(CgroupFs from) {
    return UnifiedCounters.read(from, dir);
  }
}
