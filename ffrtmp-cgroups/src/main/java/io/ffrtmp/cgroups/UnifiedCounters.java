package io.ffrtmp.cgroups;

import io.ffrtmp.Pressure;
import io.ffrtmp.Usage;
import java.nio.file.Path;
import java.util.List;

/**
 * The usage counters of a cgroup in the unified (v2) hierarchy, read the same way by the {@code
 * cgroup-v2} and the {@code systemd} backends: {@code cpu.stat}, {@code memory.peak} (else
 * {@code memory.current}), {@code memory.events} {@code oom_kill}, {@code io.stat}, and the
 * live ones: {@code memory.current}, {@code memory.swap.current}, {@code pids.current} and the
 * three pressure files.
 */
public final class UnifiedCounters {
  private UnifiedCounters() {}

  /**
   * The files {@link #read(CgroupFs, Path)} reads: what the launch keeper copies when the
   * workload ends.
   *
   * @param dir the cgroup's directory
   * @return the files
   */
  public static List<Path> files(Path dir) {
    return List.of(dir.resolve("cpu.stat"), dir.resolve("memory.peak"),
        dir.resolve("memory.current"), dir.resolve("memory.events"), dir.resolve("io.stat"),
        dir.resolve("cpu.pressure"), dir.resolve("memory.pressure"), dir.resolve("io.pressure"),
        dir.resolve("pids.events"));
  }

  /**
   * Reads the counters; each one that cannot be read is null.
   *
   * @param fs the cgroupfs (or the keeper's recorded copy over it)
   * @param dir the cgroup's directory
   * @return the usage
   */
  public static Usage read(CgroupFs fs, Path dir) {
    Double user = null;
    Double sys = null;
    Double throttled = null;
    String cpu = ControlFiles.readText(fs, dir.resolve("cpu.stat"));
    if (cpu != null) {
      user = ControlFiles.seconds(ControlFiles.keyed(cpu, "user_usec"), 1e6);
      sys = ControlFiles.seconds(ControlFiles.keyed(cpu, "system_usec"), 1e6);
      throttled = ControlFiles.seconds(ControlFiles.keyed(cpu, "throttled_usec"), 1e6);
    }
    Long peak = ControlFiles.readLong(fs, dir.resolve("memory.peak"));
    if (peak == null) {
      peak = ControlFiles.readLong(fs, dir.resolve("memory.current"));
    }
    String memoryEvents = ControlFiles.readText(fs, dir.resolve("memory.events"));
    Long oomKills = memoryEvents == null ? null : ControlFiles.keyed(memoryEvents, "oom_kill");
    Long highEvents = memoryEvents == null ? null : ControlFiles.keyed(memoryEvents, "high");
    Long pidsHits = ControlFiles.readKeyed(fs, dir.resolve("pids.events"), "max");
    Long read = null;
    Long written = null;
    String io = ControlFiles.readText(fs, dir.resolve("io.stat"));
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
    String cpuP = ControlFiles.readText(fs, dir.resolve("cpu.pressure"));
    String memP = ControlFiles.readText(fs, dir.resolve("memory.pressure"));
    String ioP = ControlFiles.readText(fs, dir.resolve("io.pressure"));
    Pressure pressure = cpuP == null && memP == null && ioP == null ? null
        : new Pressure(Pressure.parse(cpuP, "some"), Pressure.parse(cpuP, "full"),
            Pressure.parse(memP, "some"), Pressure.parse(memP, "full"),
            Pressure.parse(ioP, "some"), Pressure.parse(ioP, "full"));
    if (RecordedFs.isFinalCopy(fs)) {
      // a final report: the stall totals were copied; what it uses now means nothing any more
      return new Usage(user, sys, throttled, peak, oomKills, read, written, null, null, null,
          pressure, pidsHits, highEvents);
    }
    return new Usage(user, sys, throttled, peak, oomKills, read, written,
        ControlFiles.readLong(fs, dir.resolve("memory.current")),
        ControlFiles.readLong(fs, dir.resolve("memory.swap.current")),
        ControlFiles.readLong(fs, dir.resolve("pids.current")), pressure, pidsHits, highEvents);
  }
}
