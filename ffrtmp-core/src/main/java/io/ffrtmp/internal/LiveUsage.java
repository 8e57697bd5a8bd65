package io.ffrtmp.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** CPU time of a running workload from {@code /proc}, where its backend has no live counter. */
final class LiveUsage {
  /** Clock ticks per second of {@code /proc/<pid>/stat}: 100 on every Linux ABI in use. */
  private static final double TICKS = 100.0;

  private LiveUsage() {}

  /**
   * A backend's live usage, with the CPU time from {@code /proc} where the backend has no live
   * counter for it (cgroup v1 in run mode, no cgroup).
   *
   * @param u the backend's usage
   * @param pids the workload's processes
   * @return the usage, with the CPU time filled in where it was unknown
   */
  static io.ffrtmp.Usage withCpu(io.ffrtmp.Usage u, List<Long> pids) {
    if (u.cpuUserSec() != null) {
      return u;
    }
    double[] cpu = cpuSeconds(pids);
    return new io.ffrtmp.Usage(cpu[0], cpu[1], u.cpuThrottledSec(), u.memoryPeakBytes(),
        u.oomKills(), u.ioReadBytes(), u.ioWriteBytes(), u.memoryCurrentBytes(),
        u.swapCurrentBytes(), u.pidsCurrent(), u.pressure(), u.pidsLimitHits(),
        u.memoryHighEvents());
  }

  /**
   * The user and system CPU seconds of the processes and of the children they reaped (stat
   * fields 14–17).
   *
   * @param pids the workload's processes
   * @return {user, system}
   */
  private static double[] cpuSeconds(List<Long> pids) {
    long user = 0;
    long sys = 0;
    for (long pid : pids) {
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        user += Long.parseLong(f[11]) + Long.parseLong(f[13]);
        sys += Long.parseLong(f[12]) + Long.parseLong(f[14]);
      } catch (IOException | RuntimeException e) {
        // ended meanwhile
      }
    }
    return new double[] {user / TICKS, sys / TICKS};
  }
}
