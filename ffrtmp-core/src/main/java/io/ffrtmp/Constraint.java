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
  CPU_QUOTA("cpu_quota", 0, Constraints.CPU_QUOTA_MAX, 0, "percent of one core, 0 = unlimited", true, "unlimited"),
  /** Relative CPU weight, 1..10000, default 100. A cgroup constraint. */
  CPU_WEIGHT(
      "cpu_weight",
      Constraints.CPU_WEIGHT_MIN,
      Constraints.CPU_WEIGHT_MAX,
      Constraints.CPU_WEIGHT_DEFAULT, "relative weight", true, "default weight 100"),
  /** Scheduling priority, -20..19; a process attribute applied under every backend. */
  NICE("nice", Constraints.NICE_MIN, Constraints.NICE_MAX, 0, "scheduling priority", false, "inherited"),
  /** Memory limit in MiB (1 MiB = 1048576 bytes); 0 = unlimited. A cgroup constraint. */
  MEMORY_LIMIT_MB(
      "memory_limit_mb",
      0,
      Constraints.MEMORY_LIMIT_MB_MAX,
      0,
      "MiB, 0 = unlimited",
      true,
      "unlimited"),
  /** IO weight in percent, 0..100; 0 = unset. A cgroup constraint. */
  IO_WEIGHT("io_weight", 0, Constraints.IO_WEIGHT_MAX, 0, "percent, 0 = unset", true, "unset"),
  /** OOM score adjustment, -1000..1000; a process attribute applied under every backend. */
  OOM_SCORE("oom_score", Constraints.OOM_SCORE_MIN, Constraints.OOM_SCORE_MAX, 0, "oom_score_adj", false, "inherited");

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
   * @return true for cpu quota, cpu weight, memory limit and io weight
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
