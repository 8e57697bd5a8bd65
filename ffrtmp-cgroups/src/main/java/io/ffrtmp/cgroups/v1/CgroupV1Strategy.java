package io.ffrtmp.cgroups.v1;

import io.ffrtmp.Constraint;
import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.MountInfo;
import io.ffrtmp.cgroups.RecordedFs;
import io.ffrtmp.cgroups.ProcCgroup;
import io.ffrtmp.cgroups.StaleSweeper;
import io.ffrtmp.cgroups.UniqueLeaf;
import io.ffrtmp.spi.Availability;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceRequest;
import io.ffrtmp.spi.GovernanceStrategy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code cgroup-v1} backend: one cgroup per workload in each v1 hierarchy it needs ({@code
 * cpu}, {@code cpuacct}, {@code memory}, {@code blkio}, {@code freezer}; co-mounted hierarchies
 * such as {@code cpu,cpuacct} count once), found from {@code /proc/self/mountinfo}.
 *
 * <p>A launched workload (run mode) is not placed in {@code cpuacct} (unless co-mounted with
 * {@code cpu}) and in {@code blkio} only when it asks for an IO weight: its CPU time and IO come
 * from its keeper ({@link V1Governance#KEEPER_CPU}, {@link V1Governance#KEEPER_IO}). An adopted
 * one (attach mode) is placed in every hierarchy found.
 *
 * <p>Parent rule: the configured parent if any, else the JVM's own cgroup in each hierarchy
 * (from {@code /proc/self/cgroup}), so a workload stays inside the limits and accounting of
 * whatever supervises the JVM; the leaf name {@code ffrtmp-wrapper-<job id>} is the same in
 * every hierarchy, and the report's {@code cgroup_path} is the path in the {@code cpu}
 * hierarchy.
 */
public final class CgroupV1Strategy implements GovernanceStrategy {
  /** The backend's name. */
  public static final String NAME = "cgroup-v1";

  /** The controllers a workload is placed in, when mounted; cpu and memory are required. */
  static final List<String> WANTED =
      List.of("cpu", "cpuacct", "memory", "blkio", "freezer", "pids", "cpuset");

  private final CgroupFs fs;
  private final Path procSelf;
  private final Path sysBlock;
  private final StaleSweeper sweeper = new StaleSweeper();
  /** The hierarchies under the default parent rule, read once (mounts do not move under us). */
  private volatile @Nullable Map<String, Parent> defaultHierarchies;

  /** The real backend: real cgroupfs, this process's {@code /proc/self}. */
  public CgroupV1Strategy() {
    this(CgroupFs.REAL, Path.of("/proc/self"));
  }

  /**
   * A backend over an injected cgroupfs and /proc directory (tests).
   *
   * @param fs the cgroupfs
   * @param procSelf the directory holding {@code mountinfo} and {@code cgroup}
   */
  public CgroupV1Strategy(CgroupFs fs, Path procSelf) {
    this(fs, procSelf, Path.of("/sys/block"));
  }

  /**
   * A backend over an injected cgroupfs, /proc directory and block device directory (tests).
   *
   * @param fs the cgroupfs
   * @param procSelf the directory holding {@code mountinfo} and {@code cgroup}
   * @param sysBlock the block devices ({@code /sys/block}), whose IO schedulers decide whether
   *     an IO weight takes effect
   */
  public CgroupV1Strategy(CgroupFs fs, Path procSelf, Path sysBlock) {
    this.fs = fs;
    this.procSelf = procSelf;
    this.sysBlock = sysBlock;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 200;
  }

  /**
   * A parent cgroup in one hierarchy.
   *
   * @param dir its directory
   * @param path its path relative to the hierarchy's root, e.g. {@code /} or {@code /a/b}
   */
  record Parent(Path dir, String path, MountInfo.Mount mount) {
    /** The directory of another cgroup path in the same hierarchy. */
    Path dirOf(String cgroupPath) {
      String rel = relativeTo(mount.root(), cgroupPath);
      return rel.isEmpty() ? Path.of(mount.mountPoint()) : Path.of(mount.mountPoint(), rel);
    }
  }

  /**
   * The hierarchies found: controller name to the parent cgroup there.
   *
   * @param parentOverride a configured parent path, or null for the JVM's own cgroup
   * @return the parent per wanted controller that is mounted
   * @throws IOException if /proc cannot be read
   */
  Map<String, Parent> hierarchies(@Nullable String parentOverride) throws IOException {
    MountInfo mi = MountInfo.parse(fs.read(procSelf.resolve("mountinfo")));
    ProcCgroup self = ProcCgroup.parse(fs.read(procSelf.resolve("cgroup")));
    Map<String, Parent> out = new LinkedHashMap<>();
    for (String ctrl : WANTED) {
      for (MountInfo.Mount m : mi.mounts()) {
        if (m.fsType().equals("cgroup") && m.controllers().contains(ctrl)) {
          String own = parentOverride != null ? parentOverride : self.v1().getOrDefault(ctrl, "/");
          String rel = relativeTo(m.root(), own);
          Path dir = rel.isEmpty() ? Path.of(m.mountPoint()) : Path.of(m.mountPoint(), rel);
          out.put(ctrl, new Parent(dir, "/" + rel, m));
          break;
        }
      }
    }
    return out;
  }

  static String relativeTo(String mountRoot, String cgroupPath) {
    String p = cgroupPath;
    if (!mountRoot.equals("/") && p.startsWith(mountRoot)) {
      p = p.substring(mountRoot.length());
    }
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    return p;
  }

  @Override
  public Availability probe() {
    Map<String, Parent> h;
    try {
      h = hierarchies(null);
    } catch (IOException e) {
      return Availability.unusable("cannot read /proc/self/mountinfo: " + CgroupFs.reason(e));
    }
    List<String> missing = new ArrayList<>();
    for (String required : List.of("cpu", "memory")) {
      if (!h.containsKey(required)) {
        missing.add(required);
      }
    }
    if (!missing.isEmpty()) {
      return Availability.unusable(
          "no cgroup v1 hierarchy for controller(s) " + String.join(", ", missing));
    }
    for (Parent p : h.values()) {
      if (!fs.writable(p.dir())) {
        return Availability.unusable(
            "permission denied: cannot create cgroups in " + p.dir()
                + " (run as root or delegate the subtree)");
      }
    }
    return Availability.usable("cgroup v1 hierarchies for " + String.join(", ", h.keySet()));
  }

  @Override
  public Governance prepare(GovernanceRequest request) throws IOException {
    Map<String, Parent> parents;
    if (request.cgroupParent() != null) {
      parents = hierarchies(request.cgroupParent());
    } else {
      parents = defaultHierarchies;
      if (parents == null) {
        parents = hierarchies(null);
        defaultHierarchies = parents;
      }
    }
    Parent cpu = parents.get("cpu");
    if (cpu == null || !parents.containsKey("memory")) {
      throw new IOException("cgroup v1 cpu or memory hierarchy not mounted");
    }
    // what an earlier JVM left behind is collected in every hierarchy, used now or not
    for (Path p : parents.values().stream().map(Parent::dir).distinct().toList()) {
      sweeper.sweepOnce(fs, p);
    }
    if (request.launched()) {
      // the keeper's own accounting gives a launched workload's CPU time and IO
      // (V1Governance.KEEPER_CPU, KEEPER_IO): cpuacct is not needed, blkio only carries a
      // weight or throttling, pids only a limit (and its count of refused forks), and each
      // hierarchy less is one mkdir, join and rmdir less
      Map<String, Parent> used = new LinkedHashMap<>(parents);
      Parent acct = used.get("cpuacct");
      if (acct != null && !acct.dir().equals(cpu.dir())) { // co-mounted: it costs nothing
        used.remove("cpuacct");
      }
      if (!request.constraints().isRequested(Constraint.IO_WEIGHT)
          && !request.constraints().isRequested(Constraint.IO_MAX)) {
        used.remove("blkio");
      }
      if (!request.constraints().isRequested(Constraint.PIDS_MAX)) {
        used.remove("pids");
      }
      parents = used;
    }
    if (!request.constraints().isRequested(Constraint.CPUS)
        && !request.constraints().isRequested(Constraint.MEMORY_NODES)) {
      // a cpuset cgroup confines: joined only by a workload that asks for it, adopted too
      Map<String, Parent> used = new LinkedHashMap<>(parents);
      used.remove("cpuset");
      parents = used;
    }
    // co-mounted controllers share one directory: create it once
    List<Path> distinct = parents.values().stream().map(Parent::dir).distinct().toList();
    String leaf = UniqueLeaf.create(fs, distinct, request.jobId());
    Map<String, Path> dirs = new LinkedHashMap<>();
    parents.forEach((c, p) -> dirs.put(c, p.dir().resolve(leaf)));
    String path = (cpu.path().endsWith("/") ? cpu.path() : cpu.path() + "/") + leaf;
    V1Governance g = new V1Governance(fs, dirs, path, parents, sysBlock);
    g.applyLimits(request.constraints());
    return g;
  }

  @Override
  public Governance restore(Map<String, String> state, Map<String, String> finalCounters)
      throws IOException {
    Map<String, Path> dirs = new LinkedHashMap<>();
    state.forEach((k, v) -> {
      if (k.startsWith("dir.")) {
        dirs.put(k.substring(4), Path.of(v));
      }
    });
    String path = state.get("path");
    if (path == null || !dirs.containsKey("cpu") || !dirs.containsKey("memory")) {
      throw new IOException("incomplete cgroup-v1 state: " + state);
    }
    return new V1Governance(new RecordedFs(fs, finalCounters), dirs, path, Map.of(), sysBlock);
  }
}
