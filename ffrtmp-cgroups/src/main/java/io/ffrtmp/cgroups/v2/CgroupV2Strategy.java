package io.ffrtmp.cgroups.v2;

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
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code cgroup-v2} backend: one cgroup per workload in the unified hierarchy, found from
 * {@code /proc/self/mountinfo} (a {@code cgroup2} mount) and {@code /proc/self/cgroup} ({@code
 * 0::/path}).
 *
 * <p>Parent rule (the first that applies):
 *
 * <ol>
 *   <li>a configured parent ({@code withCgroupParent}, {@code -Dffrtmp.cgroup.parent}), created
 *       if missing;
 *   <li>the JVM is in the root cgroup ({@code 0::/}): the root, so workloads are {@code
 *       /ffrtmp-wrapper-<id>} as in the operator guide; the root is exempt from the
 *       no-internal-processes rule;
 *   <li>otherwise the JVM's own cgroup (a systemd service, a delegated {@code user@.service}
 *       subtree): workloads become its children, so systemd's {@code KillMode=control-group}
 *       still stops them. Because a cgroup with processes cannot enable controllers for its
 *       children (the no-internal-processes rule), the JVM first moves itself into a leaf
 *       {@code <own>/ffrtmp-supervisor} that it creates, then enables the controllers in
 *       {@code <own>/cgroup.subtree_control}. This is done only when the JVM is the only process
 *       in its cgroup; otherwise the backend is unusable and says why.
 * </ol>
 *
 * <p>Controllers {@code cpu} and {@code memory} are required ({@code io} is used when
 * available); each missing one is named by the probe. Hybrid hosts whose cgroup2 mount has only
 * {@code hugetlb} (the machines here) therefore never select this backend.
 */
public final class CgroupV2Strategy implements GovernanceStrategy {
  /** The backend's name. */
  public static final String NAME = "cgroup-v2";

  /** The leaf the JVM moves into when its own cgroup must hand controllers down. */
  static final String SUPERVISOR_LEAF = "ffrtmp-supervisor";

  static final List<String> REQUIRED = List.of("cpu", "memory");

  /** The controllers a workload's parent hands down where the kernel has them. */
  private static final List<String> WANTED = List.of("cpu", "memory", "io", "pids");

  private final CgroupFs fs;
  private final Path procSelf;
  private final Path sysBlock;
  private final StaleSweeper sweeper = new StaleSweeper();
  /**
   * The layout found at the first start, kept: after a move into {@value #SUPERVISOR_LEAF},
   * {@code /proc/self/cgroup} names the leaf, but the parent stays the original cgroup.
   */
  private volatile @Nullable Layout layout;

  /** The real backend. */
  public CgroupV2Strategy() {
    this(CgroupFs.REAL, Path.of("/proc/self"));
  }

  /**
   * A backend over an injected cgroupfs and /proc directory (tests).
   *
   * @param fs the cgroupfs
   * @param procSelf the directory holding {@code mountinfo} and {@code cgroup}
   */
  public CgroupV2Strategy(CgroupFs fs, Path procSelf) {
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
  public CgroupV2Strategy(CgroupFs fs, Path procSelf, Path sysBlock) {
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
    return 300;
  }

  /**
   * Where things are.
   *
   * @param mountPoint the cgroup2 mount point
   * @param ownPath the JVM's cgroup path, e.g. {@code /} or {@code /system.slice/x.service}
   */
  record Layout(Path mountPoint, String ownPath, boolean readOnly) {
    Path dirOf(String cgroupPath) {
      String rel = cgroupPath.replaceFirst("^/+", "");
      return rel.isEmpty() ? mountPoint : mountPoint.resolve(rel);
    }
  }

  @Nullable Layout layout() throws IOException {
    MountInfo mi = MountInfo.parse(fs.read(procSelf.resolve("mountinfo")));
    ProcCgroup self = ProcCgroup.parse(fs.read(procSelf.resolve("cgroup")));
    for (MountInfo.Mount m : mi.mounts()) {
      if (m.fsType().equals("cgroup2")) {
        String own = self.v2() == null ? "/" : self.v2();
        // a mount whose root is not "/" (a cgroup namespace or a bind mount) shows paths below it
        if (!m.root().equals("/") && own.startsWith(m.root())) {
          own = own.substring(m.root().length());
        }
        return new Layout(Path.of(m.mountPoint()), own.isEmpty() ? "/" : own, m.readOnly());
      }
    }
    return null;
  }

  private Set<String> controllers(Path dir) throws IOException {
    return Set.of(fs.read(dir.resolve("cgroup.controllers")).trim().split("\\s+"));
  }

  @Override
  public Availability probe() {
    Layout l;
    try {
      l = layout();
    } catch (IOException e) {
      return Availability.unusable("cannot read /proc/self: " + CgroupFs.reason(e));
    }
    if (l == null) {
      return Availability.unusable("no cgroup2 file system is mounted");
    }
    Path own = l.dirOf(l.ownPath());
    Set<String> available;
    try {
      available = controllers(own);
    } catch (IOException e) {
      return Availability.unusable("cannot read " + own.resolve("cgroup.controllers") + ": "
          + CgroupFs.reason(e));
    }
    List<String> missing = new ArrayList<>();
    for (String c : REQUIRED) {
      if (!available.contains(c)) {
        missing.add(c);
      }
    }
    if (!missing.isEmpty()) {
      return Availability.unusable("cgroup v2 at " + l.mountPoint() + " lacks controller(s) "
          + String.join(", ", missing) + " (available: "
          + (available.isEmpty() || available.contains("") ? "none" : String.join(" ", available))
          + ")");
    }
    if (l.readOnly()) {
      return Availability.unusable(READ_ONLY + " (" + l.mountPoint() + ")");
    }
    if (!fs.writable(own) || !fs.writable(own.resolve("cgroup.subtree_control"))) {
      return Availability.unusable("permission denied: cannot create cgroups in " + own
          + " (run as root or use a delegated subtree, systemd Delegate=yes)");
    }
    return Availability.usable("cgroup v2 at " + l.mountPoint() + ", parent " + l.ownPath());
  }

  @Override
  public Governance prepare(GovernanceRequest request) throws IOException {
    Layout l = layout;
    if (l == null) {
      l = layout();
      layout = l;
    }
    if (l == null) {
      throw new IOException("no cgroup2 file system is mounted");
    }
    String parentPath;
    List<String> wanted = wanted(request.constraints());
    if (request.cgroupParent() != null) {
      parentPath = request.cgroupParent();
      Path p = l.dirOf(parentPath);
      if (!fs.exists(p)) {
        fs.mkdir(p);
      }
      enableControllers(l, parentPath, wanted);
    } else if (l.ownPath().equals("/") && isTheRealRoot(l)) {
      parentPath = "/";
      enableControllers(l, "/", wanted);
    } else {
      parentPath = l.ownPath();
      prepareOwnCgroup(l);
      if (wanted != WANTED) {
        enableControllers(l, parentPath, wanted);
      }
    }
    Path parent = l.dirOf(parentPath);
    sweeper.sweepOnce(fs, parent);
    String leaf = UniqueLeaf.create(fs, List.of(parent), request.jobId());
    String path = (parentPath.endsWith("/") ? parentPath : parentPath + "/") + leaf;
    V2Governance g = new V2Governance(fs, parent.resolve(leaf), path, l.mountPoint(), sysBlock);
    g.applyLimits(request.constraints());
    return g;
  }

  /** The probe's reason on a read-only cgroupfs (the Kubernetes default for containers). */
  static final String READ_ONLY = "the cgroup2 file system is mounted read-only here, so no"
      + " cgroup can be created: mount /sys/fs/cgroup read-write in the container (e.g. docker"
      + " run --cgroupns=private with a writable cgroup mount, or a privileged container)";

  /**
   * Whether the JVM's {@code /} is the machine's root cgroup, which the no-internal-processes
   * rule exempts, and not the root of a cgroup namespace (a container's cgroup, which it does
   * not exempt): only a non-root cgroup has {@code cgroup.type}.
   */
  private boolean isTheRealRoot(Layout l) {
    return !fs.exists(l.mountPoint().resolve("cgroup.type"));
  }

  /**
   * Makes the JVM's own (non-root) cgroup able to hand controllers to children: if they are
   * not enabled yet, the JVM moves into its leaf {@value #SUPERVISOR_LEAF} first. In a cgroup
   * namespace (a container) the JVM's cgroup is the namespace's root, {@code /}, and the same
   * holds: BenchExec and systemd in a container move themselves into a leaf first, too.
   */
  private synchronized void prepareOwnCgroup(Layout l) throws IOException {
    Path own = l.dirOf(l.ownPath());
    Set<String> enabled = Set.of(fs.read(own.resolve("cgroup.subtree_control")).trim().split("\\s+"));
    if (enabled.containsAll(REQUIRED)) {
      return;
    }
    String procs = fs.read(own.resolve("cgroup.procs")).trim();
    String me = Long.toString(ProcessHandle.current().pid());
    if (!procs.isEmpty() && !procs.equals(me)) {
      List<String> others = new ArrayList<>(List.of(procs.split("\\s+")));
      others.remove(me);
      throw new IOException("cannot enable cpu and memory for children of " + own
          + ": other processes (pids " + String.join(" ", others) + ") share this JVM's cgroup,"
          + " and a cgroup with processes cannot hand controllers to children (the"
          + " no-internal-processes rule); run the JVM as the only process of its cgroup (in a"
          + " container: exec it from the entrypoint instead of leaving a shell as PID 1), or"
          + " configure a parent with --cgroup-parent / -Dffrtmp.cgroup.parent");
    }
    Path leaf = own.resolve(SUPERVISOR_LEAF);
    if (!fs.exists(leaf)) {
      fs.mkdir(leaf);
    }
    if (!procs.isEmpty()) {
      fs.write(leaf.resolve("cgroup.procs"), me);
    }
    enableControllers(l, l.ownPath(), WANTED);
  }

  /**
   * The controllers to hand down for a request: {@link #WANTED}, and {@code cpuset} only for a
   * workload confined to CPUs or memory nodes (no other workload needs its files).
   */
  private static List<String> wanted(io.ffrtmp.Constraints c) {
    if (!c.isRequested(io.ffrtmp.Constraint.CPUS)
        && !c.isRequested(io.ffrtmp.Constraint.MEMORY_NODES)) {
      return WANTED;
    }
    List<String> w = new ArrayList<>(WANTED);
    w.add("cpuset");
    return w;
  }

  private void enableControllers(Layout l, String cgroupPath, List<String> wanted)
      throws IOException {
    Path dir = l.dirOf(cgroupPath);
    Set<String> enabled = Set.of(fs.read(dir.resolve("cgroup.subtree_control")).trim().split("\\s+"));
    if (enabled.containsAll(wanted)) {
      return; // the common case, on every launch: one read, not two
    }
    Set<String> available = controllers(dir);
    StringBuilder add = new StringBuilder();
    for (String c : wanted) {
      if (available.contains(c) && !enabled.contains(c)) {
        add.append(add.length() == 0 ? "" : " ").append('+').append(c);
      }
    }
    if (add.length() > 0) {
      fs.write(dir.resolve("cgroup.subtree_control"), add.toString());
    }
  }

  @Override
  public Governance restore(java.util.Map<String, String> state,
      java.util.Map<String, String> finalCounters) throws IOException {
    String path = state.get("path");
    String dir = state.get("dir");
    String mount = state.get("mount");
    if (path == null || dir == null || mount == null) {
      throw new IOException("incomplete cgroup-v2 state: " + state);
    }
    return new V2Governance(new RecordedFs(fs, finalCounters), Path.of(dir), path,
        Path.of(mount), sysBlock);
  }
}
