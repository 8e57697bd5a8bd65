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
 */
public record Usage(
    @Nullable Double cpuUserSec,
    @Nullable Double cpuSystemSec,
    @Nullable Double cpuThrottledSec,
    @Nullable Long memoryPeakBytes,
    @Nullable Long oomKills,
    @Nullable Long ioReadBytes,
    @Nullable Long ioWriteBytes) {

  /** Usage of which nothing is known. */
  public static final Usage UNKNOWN = new Usage(null, null, null, null, null, null, null);
}
