package io.ffrtmp.cgroups.v1;

import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.Usage;
import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.Cgroups;
import io.ffrtmp.cgroups.ControlFiles;
import io.ffrtmp.cgroups.ProcCgroup;
import io.ffrtmp.internal.Signals;
import io.ffrtmp.spi.Governance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** One workload's cgroups in the v1 hierarchies. */
final class V1Governance implements Governance {
  private final CgroupFs fs;
  /** controller -> the workload's cgroup directory (co-mounted controllers share one). */
  private final Map<String, Path> dirs;
  private final String cgroupPath;
  private final List<String> warnings = new ArrayList<>();
  private List<Enforcement> enforcement = List.of();

  /** controller -> its hierarchy, to find a process's original cgroup again. */
  private final Map<String, CgroupV1Strategy.Parent> hierarchies;

  V1Governance(
      CgroupFs fs,
      Map<String, Path> dirs,
      String cgroupPath,
      Map<String, CgroupV1Strategy.Parent> hierarchies) {
    this.fs = fs;
    this.dirs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(dirs));
    this.cgroupPath = cgroupPath;
    this.hierarchies = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(hierarchies));
  }

  @Override
  public void adopt(long pid) throws IOException {
    for (Path procs : joinFiles()) {
      fs.write(procs, Long.toString(pid));
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
    Map<String, Path> out = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, Path> e : dirs.entrySet()) {
      if (!out.containsValue(e.getValue())) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /** Writes every limit and reads it back; returns one entry per cgroup constraint. */
  List<Enforcement> apply(Constraints c) {
    Path cpu = dirs.get("cpu");
    Path mem = dirs.get("memory");
    List<Enforcement> out = new ArrayList<>(4);
    if (c.hasCpuQuota()) {
      Enforcement period = write("cpu_quota", cpu, "cpu.cfs_period_us", "100000");
      out.add(
          period.status() != EnforcementStatus.APPLIED
              ? period
              : write("cpu_quota", cpu, "cpu.cfs_quota_us",
                  Long.toString(CgroupV1Strategy.quotaUs(c.cpuQuota()))));
    } else {
      out.add(skipped("cpu_quota", "cpu.cfs_quota_us", "unlimited"));
    }
    if (c.cpuWeight() != Constraints.CPU_WEIGHT_DEFAULT) {
      out.add(write("cpu_weight", cpu, "cpu.shares",
          Long.toString(CgroupV1Strategy.shares(c.cpuWeight()))));
    } else {
      out.add(skipped("cpu_weight", "cpu.shares", "default weight 100 (cpu.shares 1024)"));
    }
    if (c.hasMemoryLimit()) {
      out.add(write("memory_limit_mb", mem, "memory.limit_in_bytes",
          Long.toString(c.memoryLimitBytes())));
    } else {
      out.add(skipped("memory_limit_mb", "memory.limit_in_bytes", "unlimited"));
    }
    if (c.hasIoWeight()) {
      Path blkio = dirs.get("blkio");
      String weight = Integer.toString(CgroupV1Strategy.blkioWeight(c.ioWeight()));
      if (blkio == null) {
        out.add(degraded("io_weight", "blkio.weight", "no blkio hierarchy mounted"));
      } else if (fs.exists(blkio.resolve("blkio.weight"))) {
        out.add(write("io_weight", blkio, "blkio.weight", weight));
      } else if (fs.exists(blkio.resolve("blkio.bfq.weight"))) {
        out.add(write("io_weight", blkio, "blkio.bfq.weight", weight));
      } else {
        out.add(degraded("io_weight", "blkio.weight",
            "neither blkio.weight nor blkio.bfq.weight exists: the running IO scheduler has no"
                + " proportional weights (bfq is needed)"));
      }
    } else {
      out.add(skipped("io_weight", "blkio.weight", "unset"));
    }
    warnings.addAll(ControlFiles.warnings(out));
    enforcement = List.copyOf(out);
    return enforcement;
  }

  /** What each control file holds in a new cgroup: written back when a write did not take. */
  private static final Map<String, String> DEFAULTS = Map.of(
      "cpu.cfs_period_us", "100000",
      "cpu.cfs_quota_us", "-1",
      "cpu.shares", "1024",
      "memory.limit_in_bytes", "-1",
      "blkio.weight", "500",
      "blkio.bfq.weight", "100");

  private Enforcement write(String constraint, Path dir, String file, String value) {
    return ControlFiles.write(fs, constraint, dir.resolve(file), value, DEFAULTS.get(file),
        back -> back.trim().equals(value));
  }

  private static Enforcement skipped(String constraint, String file, String why) {
    return new Enforcement(constraint, EnforcementStatus.SKIPPED, file, why);
  }

  private static Enforcement degraded(String constraint, String file, String why) {
    return new Enforcement(constraint, EnforcementStatus.DEGRADED, file, why);
  }

  @Override
  public @Nullable String cgroupPath() {
    return cgroupPath;
  }

  @Override
  public List<Path> joinFiles() {
    return dirs.values().stream().distinct().map(d -> d.resolve("cgroup.procs")).toList();
  }

  @Override
  public List<Enforcement> enforcement() {
    return enforcement;
  }

  @Override
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  @Override
  public void signalAll(int signal) {
    Path freezer = dirs.get("freezer");
    Path procs = dirs.get("cpu").resolve("cgroup.procs");
    if (signal == Signals.SIGKILL && freezer != null) {
      Path state = freezer.resolve("freezer.state");
      Cgroups.signalFrozen(fs, state, "FROZEN", "THAWED",
          () -> fs.read(state).trim().equals("FROZEN"), procs, signal);
    } else {
      Cgroups.signalMembers(fs, procs, signal);
    }
  }

  @Override
  public Usage usage() {
    Path cpu = dirs.get("cpu");
    Path acct = dirs.get("cpuacct");
    Path mem = dirs.get("memory");
    Path blkio = dirs.get("blkio");
    Double user = null;
    Double sys = null;
    if (acct != null) {
      user = nanosToSec(readLong(acct.resolve("cpuacct.usage_user")));
      sys = nanosToSec(readLong(acct.resolve("cpuacct.usage_sys")));
    }
    Double throttled = null;
    String cpuStat = readText(cpu.resolve("cpu.stat"));
    if (cpuStat != null) {
      throttled = nanosToSec(Cgroups.keyed(cpuStat, "throttled_time"));
    }
    Long peak = readLong(mem.resolve("memory.max_usage_in_bytes"));
    String oomControl = readText(mem.resolve("memory.oom_control"));
    Long oomKills = oomControl == null ? null : Cgroups.keyed(oomControl, "oom_kill");
    Long read = null;
    Long written = null;
    if (blkio != null) {
      String io = readText(blkio.resolve("blkio.throttle.io_service_bytes"));
      if (io != null) {
        long r = 0;
        long w = 0;
        for (String line : io.split("\n")) {
          String[] f = line.trim().split("\\s+");
          if (f.length == 3 && f[1].equals("Read")) {
            r += Long.parseLong(f[2]);
          } else if (f.length == 3 && f[1].equals("Write")) {
            w += Long.parseLong(f[2]);
          }
        }
        read = r;
        written = w;
      }
    }
    return new Usage(user, sys, throttled, peak, oomKills, read, written);
  }

  /** The cpu.stat counter nr_throttled, for tests and diagnostics. */
  @Nullable Long nrThrottled() {
    String s = readText(dirs.get("cpu").resolve("cpu.stat"));
    return s == null ? null : Cgroups.keyed(s, "nr_throttled");
  }

  private @Nullable String readText(Path f) {
    return ControlFiles.readText(fs, f);
  }

  private @Nullable Long readLong(Path f) {
    return ControlFiles.readLong(fs, f);
  }

  private static @Nullable Double nanosToSec(@Nullable Long ns) {
    return ControlFiles.seconds(ns, 1e9);
  }

  @Override
  public List<String> release() {
    return Cgroups.removeOrDefer(fs, dirs.values().stream().distinct().toList());
  }
}
