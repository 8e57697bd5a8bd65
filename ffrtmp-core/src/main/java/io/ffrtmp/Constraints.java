package io.ffrtmp;

/**
 * The constraints requested for a workload, in the units of the operator guide's Flag
 * Reference. Every range check of the project lives here; builders and the CLI call these
 * methods rather than repeating the ranges.
 *
 * <p>How each value reaches the kernel (formulas and units) is documented in {@code
 * docs/ARCHITECTURE.md}: cgroup v2 {@code cpu.max = "<p*1000> 100000"}, {@code cpu.weight = w},
 * {@code memory.max = m * 1048576}, {@code io.weight = p}; cgroup v1 {@code cpu.cfs_quota_us =
 * p*1000} with {@code cpu.cfs_period_us = 100000}, {@code cpu.shares = w*1024/100} (clamped by
 * the kernel's own range 2..262144, which every allowed weight maps into), {@code
 * memory.limit_in_bytes = m * 1048576}, {@code blkio.weight}.
 *
 * @param cpuQuota CPU time in percent of one core ({@value #CPU_QUOTA_MAX} at most); 0 =
 *     unlimited
 * @param cpuWeight relative CPU weight, {@value #CPU_WEIGHT_MIN}..{@value #CPU_WEIGHT_MAX}
 *     (default {@value #CPU_WEIGHT_DEFAULT})
 * @param nice scheduling priority, {@value #NICE_MIN}..{@value #NICE_MAX}
 * @param memoryLimitMb memory limit in MiB ({@value #MEMORY_LIMIT_MB_MAX} at most); 0 =
 *     unlimited
 * @param ioWeight IO weight in percent, 0..{@value #IO_WEIGHT_MAX}; 0 = unset
 * @param oomScore OOM score adjustment, {@value #OOM_SCORE_MIN}..{@value #OOM_SCORE_MAX}
 */
public record Constraints(
    int cpuQuota, int cpuWeight, int nice, long memoryLimitMb, int ioWeight, int oomScore) {

  /** Largest CPU quota in percent of one core: 1024 cores. */
  public static final int CPU_QUOTA_MAX = 102_400;
  /** Smallest CPU weight. */
  public static final int CPU_WEIGHT_MIN = 1;
  /** Largest CPU weight. */
  public static final int CPU_WEIGHT_MAX = 10_000;
  /** The CPU weight of an unconstrained workload. */
  public static final int CPU_WEIGHT_DEFAULT = 100;
  /** Smallest (most favourable) nice value. */
  public static final int NICE_MIN = -20;
  /** Largest nice value. */
  public static final int NICE_MAX = 19;
  /** Largest memory limit in MiB: the largest whose byte count fits a signed 64-bit integer. */
  public static final long MEMORY_LIMIT_MB_MAX = Long.MAX_VALUE / (1024L * 1024L);
  /** Largest IO weight in percent. */
  public static final int IO_WEIGHT_MAX = 100;
  /** Smallest OOM score adjustment. */
  public static final int OOM_SCORE_MIN = -1000;
  /** Largest OOM score adjustment. */
  public static final int OOM_SCORE_MAX = 1000;

  /** No constraints: the guide's "Default (Unconstrained)" preset. */
  public static final Constraints DEFAULTS = new Constraints(0, CPU_WEIGHT_DEFAULT, 0, 0, 0, 0);

  /** Validates every component with the checks below. */
  public Constraints {
    checkCpuQuota(cpuQuota);
    checkCpuWeight(cpuWeight);
    checkNice(nice);
    checkMemoryLimitMb(memoryLimitMb);
    checkIoWeight(ioWeight);
    checkOomScore(oomScore);
  }

  /**
   * Checks a CPU quota.
   *
   * @param percent percent of one core, 0 = unlimited
   * @return the value
   * @throws IllegalArgumentException naming the parameter, the value and the range
   */
  public static int checkCpuQuota(int percent) {
    return (int) range("cpu_quota", percent, 0, CPU_QUOTA_MAX, "percent of one core, 0 = unlimited");
  }

  /**
   * Checks a CPU weight.
   *
   * @param weight the weight
   * @return the value
   * @throws IllegalArgumentException naming the parameter, the value and the range
   */
  public static int checkCpuWeight(int weight) {
    return (int) range("cpu_weight", weight, CPU_WEIGHT_MIN, CPU_WEIGHT_MAX, "relative weight");
  }

  /**
   * Checks a nice value.
   *
   * @param nice the nice value
   * @return the value
   * @throws IllegalArgumentException naming the parameter, the value and the range
   */
  public static int checkNice(int nice) {
    return (int) range("nice", nice, NICE_MIN, NICE_MAX, "scheduling priority");
  }

  /**
   * Checks a memory limit.
   *
   * @param mebibytes the limit in MiB, 0 = unlimited
   * @return the value
   * @throws IllegalArgumentException naming the parameter, the value and the range
   */
  public static long checkMemoryLimitMb(long mebibytes) {
    return range("memory_limit_mb", mebibytes, 0, MEMORY_LIMIT_MB_MAX, "MiB, 0 = unlimited");
  }

  /**
   * Checks an IO weight.
   *
   * @param percent the weight in percent, 0 = unset
   * @return the value
   * @throws IllegalArgumentException naming the parameter, the value and the range
   */
  public static int checkIoWeight(int percent) {
    return (int) range("io_weight", percent, 0, IO_WEIGHT_MAX, "percent, 0 = unset");
  }

  /**
   * Checks an OOM score adjustment.
   *
   * @param score the adjustment
   * @return the value
   * @throws IllegalArgumentException naming the parameter, the value and the range
   */
  public static int checkOomScore(int score) {
    return (int) range("oom_score", score, OOM_SCORE_MIN, OOM_SCORE_MAX, "oom_score_adj");
  }

  /**
   * Whether a CPU quota was requested.
   *
   * @return {@code cpuQuota > 0}
   */
  public boolean hasCpuQuota() {
    return cpuQuota > 0;
  }

  /**
   * Whether a memory limit was requested.
   *
   * @return {@code memoryLimitMb > 0}
   */
  public boolean hasMemoryLimit() {
    return memoryLimitMb > 0;
  }

  /**
   * Whether an IO weight was requested.
   *
   * @return {@code ioWeight > 0}
   */
  public boolean hasIoWeight() {
    return ioWeight > 0;
  }

  /**
   * The memory limit in bytes.
   *
   * @return {@code memoryLimitMb * 1048576}; 0 when unlimited
   */
  public long memoryLimitBytes() {
    return memoryLimitMb * 1024L * 1024L;
  }

  private static long range(String name, long value, long min, long max, String unit) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be between " + min + " and " + max + " (" + unit + "), got " + value);
    }
    return value;
  }
}
