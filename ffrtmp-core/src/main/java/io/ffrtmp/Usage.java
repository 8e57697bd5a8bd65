package io.ffrtmp;

import org.jspecify.annotations.Nullable;

/**
 * Resource usage of a workload as counted by the kernel. Each field is null where the host
 * cannot say (always so under the {@code nice-fallback} strategy).
 *
 * @param cpuUserSec CPU time in user mode, seconds (cgroup v1, run mode: of the workload's
 *     process tree as its keeper reaped it, {@code getrusage(RUSAGE_CHILDREN)})
 * @param cpuSystemSec CPU time in kernel mode, seconds (the same source)
 * @param cpuThrottledSec time the workload was held back by its CPU quota, seconds
 * @param memoryPeakBytes the highest memory use seen, bytes
 * @param oomKills processes of the workload killed by the OOM killer
 * @param ioReadBytes bytes read from block devices (cgroup v1, run mode: the {@code read_bytes}
 *     of the workload's process tree, from its keeper's task IO accounting)
 * @param ioWriteBytes bytes written to block devices (cgroup v1, run mode: the {@code
 *     write_bytes} of the workload's process tree less {@code cancelled_write_bytes}: buffered
 *     writes count when their pages are dirtied)
 * @param memoryCurrentBytes the memory it uses now ({@code memory.current}, v1 {@code
 *     memory.usage_in_bytes}); live usage only, null in a final report
 * @param swapCurrentBytes the swap it uses now ({@code memory.swap.current}; v1: {@code
 *     memory.memsw.usage_in_bytes} less the memory, where swap accounting is on); live only
 * @param pidsCurrent how many tasks (threads) it has now ({@code pids.current}); live only
 * @param pressure its pressure stall information (cgroup v2 and systemd), or null
 * @param pidsLimitHits how many forks its {@linkplain Constraint#PIDS_MAX pids limit} refused
 *     ({@code pids.events}' {@code max}), or null where no pids controller counts them
 * @param memoryHighEvents how often it went over its {@linkplain Constraint#MEMORY_HIGH_MB
 *     memory high limit} and was throttled for reclaim ({@code memory.events}' {@code high};
 *     cgroup v2 and systemd), or null
 */
public record Usage(
    @Nullable Double cpuUserSec,
    @Nullable Double cpuSystemSec,
    @Nullable Double cpuThrottledSec,
    @Nullable Long memoryPeakBytes,
    @Nullable Long oomKills,
    @Nullable Long ioReadBytes,
    @Nullable Long ioWriteBytes,
    @Nullable Long memoryCurrentBytes,
    @Nullable Long swapCurrentBytes,
    @Nullable Long pidsCurrent,
    @Nullable Pressure pressure,
    @Nullable Long pidsLimitHits,
    @Nullable Long memoryHighEvents) {

  /** Usage of which nothing is known. */
  public static final Usage UNKNOWN = new Usage(null, null, null, null, null, null, null);

  /**
   * The counters of a final report without the live ones (current memory, swap, tasks and
   * pressure unknown).
   *
   * @param cpuUserSec CPU time in user mode, seconds
   * @param cpuSystemSec CPU time in kernel mode, seconds
   * @param cpuThrottledSec time held back by the CPU quota, seconds
   * @param memoryPeakBytes the highest memory use seen, bytes
   * @param oomKills processes killed by the OOM killer
   * @param ioReadBytes bytes read from block devices
   * @param ioWriteBytes bytes written to block devices
   */
  public Usage(@Nullable Double cpuUserSec, @Nullable Double cpuSystemSec,
      @Nullable Double cpuThrottledSec, @Nullable Long memoryPeakBytes, @Nullable Long oomKills,
      @Nullable Long ioReadBytes, @Nullable Long ioWriteBytes) {
    this(cpuUserSec, cpuSystemSec, cpuThrottledSec, memoryPeakBytes, oomKills, ioReadBytes,
        ioWriteBytes, null, null, null, null, null, null);
  }

  /**
   * The CPU time, user and system together, as metrics report it.
   *
   * @return the sum in seconds (a part not known counts as 0), or null when neither is known
   */
  public @Nullable Double cpuSec() {
    if (cpuUserSec == null && cpuSystemSec == null) {
      return null;
    }
    return (cpuUserSec == null ? 0 : cpuUserSec) + (cpuSystemSec == null ? 0 : cpuSystemSec);
  }

  /**
   * The usage as JSON, with the keys of the report's {@code usage} object.
   *
   * @return one line of JSON
   */
  public String toJson() {
    return ReportJson.write(this);
  }
}
