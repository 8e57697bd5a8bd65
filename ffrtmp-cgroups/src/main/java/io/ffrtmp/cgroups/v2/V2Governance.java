package io.ffrtmp.cgroups.v2;

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
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One workload's cgroup in the unified (v2) hierarchy. */
final class V2Governance implements Governance {
  private static final Logger LOG = LoggerFactory.getLogger(V2Governance.class);

  /** System property: {@code false} leaves {@code memory.oom.group} at the kernel's 0. */
  static final String OOM_GROUP_PROPERTY = "ffrtmp.cgroup.oomGroup";

  private final CgroupFs fs;
  private final Path dir;
  private final String cgroupPath;
  private final Path mountPoint;
  private final List<String> warnings = new ArrayList<>();
  private List<Enforcement> enforcement = List.of();

  V2Governance(CgroupFs fs, Path dir, String cgroupPath, Path mountPoint) {
    this.fs = fs;
    this.dir = dir;
    this.cgroupPath = cgroupPath;
    this.mountPoint = mountPoint;
  }

  List<Enforcement> apply(Constraints c) {
    List<Enforcement> out = new ArrayList<>(4);
    out.add(c.hasCpuQuota()
        ? write("cpu_quota", "cpu.max", CgroupV2Strategy.cpuMax(c.cpuQuota()))
        : skipped("cpu_quota", "cpu.max", "unlimited"));
    out.add(c.cpuWeight() != Constraints.CPU_WEIGHT_DEFAULT
        ? write("cpu_weight", "cpu.weight", Integer.toString(c.cpuWeight()))
        : skipped("cpu_weight", "cpu.weight", "default weight 100"));
    if (c.hasMemoryLimit()) {
      Enforcement m = write("memory_limit_mb", "memory.max", Long.toString(c.memoryLimitBytes()));
      out.add(m);
      if (m.status() == EnforcementStatus.APPLIED
          && !"false".equals(System.getProperty(OOM_GROUP_PROPERTY))) {
        Enforcement g = write("memory_limit_mb", "memory.oom.group", "1");
        if (g.status() != EnforcementStatus.APPLIED) {
          warnings.add("memory.oom.group not set: an OOM kill may take part of the workload only ("
              + g.detail() + ")");
        }
      }
    } else {
      out.add(skipped("memory_limit_mb", "memory.max", "unlimited"));
    }
    if (c.hasIoWeight()) {
      if (fs.exists(dir.resolve("io.weight"))) {
        out.add(writeKeyed("io_weight", "io.weight", "default",
            Integer.toString(CgroupV2Strategy.ioWeight(c.ioWeight()))));
      } else if (fs.exists(dir.resolve("io.bfq.weight"))) {
        out.add(writeKeyed("io_weight", "io.bfq.weight", "default",
            Integer.toString(CgroupV2Strategy.bfqWeight(c.ioWeight()))));
      } else {
        out.add(new Enforcement("io_weight", EnforcementStatus.DEGRADED, "io.weight",
            "neither io.weight nor io.bfq.weight exists (io controller not enabled, or an IO"
                + " scheduler without weights)"));
      }
    } else {
      out.add(skipped("io_weight", "io.weight", "unset"));
    }
    warnings.addAll(ControlFiles.warnings(out));
    enforcement = List.copyOf(out);
    return enforcement;
  }

  /** What each control file holds in a new cgroup: written back when a write did not take. */
  private static final java.util.Map<String, String> DEFAULTS = java.util.Map.of(
      "cpu.max", "max 100000",
      "cpu.weight", "100",
      "memory.max", "max",
      "memory.oom.group", "0",
      "io.weight", "default 100",
      "io.bfq.weight", "default 100");

  private Enforcement write(String constraint, String file, String value) {
    return ControlFiles.write(fs, constraint, dir.resolve(file), value, DEFAULTS.get(file),
        back -> back.trim().equals(value));
  }

  /** For files such as io.weight, read back as {@code default 500\n8:0 200}. */
  private Enforcement writeKeyed(String constraint, String file, String key, String value) {
    String line = key + " " + value;
    return ControlFiles.write(fs, constraint, dir.resolve(file), line, DEFAULTS.get(file),
        back -> back.lines().anyMatch(l -> l.trim().equals(line)));
  }

  private static Enforcement skipped(String constraint, String file, String why) {
    return new Enforcement(constraint, EnforcementStatus.SKIPPED, file, why);
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
  public List<Enforcement> enforcement() {
    return enforcement;
  }

  @Override
  public List<String> warnings() {
    return List.copyOf(warnings);
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

  @Override
  public void signalAll(int signal) {
    Path procs = dir.resolve("cgroup.procs");
    if (signal == Signals.SIGKILL && fs.exists(dir.resolve("cgroup.kill"))) {
      try {
        fs.write(dir.resolve("cgroup.kill"), "1");
        return;
      } catch (IOException e) {
        LOG.debug("cgroup.kill failed for {}: {}", dir, e.toString());
      }
    }
    if (signal == Signals.SIGKILL && fs.exists(dir.resolve("cgroup.freeze"))) {
      Cgroups.signalFrozen(fs, dir.resolve("cgroup.freeze"), "1", "0",
          () -> Long.valueOf(1).equals(Cgroups.keyed(fs.read(dir.resolve("cgroup.events")),
              "frozen")), procs, signal);
      return;
    }
    Cgroups.signalMembers(fs, procs, signal);
  }

  @Override
  public Usage usage() {
    Double user = null;
    Double sys = null;
    Double throttled = null;
    String cpu = readText("cpu.stat");
    if (cpu != null) {
      user = usec(Cgroups.keyed(cpu, "user_usec"));
      sys = usec(Cgroups.keyed(cpu, "system_usec"));
      throttled = usec(Cgroups.keyed(cpu, "throttled_usec"));
    }
    Long peak = readLong("memory.peak");
    if (peak == null) {
      peak = readLong("memory.current");
    }
    String events = readText("memory.events");
    Long oomKills = events == null ? null : Cgroups.keyed(events, "oom_kill");
    Long read = null;
    Long written = null;
    String io = readText("io.stat");
    if (io != null) {
      long r = 0;
      long w = 0;
      for (String line : io.split("\n")) {
        for (String kv : line.trim().split("\\s+")) {
          if (kv.startsWith("rbytes=")) {
            r += Long.parseLong(kv.substring(7));
          } else if (kv.startsWith("wbytes=")) {
            w += Long.parseLong(kv.substring(7));
          }
        }
      }
      read = r;
      written = w;
    }
    return new Usage(user, sys, throttled, peak, oomKills, read, written);
  }

  /** cpu.stat's nr_throttled, for tests and diagnostics. */
  @Nullable Long nrThrottled() {
    String s = readText("cpu.stat");
    return s == null ? null : Cgroups.keyed(s, "nr_throttled");
  }

  private @Nullable String readText(String file) {
    return ControlFiles.readText(fs, dir.resolve(file));
  }

  private @Nullable Long readLong(String file) {
    return ControlFiles.readLong(fs, dir.resolve(file));
  }

  private static @Nullable Double usec(@Nullable Long us) {
    return ControlFiles.seconds(us, 1e6);
  }

  @Override
  public List<String> release() {
    return Cgroups.removeOrDefer(fs, List.of(dir));
  }
}
