package io.ffrtmp.cgroups.v1;

import io.ffrtmp.Constraint;
import io.ffrtmp.Usage;
import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.CgroupFsException;
import io.ffrtmp.cgroups.CgroupGovernance;
import io.ffrtmp.cgroups.ControlFiles;
import io.ffrtmp.cgroups.ControlWrite;
import io.ffrtmp.cgroups.IoSchedulers;
import io.ffrtmp.cgroups.LimitRule;
import io.ffrtmp.cgroups.LimitTable;
import io.ffrtmp.cgroups.MemberSignals;
import io.ffrtmp.cgroups.ProcCgroup;
import io.ffrtmp.cgroups.RecordedFs;
import io.ffrtmp.spi.Processes;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** One workload's cgroups in the v1 hierarchies. */
final class V1Governance extends CgroupGovernance {

  /**
   * The v1 mapping (the table in docs/ARCHITECTURE.md): {@code cpu.cfs_period_us = 100000}
   * then {@code cpu.cfs_quota_us = p * 1000}; {@code cpu.shares = max(2, w * 1024 / 100)};
   * {@code memory.limit_in_bytes = m * 1048576}; {@code blkio.weight} (else {@code
   * blkio.bfq.weight}) {@code = p * 10}; {@code pids.max = n}; {@code cpuset.cpus} and {@code
   * cpuset.mems} = the list (the other one its parent's); {@code
   * blkio.throttle.{read,write}_{bps,iops}_device} = {@code MAJ:MIN n} per device and key (0
   * removes a rule). No memory high or swap-only limit (degraded, saying why).
   */
  static final LimitTable LIMITS = LimitTable.of(
      LimitRule.of(Constraint.CPU_QUOTA,
          ControlWrite.of("cpu", "cpu.cfs_period_us", p -> "100000", "100000"),
          ControlWrite.of("cpu", "cpu.cfs_quota_us", p -> Long.toString(p * 1000), "-1")),
      LimitRule.of(Constraint.CPU_WEIGHT,
          ControlWrite.of("cpu", "cpu.shares", w -> Long.toString(Math.max(2, w * 1024 / 100)),
              "1024")),
      LimitRule.of(Constraint.MEMORY_LIMIT_MB,
          ControlWrite.of("memory", "memory.limit_in_bytes", m -> Long.toString(m * 1048576L),
              "-1")),
      LimitRule.firstAvailable(Constraint.IO_WEIGHT,
          "neither blkio.weight nor blkio.bfq.weight exists: the running IO scheduler has no"
              + " proportional weights (bfq is needed)",
          ControlWrite.of("blkio", "blkio.weight", p -> Long.toString(p * 10), "500"),
          ControlWrite.of("blkio", "blkio.bfq.weight", p -> Long.toString(p * 10), "100")),
      LimitRule.unsupported(Constraint.MEMORY_HIGH_MB, "cgroup v1 has no memory high limit"
          + " (memory.soft_limit_in_bytes only steers reclaim under the whole host's memory"
          + " pressure and never throttles): use cgroup v2, or a memory limit"),
      LimitRule.unsupported(Constraint.SWAP_MAX_MB, "cgroup v1 limits memory and swap only"
          + " together (memory.memsw.limit_in_bytes), not swap alone: use cgroup v2"),
      LimitRule.of(Constraint.PIDS_MAX,
          ControlWrite.of("pids", "pids.max", Long::toString, "max")),
      LimitRule.of(Constraint.CPUS, ControlWrite.list("cpuset", "cpuset.cpus")),
      LimitRule.of(Constraint.MEMORY_NODES, ControlWrite.list("cpuset", "cpuset.mems")),
      LimitRule.of(Constraint.IO_MAX,
          ControlWrite.ioLimits("blkio", "blkio.throttle.read_bps_device", 0),
          ControlWrite.ioLimits("blkio", "blkio.throttle.write_bps_device", 1),
          ControlWrite.ioLimits("blkio", "blkio.throttle.read_iops_device", 2),
          ControlWrite.ioLimits("blkio", "blkio.throttle.write_iops_device", 3)));

  /** controller -> the workload's cgroup directory (co-mounted controllers share one). */
  private final Map<String, Path> dirs;
  private final String cgroupPath;

  private final Path sysBlock;

  /** controller -> its hierarchy, to find a process's original cgroup again. */
  private final Map<String, CgroupV1Strategy.Parent> hierarchies;

  V1Governance(
      CgroupFs fs,
      Map<String, Path> dirs,
      String cgroupPath,
      Map<String, CgroupV1Strategy.Parent> hierarchies,
      Path sysBlock) {
    super(fs, LIMITS);
    this.sysBlock = sysBlock;
    this.dirs = Collections.unmodifiableMap(new LinkedHashMap<>(dirs));
    this.cgroupPath = cgroupPath;
    this.hierarchies = Collections.unmodifiableMap(new LinkedHashMap<>(hierarchies));
  }

  @Override
  protected @Nullable Path dirOf(String controller) {
    return dirs.get(controller);
  }

  /** blkio.weight works only under cfq, blkio.bfq.weight only under bfq. */
  @Override
  protected @Nullable String ineffective(ControlWrite write) {
    switch (write.file()) {
      case "blkio.weight":
        return IoSchedulers.whyNotInUse(sysBlock, "cfq");
      case "blkio.bfq.weight":
        return IoSchedulers.whyNotInUse(sysBlock, "bfq");
      default:
        return null;
    }
  }

  /**
   * The kernel refuses a {@code cpu.cfs_quota_us} above an ancestor's (EINVAL: v1 checks CFS
   * bandwidth down the hierarchy, a child's quota per period at most its ancestors'), which
   * "Invalid argument" alone does not say: such a refusal names the ancestor, its quota and
   * what to change.
   */
  @Override
  protected void writeControl(ControlWrite write, Path file, String value) throws IOException {
    try {
      super.writeControl(write, file, value);
    } catch (CgroupFsException e) {
      Path dir = file.getParent();
      String why = e.errno() == CgroupFsException.EINVAL
          && write.file().equals("cpu.cfs_quota_us") && dir != null
          ? ancestorsQuotaBelow(fs, dir, value) : null;
      if (why == null) {
        throw e;
      }
      CgroupFsException explained =
          new CgroupFsException(file.toString(), e.errno(), e.getReason() + " (" + why + ")");
      explained.initCause(e);
      throw explained;
    }
  }

  /**
   * The ancestor of a cpu cgroup with the smallest quota per period, described, when a quota
   * of {@code quota} per the cgroup's own period would exceed it; null otherwise.
   *
   * @param fs the cgroupfs
   * @param dir the cpu cgroup whose quota was refused
   * @param quota the quota refused, in microseconds per period
   * @return the description, or null
   */
  static @Nullable String ancestorsQuotaBelow(CgroupFs fs, Path dir, String quota) {
    Long period = ControlFiles.readLong(fs, dir.resolve("cpu.cfs_period_us"));
    long want;
    try {
      want = Long.parseLong(quota.trim());
    } catch (NumberFormatException e) {
      return null;
    }
    if (period == null || period <= 0 || want <= 0) {
      return null;
    }
    Path tightest = null;
    BigInteger tq = BigInteger.ZERO;
    BigInteger tp = BigInteger.ONE;
    // up to the hierarchy's root: above it no directory has the file
    for (Path p = dir.getParent(); p != null; p = p.getParent()) {
      Long q = ControlFiles.readLong(fs, p.resolve("cpu.cfs_quota_us"));
      if (q == null) {
        break;
      }
      Long pp = ControlFiles.readLong(fs, p.resolve("cpu.cfs_period_us"));
      if (pp != null && q > 0 && pp > 0) {
        BigInteger bq = BigInteger.valueOf(q);
        BigInteger bp = BigInteger.valueOf(pp);
        if (tightest == null || bq.multiply(tp).compareTo(tq.multiply(bp)) < 0) {
          tightest = p;
          tq = bq;
          tp = bp;
        }
      }
    }
    if (tightest == null
        || BigInteger.valueOf(want).multiply(tp).compareTo(tq.multiply(BigInteger.valueOf(period)))
            <= 0) {
      return null;
    }
    String percent = new BigDecimal(tq.multiply(BigInteger.valueOf(100)))
        .divide(new BigDecimal(tp), 2, RoundingMode.HALF_UP).stripTrailingZeros()
        .toPlainString();
    return "cgroup v1 lets no cgroup's CPU quota exceed an ancestor's, and " + tightest
        + " has cpu.cfs_quota_us " + tq + " per cpu.cfs_period_us " + tp + ", " + percent
        + " % of a CPU: ask for at most " + percent + " %, or raise that cgroup's quota";
  }

  /** A cpuset with tasks cannot be emptied: lifting a list writes the parent's set. */
  @Override
  protected String liftContent(ControlWrite write) {
    String set = write.controller().equals("cpuset")
        ? parentsSet(write.file().substring("cpuset.".length())) : null;
    return set == null ? write.kernelDefault() : set;
  }

  /**
   * The effective {@code cpus} or {@code mems} of the workload's cpuset parent (its own
   * setting where the kernel has no effective file), or null without a cpuset cgroup.
   */
  private @Nullable String parentsSet(String which) {
    Path cpuset = dirs.get("cpuset");
    Path parent = cpuset == null ? null : cpuset.getParent();
    if (parent == null) {
      return null;
    }
    String set = ControlFiles.readText(fs, parent.resolve("cpuset.effective_" + which));
    if (set == null) {
      set = ControlFiles.readText(fs, parent.resolve("cpuset." + which));
    }
    return set == null ? null : set.trim();
  }

  /**
   * A v1 cpuset cgroup takes no task while its {@code cpuset.cpus} or {@code cpuset.mems} is
   * empty, as a new one is: what the workload did not ask for (or a write that failed and was
   * reset) is filled with its parent's effective set, so it runs where its parent may.
   */
  @Override
  protected void afterLimits(io.ffrtmp.Constraints c, List<io.ffrtmp.Enforcement> entries) {
    Path cpuset = dirs.get("cpuset");
    if (cpuset == null) {
      return;
    }
    for (String f : List.of("cpus", "mems")) {
      Path file = cpuset.resolve("cpuset." + f);
      String now = ControlFiles.readText(fs, file);
      if (now != null && !now.isBlank()) {
        continue;
      }
      String from = parentsSet(f);
      try {
        fs.write(file, from == null ? "" : from);
      } catch (IOException e) {
        warn("cpuset." + f + " of the workload's cpuset cgroup could not be set to its"
            + " parent's: " + CgroupFs.reason(e));
      }
    }
  }

  @Override
  protected List<Path> dirs() {
    return dirs.values().stream().distinct().toList();
  }

  @Override
  public void adopt(long pid) throws IOException {
    for (Path dir : dirs()) {
      fs.write(dir.resolve("cgroup.procs"), Long.toString(pid));
    }
  }

  @Override
  public void moveBack(long pid, String originalCgroups) throws IOException {
    ProcCgroup original = ProcCgroup.parse(originalCgroups);
    IOException first = null;
    for (Map.Entry<String, Path> e : distinctByDir().entrySet()) {
      String path = original.v1().get(e.getKey());
      if (path == null) {
        continue;
      }
      try {
        fs.write(hierarchies.get(e.getKey()).dirOf(path).resolve("cgroup.procs"),
            Long.toString(pid));
      } catch (IOException ex) {
        if (first == null) {
          first = ex;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** One controller per distinct directory (co-mounted controllers share one). */
  private Map<String, Path> distinctByDir() {
    Map<String, Path> out = new LinkedHashMap<>();
    for (Map.Entry<String, Path> e : dirs.entrySet()) {
      if (!out.containsValue(e.getValue())) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  @Override
  public @Nullable String cgroupPath() {
    return cgroupPath;
  }

  /**
   * The {@code tasks} files: the launch shim writes 0 (its own, only thread) there, which the
   * kernel moves without the global threadgroup lock (see the shim's header); attach mode moves
   * other processes through {@code cgroup.procs}.
   */
  @Override
  public List<Path> joinFiles() {
    return dirs().stream().map(d -> d.resolve("tasks")).toList();
  }

  /**
   * The keeper's own IO accounting, which it copies once it has reaped the workload: a parent
   * that reaps a child adds the child's IO accounting (with that of every descendant the child
   * reaped) to its own, so the keeper's {@code read_bytes} and {@code write_bytes} are the
   * workload's — its process tree's, as far as the keeper (child subreaper) reaped it — and
   * buffered writes count when the pages are dirtied. v1's {@code
   * blkio.throttle.io_service_bytes} is no substitute: writeback is charged to the root cgroup
   * there, and on this project's 6.18 host it counted nothing at all (a 20 MiB write with fsync
   * and a 20 MiB cold read both gave 0, where the keeper's accounting gave 20 and 23.9 MiB).
   * So a launched workload needs no {@code blkio} cgroup for its usage.
   */
  static final Path KEEPER_IO = Path.of("/proc/self/io");

  /**
   * Not a file: the keeper records under this name its {@code getrusage(RUSAGE_CHILDREN)} once
   * it has reaped the workload ({@code user_usec}, {@code system_usec}): the CPU time of the
   * workload and of every descendant it reaped, in microseconds — what {@code cpuacct} would
   * count, but without a {@code cpuacct} cgroup (a hierarchy of its own where it is not
   * co-mounted with {@code cpu}). Processes still running when the workload's main process ends
   * are not in it.
   */
  static final Path KEEPER_CPU = Path.of("/proc/self/rusage:children");

  /**
   * The counter files the keeper copies: {@code cpu.stat}, {@code memory}'s, {@code
   * pids.events} where the pids hierarchy is mounted, and its own {@link #KEEPER_CPU} and {@link
   * #KEEPER_IO}.
   */
  @Override
  public List<Path> finalCounters() {
    List<Path> out = new ArrayList<>();
    out.add(KEEPER_CPU);
    out.add(dirs.get("cpu").resolve("cpu.stat"));
    out.add(dirs.get("memory").resolve("memory.max_usage_in_bytes"));
    out.add(dirs.get("memory").resolve("memory.oom_control"));
    out.add(KEEPER_IO);
    Path pids = dirs.get("pids");
    if (pids != null) {
      out.add(pids.resolve("pids.events"));
    }
    return out;
  }

  /** The cgroup path and each controller's directory. */
  @Override
  public Map<String, String> state() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("path", cgroupPath);
    dirs.forEach((c, d) -> out.put("dir." + c, d.toString()));
    return out;
  }

  /**
   * Every member but the launch keeper (a member: it joined before its fork), which forwards
   * signals to the workload and, once it reaped it, records the end and final counters (a
   * keeper killed with the workload would leave no exit record, and its CPU time and IO would
   * be unknown).
   */
  @Override
  public void signalAll(int signal, long spared) {
    Path freezer = dirs.get("freezer");
    Path procs = dirs.get("cpu").resolve("cgroup.procs");
    if (signal == Processes.SIGKILL && freezer != null) {
      Path state = freezer.resolve("freezer.state");
      MemberSignals.signalFrozen(fs, new MemberSignals.Freezer(state, "FROZEN", "THAWED",
          () -> fs.read(state).trim().equals("FROZEN")), procs, signal, spared);
    } else {
      MemberSignals.signalMembers(fs, procs, signal, spared);
    }
  }

  @Override
  protected @Nullable Long memoryInUse() {
    Path memory = dirs.get("memory");
    return memory == null ? null
        : ControlFiles.readLong(fs, memory.resolve("memory.usage_in_bytes"));
  }

  @Override
  protected Usage usage(CgroupFs fs) {
    Path cpu = dirs.get("cpu");
    Path acct = dirs.get("cpuacct");
    Path mem = dirs.get("memory");
    Path blkio = dirs.get("blkio");
    Double user = null;
    Double sys = null;
    // the keeper's own accounting exists only in its copy, never on the reader's /proc/self
    RecordedFs copy = fs instanceof RecordedFs r ? r : null;
    String taskCpu = copy == null ? null : copy.recorded(KEEPER_CPU);
    if (taskCpu != null) {
      user = ControlFiles.seconds(ControlFiles.keyed(taskCpu, "user_usec"), 1e6);
      sys = ControlFiles.seconds(ControlFiles.keyed(taskCpu, "system_usec"), 1e6);
    } else if (acct != null) {
      user = ControlFiles.seconds(ControlFiles.readLong(fs, acct.resolve("cpuacct.usage_user")),
          1e9);
      sys = ControlFiles.seconds(ControlFiles.readLong(fs, acct.resolve("cpuacct.usage_sys")),
          1e9);
    }
    Double throttled = ControlFiles.seconds(
        ControlFiles.readKeyed(fs, cpu.resolve("cpu.stat"), "throttled_time"), 1e9);
    Long peak = ControlFiles.readLong(fs, mem.resolve("memory.max_usage_in_bytes"));
    Long oomKills = ControlFiles.readKeyed(fs, mem.resolve("memory.oom_control"), "oom_kill");
    Long read = null;
    Long written = null;
    String taskIo = copy == null ? null : copy.recorded(KEEPER_IO);
    String io = taskIo != null || blkio == null ? null
        : ControlFiles.readText(fs, blkio.resolve("blkio.throttle.io_service_bytes"));
    if (taskIo != null) {
      // /proc/<pid>/io lines are "key: value": the key with its colon, as a flat-keyed file
      read = ControlFiles.keyed(taskIo, "read_bytes:");
      Long dirtied = ControlFiles.keyed(taskIo, "write_bytes:");
      Long cancelled = ControlFiles.keyed(taskIo, "cancelled_write_bytes:");
      // dirtied pages truncated before their writeback never reached the device
      written = dirtied == null ? null : Math.max(0, dirtied - (cancelled == null ? 0 : cancelled));
    } else if (io != null) {
      long r = 0;
      long w = 0;
      boolean counted = false;
      for (String line : io.split("\n")) {
        String[] f = line.trim().split("\\s+");
        if (f.length == 3 && f[1].equals("Read")) {
          r += Long.parseLong(f[2]);
          counted = true;
        } else if (f.length == 3 && f[1].equals("Write")) {
          w += Long.parseLong(f[2]);
          counted = true;
        }
      }
      // only "Total 0": either no IO, or a kernel that counts none here (KEEPER_IO): unknown
      read = counted ? r : null;
      written = counted ? w : null;
    }
    Path pids = dirs.get("pids");
    Long pidsHits = pids == null ? null
        : ControlFiles.readKeyed(fs, pids.resolve("pids.events"), "max");
    if (RecordedFs.isFinalCopy(fs)) {
      // a final report: what it uses now means nothing once it has ended
      return new Usage(user, sys, throttled, peak, oomKills, read, written, null, null, null,
          null, pidsHits, null);
    }
    Long current = ControlFiles.readLong(fs, mem.resolve("memory.usage_in_bytes"));
    Long memsw = ControlFiles.readLong(fs, mem.resolve("memory.memsw.usage_in_bytes"));
    return new Usage(user, sys, throttled, peak, oomKills, read, written, current,
        current == null || memsw == null ? null : Math.max(0, memsw - current),
        pids == null ? null : ControlFiles.readLong(fs, pids.resolve("pids.current")), null,
        pidsHits, null);
  }
}
