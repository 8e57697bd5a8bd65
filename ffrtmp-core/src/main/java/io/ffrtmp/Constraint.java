package io.ffrtmp;

/**
 * The closed set of constraints a workload can be given, each knowing its report key, unit,
 * range and default, and checking values itself (the model is {@code
 * java.time.temporal.ChronoField}). Validation in the builders and in {@link Constraints}, the
 * report's JSON keys ({@code constraints} and {@code enforcement[].constraint}), the order of the
 * enforcement list and every backend's mapping table derive from this type.
 *
 * <p>How each value reaches the kernel (formulas and units per backend) is documented in {@code
 * docs/ARCHITECTURE.md}, "Constraint mapping".
 */
public enum Constraint {
  /** CPU time in percent of one core (100 = one core); 0 = unlimited. A cgroup constraint. */
  CPU_QUOTA("cpu_quota", 0, 102_400, 0, "percent of one core, 0 = unlimited", true, "unlimited"),
  /** Relative CPU weight, 1..10000, default 100. A cgroup constraint. */
  CPU_WEIGHT("cpu_weight", 1, 10_000, 100, "relative weight", true, "weight 100"),
  /** Scheduling priority, -20..19; a process attribute applied under every backend. */
  NICE("nice", -20, 19, 0, "scheduling priority", false, "inherited"),
  /**
   * Memory limit in MiB (1 MiB = 1048576 bytes); 0 = unlimited. At most the largest MiB count
   * whose bytes fit a signed 64-bit integer. A cgroup constraint.
   */
  MEMORY_LIMIT_MB("memory_limit_mb", 0, Long.MAX_VALUE / 1048576L, 0, "MiB, 0 = unlimited",
      true, "unlimited"),
  /** IO weight in percent, 0..100; 0 = unset. A cgroup constraint. */
  IO_WEIGHT("io_weight", 0, 100, 0, "percent, 0 = unset", true, "unset"),
  /** OOM score adjustment, -1000..1000; a process attribute applied under every backend. */
  OOM_SCORE("oom_score", -1000, 1000, 0, "oom_score_adj", false, "inherited"),
  /**
   * Memory high (soft) limit in MiB; 0 = unlimited. Above it the kernel throttles the workload
   * and reclaims its memory instead of OOM-killing it (cgroup v2 {@code memory.high}, systemd
   * {@code MemoryHigh}); cgroup v1 has no equivalent. A cgroup constraint.
   */
  MEMORY_HIGH_MB("memory_high_mb", 0, Long.MAX_VALUE / 1048576L, 0, "MiB, 0 = unlimited",
      true, "unlimited"),
  /**
   * Swap limit in MiB: 0 = no swap at all, -1 = unlimited (default). cgroup v2 {@code
   * memory.swap.max}, systemd {@code MemorySwapMax}; cgroup v1 limits memory and swap only
   * together. A cgroup constraint.
   */
  SWAP_MAX_MB("swap_max_mb", -1, Long.MAX_VALUE / 1048576L, -1,
      "MiB, 0 = no swap, -1 = unlimited", true, "unlimited"),
  /**
   * The most processes and threads the workload may have at once, 0 = unlimited; at most the
   * kernel's {@code PID_MAX_LIMIT} (4194304). A fork beyond it fails ({@code EAGAIN}); the
   * report counts such refusals ({@link Usage#pidsLimitHits()}). cgroup v2 and v1 {@code
   * pids.max}, systemd {@code TasksMax}. A cgroup constraint.
   */
  PIDS_MAX("pids_max", 0, 4_194_304, 0, "processes and threads, 0 = unlimited", true,
      "unlimited");

  private final String key;
  private final long min;
  private final long max;
  private final long defaultValue;
  private final String unit;
  private final boolean cgroup;
  private final String defaultMeaning;

  Constraint(
      String key,
      long min,
      long max,
      long defaultValue,
      String unit,
      boolean cgroup,
      String defaultMeaning) {
    this.key = key;
    this.min = min;
    this.max = max;
    this.defaultValue = defaultValue;
    this.unit = unit;
    this.cgroup = cgroup;
    this.defaultMeaning = defaultMeaning;
  }

  /**
   * The key in the report's {@code constraints} object and in {@code enforcement[].constraint}.
   *
   * @return e.g. {@code memory_limit_mb}
   */
  public String key() {
    return key;
  }

  /**
   * The smallest allowed value.
   *
   * @return the minimum
   */
  public long min() {
    return min;
  }

  /**
   * The largest allowed value.
   *
   * @return the maximum
   */
  public long max() {
    return max;
  }

  /**
   * The value of an unconstrained workload; a backend writes nothing for it.
   *
   * @return the default
   */
  public long defaultValue() {
    return defaultValue;
  }

  /**
   * The unit and the meaning of special values, as error messages show it.
   *
   * @return e.g. {@code MiB, 0 = unlimited}
   */
  public String unit() {
    return unit;
  }

  /**
   * What the default value means, as a skipped enforcement entry says it.
   *
   * @return e.g. {@code unlimited}
   */
  public String defaultMeaning() {
    return defaultMeaning;
  }

  /**
   * Whether a cgroup (or a systemd unit) carries this constraint; the others ({@link #NICE},
   * {@link #OOM_SCORE}) are process attributes that the core applies under every backend.
   *
   * @return true for all but {@link #NICE} and {@link #OOM_SCORE}
   */
  public boolean isCgroupConstraint() {
    return cgroup;
  }

  /**
   * Checks a value against this constraint's range.
   *
   * @param value the value
   * @return the value
   * @throws IllegalArgumentException naming the constraint, the value and the range, e.g.
   *     {@code cpu_quota must be between 0 and 102400 (percent of one core, 0 = unlimited), got
   *     -1}
   */
  public long checkValidValue(long value) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          key + " must be between " + min + " and " + max + " (" + unit + "), got " + value);
    }
    return value;
  }

  /**
   * Checks a value of a constraint whose range fits an {@code int} (all but {@link
   * #MEMORY_LIMIT_MB}).
   *
   * @param value the value
   * @return the value
   * @throws IllegalArgumentException as {@link #checkValidValue(long)}
   */
  public int checkValidIntValue(long value) {
    checkValidValue(value);
    if (max > Integer.MAX_VALUE) {
      throw new IllegalStateException(key + " is not an int constraint");
    }
    return (int) value;
  }

  /**
   * The constraint with a report key.
   *
   * @param key e.g. {@code cpu_quota}
   * @return the constraint
   * @throws IllegalArgumentException for an unknown key, naming the known ones
   */
  public static Constraint ofKey(String key) {
    for (Constraint c : values()) {
      if (c.key.equals(key)) {
        return c;
      }
    }
    StringBuilder known = new StringBuilder();
    for (Constraint c : values()) {
      known.append(known.length() == 0 ? "" : ", ").append(c.key);
    }
    throw new IllegalArgumentException("no constraint named '" + key + "'; known: " + known);
  }
}
