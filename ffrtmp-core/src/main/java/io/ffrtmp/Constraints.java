package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * The constraints requested for a workload, in the units of the operator guide's Flag
 * Reference. Every range check of the project lives here; builders and the CLI call these
 * methods rather than repeating the ranges.
 *
 * <p>How each value reaches the kernel (formulas and units) is documented in {@code
 * docs/ARCHITECTURE.md}: cgroup v2 {@code cpu.max = "<p*1000> 100000"}, {@code cpu.weight = w},
 * {@code memory.max = m * 1048576}, {@code io.weight = "default <p*100>"}; cgroup v1 {@code cpu.cfs_quota_us =
 * p*1000} with {@code cpu.cfs_period_us = 100000}, {@code cpu.shares = w*1024/100} (clamped by
 * the kernel's own range 2..262144, which every allowed weight maps into), {@code
 * memory.limit_in_bytes = m * 1048576}, {@code blkio.weight = p*10}. Each component is one
 * {@link Constraint}; {@link #get(Constraint)} reads it by constraint, {@link #builder()} and
 * {@link #toBuilder()} make values without positional arguments, e.g. a per-job-class template:
 *
 * <pre>{@code
 * Constraints transcode = Constraints.builder().cpuQuota(200).memoryLimitMb(4096).build();
 * Workload.run(cmd).withConstraints(transcode).withJobId("job-7").start();
 * }</pre>
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

  /**
   * Validates every component against its {@link Constraint}.
   *
   * @param cpuQuota CPU time in percent of one core; 0 = unlimited
   * @param cpuWeight relative CPU weight
   * @param nice scheduling priority
   * @param memoryLimitMb memory limit in MiB; 0 = unlimited
   * @param ioWeight IO weight in percent; 0 = unset
   * @param oomScore OOM score adjustment
   * @throws IllegalArgumentException naming the first component out of range, its value and the
   *     range
   */
  public Constraints {
    Constraint.CPU_QUOTA.checkValidValue(cpuQuota);
    Constraint.CPU_WEIGHT.checkValidValue(cpuWeight);
    Constraint.NICE.checkValidValue(nice);
    Constraint.MEMORY_LIMIT_MB.checkValidValue(memoryLimitMb);
    Constraint.IO_WEIGHT.checkValidValue(ioWeight);
    Constraint.OOM_SCORE.checkValidValue(oomScore);
  }

  /**
   * Checks a CPU quota.
   *
   * @param percent percent of one core, 0 = unlimited
   * @return the value
   * @throws IllegalArgumentException naming the parameter, the value and the range
   */
  public static int checkCpuQuota(int percent) {
    return Constraint.CPU_QUOTA.checkValidIntValue(percent);
  }

  /**
   * Checks a CPU weight.
   *
   * @param weight the weight
   * @return the value
   * @throws IllegalArgumentException naming the parameter, the value and the range
   */
  public static int checkCpuWeight(int weight) {
    return Constraint.CPU_WEIGHT.checkValidIntValue(weight);
  }

  /**
   * Checks a nice value.
   *
   * @param nice the nice value
   * @return the value
   * @throws IllegalArgumentException naming the parameter, the value and the range
   */
  public static int checkNice(int nice) {
    return Constraint.NICE.checkValidIntValue(nice);
  }

  /**
   * Checks a memory limit.
   *
   * @param mebibytes the limit in MiB, 0 = unlimited
   * @return the value
   * @throws IllegalArgumentException naming the parameter, the value and the range
   */
  public static long checkMemoryLimitMb(long mebibytes) {
    return Constraint.MEMORY_LIMIT_MB.checkValidValue(mebibytes);
  }

  /**
   * Checks an IO weight.
   *
   * @param percent the weight in percent, 0 = unset
   * @return the value
   * @throws IllegalArgumentException naming the parameter, the value and the range
   */
  public static int checkIoWeight(int percent) {
    return Constraint.IO_WEIGHT.checkValidIntValue(percent);
  }

  /**
   * Checks an OOM score adjustment.
   *
   * @param score the adjustment
   * @return the value
   * @throws IllegalArgumentException naming the parameter, the value and the range
   */
  public static int checkOomScore(int score) {
    return Constraint.OOM_SCORE.checkValidIntValue(score);
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


  /**
   * The value of one constraint.
   *
   * @param constraint which
   * @return its value
   */
  public long get(Constraint constraint) {
    switch (requireNonNull(constraint, "constraint")) {
      case CPU_QUOTA:
        return cpuQuota;
      case CPU_WEIGHT:
        return cpuWeight;
      case NICE:
        return nice;
      case MEMORY_LIMIT_MB:
        return memoryLimitMb;
      case IO_WEIGHT:
        return ioWeight;
      case OOM_SCORE:
        return oomScore;
      default:
        throw new AssertionError(constraint);
    }
  }

  /**
   * Whether a constraint was requested, i.e. differs from its {@linkplain
   * Constraint#defaultValue() default} (for which no backend writes anything).
   *
   * @param constraint which
   * @return true when requested
   */
  public boolean isRequested(Constraint constraint) {
    return get(constraint) != constraint.defaultValue();
  }

  /**
   * The requested cgroup constraints, in {@link Constraint} order.
   *
   * @return those with {@link Constraint#isCgroupConstraint()} that differ from their default
   */
  public List<Constraint> requestedCgroupConstraints() {
    List<Constraint> out = new ArrayList<>(4);
    for (Constraint c : Constraint.values()) {
      if (c.isCgroupConstraint() && isRequested(c)) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * A builder starting from {@link #DEFAULTS}.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder(DEFAULTS);
  }

  /**
   * A builder starting from these values, e.g. to derive a job's constraints from a template.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Builds {@link Constraints}; each setter checks its value at once (an {@link
   * IllegalArgumentException} names the constraint, the value and the range).
   */
  public static final class Builder {
    private int cpuQuota;
    private int cpuWeight;
    private int nice;
    private long memoryLimitMb;
    private int ioWeight;
    private int oomScore;

    private Builder(Constraints from) {
      cpuQuota = from.cpuQuota;
      cpuWeight = from.cpuWeight;
      nice = from.nice;
      memoryLimitMb = from.memoryLimitMb;
      ioWeight = from.ioWeight;
      oomScore = from.oomScore;
    }

    /**
     * Sets the CPU quota.
     *
     * @param percent percent of one core, 0 = unlimited
     * @return this builder
     */
    public Builder cpuQuota(int percent) {
      cpuQuota = checkCpuQuota(percent);
      return this;
    }

    /**
     * Sets the CPU weight.
     *
     * @param weight 1..10000
     * @return this builder
     */
    public Builder cpuWeight(int weight) {
      cpuWeight = checkCpuWeight(weight);
      return this;
    }

    /**
     * Sets the nice value.
     *
     * @param value -20..19
     * @return this builder
     */
    public Builder nice(int value) {
      nice = checkNice(value);
      return this;
    }

    /**
     * Sets the memory limit.
     *
     * @param mebibytes MiB, 0 = unlimited
     * @return this builder
     */
    public Builder memoryLimitMb(long mebibytes) {
      memoryLimitMb = checkMemoryLimitMb(mebibytes);
      return this;
    }

    /**
     * Sets the IO weight.
     *
     * @param percent 0..100, 0 = unset
     * @return this builder
     */
    public Builder ioWeight(int percent) {
      ioWeight = checkIoWeight(percent);
      return this;
    }

    /**
     * Sets the OOM score adjustment.
     *
     * @param score -1000..1000
     * @return this builder
     */
    public Builder oomScore(int score) {
      oomScore = checkOomScore(score);
      return this;
    }

    /**
     * Sets one constraint by its {@link Constraint}.
     *
     * @param constraint which
     * @param value its value
     * @return this builder
     */
    public Builder set(Constraint constraint, long value) {
      switch (requireNonNull(constraint, "constraint")) {
        case CPU_QUOTA:
          return cpuQuota(constraint.checkValidIntValue(value));
        case CPU_WEIGHT:
          return cpuWeight(constraint.checkValidIntValue(value));
        case NICE:
          return nice(constraint.checkValidIntValue(value));
        case MEMORY_LIMIT_MB:
          return memoryLimitMb(value);
        case IO_WEIGHT:
          return ioWeight(constraint.checkValidIntValue(value));
        case OOM_SCORE:
          return oomScore(constraint.checkValidIntValue(value));
        default:
          throw new AssertionError(constraint);
      }
    }

    /**
     * The constraints.
     *
     * @return an immutable value
     */
    public Constraints build() {
      return new Constraints(cpuQuota, cpuWeight, nice, memoryLimitMb, ioWeight, oomScore);
    }
  }
}
