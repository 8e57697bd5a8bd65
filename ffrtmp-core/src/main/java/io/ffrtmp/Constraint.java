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
      "unlimited"),
  /**
   * The CPUs the workload may run on, a list such as {@code 0-3,8} (CPU numbers 0..8191); empty =
   * all of its parent's. A text constraint ({@link #checkValidText}): cgroup v2 and v1 {@code
   * cpuset.cpus}, systemd {@code AllowedCPUs}.
   */
  CPUS("cpus", 8191, "CPU list such as 0-3,8, empty = all"),
  /**
   * The memory (NUMA) nodes the workload may allocate from, a list such as {@code 0-1} (node
   * numbers 0..1023); empty = all of its parent's. A text constraint: {@code cpuset.mems},
   * systemd {@code AllowedMemoryNodes}.
   */
  MEMORY_NODES("memory_nodes", 1023, "memory node list such as 0-1, empty = all"),
  /**
   * Block IO limits per device: bytes and operations per second, read and written, e.g. {@code
   * 8:0 rbps=1048576 wbps=max; /dev/sdb riops=100}; empty = none. A text constraint whose value
   * is {@link IoLimits} (its form and canonical form there): cgroup v2 {@code io.max}, cgroup v1
   * {@code blkio.throttle.*_device}, systemd {@code IOReadBandwidthMax}, {@code
   * IOWriteBandwidthMax}, {@code IOReadIOPSMax}, {@code IOWriteIOPSMax}.
   */
  IO_MAX("io_max", "per-device limits such as '8:0 rbps=1048576 wbps=max', empty = none");

  private final String key;
  private final long min;
  private final long max;
  private final long defaultValue;
  private final String unit;
  private final boolean cgroup;
  private final String defaultMeaning;
  /**
   * For a list constraint: the largest number in it; {@link #NUMBER} for a number, {@link
   * #DEVICES} for per-device IO limits.
   */
  private final long listMax;

  private static final long NUMBER = -1;
  private static final long DEVICES = -2;

  /** A text constraint of per-device limits ({@link IoLimits}). */
  Constraint(String key, String unit) {
    this(key, DEVICES, unit);
  }

  /** A text constraint: a list of numbers 0..listMax, canonical form {@code 0-3,8}. */
  Constraint(String key, long listMax, String unit) {
    this.key = key;
    this.min = 0;
    this.max = 0;
    this.defaultValue = 0;
    this.unit = unit;
    this.cgroup = true;
    this.defaultMeaning = listMax == DEVICES ? "unlimited" : "all";
    this.listMax = listMax;
  }

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
    this.listMax = NUMBER;
  }

  /**
   * The report key, as {@link #key()}: what reports, records and messages name it by.
   *
   * @return e.g. {@code cpu_quota}
   */
  @Override
  public String toString() {
    return key;
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
    if (isText()) {
      throw new IllegalArgumentException(key + " is text (" + unit + "), not a number");
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          key + " must be between " + min + " and " + max + " (" + unit + "), got " + value);
    }
    return value;
  }

  /**
   * Whether this constraint's value is text rather than a number: a list of numbers such as
   * {@code 0-3,8} ({@link #CPUS}, {@link #MEMORY_NODES}) or per-device limits ({@link #IO_MAX});
   * {@link #min()}, {@link #max()} and {@link #defaultValue()} are then 0 and the default is the
   * empty text (all CPUs, no limit).
   *
   * @return true for a text constraint
   */
  public boolean isText() {
    return listMax != NUMBER;
  }

  /**
   * Checks a text value and gives its canonical form. A list as the kernel prints it:
   * ascending, overlaps and neighbours merged, ranges as {@code a-b}, e.g. {@code "3,0-1,2"}
   * gives {@code "0-3"}; blank gives the empty list (all). Per-device limits as {@link
   * IoLimits#toString()} (a device given by path is resolved to its numbers).
   *
   * @param value e.g. {@code 0-3,8}
   * @return the canonical form
   * @throws IllegalArgumentException naming the constraint, the value and the form, e.g. {@code
   *     cpus must be a list of numbers 0..8191 such as 0-3,8 (empty = all), got 'x'}
   */
  public String checkValidText(String value) {
    if (listMax == DEVICES) {
      return IoLimits.canonical(java.util.Objects.requireNonNull(value, key));
    }
    java.util.BitSet bits = listBits(value);
    StringBuilder out = new StringBuilder();
    for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i)) {
      int end = bits.nextClearBit(i) - 1;
      out.append(out.length() == 0 ? "" : ",").append(i).append(end > i ? "-" + end : "");
      i = end + 1;
    }
    return out.toString();
  }

  /**
   * Checks a list value and gives the numbers in it, e.g. for a bitmask as systemd's {@code
   * AllowedCPUs} takes it.
   *
   * @param value e.g. {@code 0-3,8}; blank is the empty set (all)
   * @return the numbers, as set bits
   * @throws IllegalArgumentException as {@link #checkValidText(String)}
   */
  public java.util.BitSet listBits(String value) {
    if (listMax < 0) {
      throw new IllegalArgumentException(key + " is not a list (" + unit + ")");
    }
    String v = java.util.Objects.requireNonNull(value, key).trim();
    java.util.BitSet bits = new java.util.BitSet();
    if (v.isEmpty()) {
      return bits;
    }
    try {
      for (String part : v.split(",", -1)) {
        String[] ends = part.trim().split("-", -1);
        if (ends.length > 2) {
          throw new NumberFormatException();
        }
        int from = number(ends[0]);
        int to = ends.length == 2 ? number(ends[1]) : from;
        if (from > to) {
          throw new NumberFormatException();
        }
        bits.set(from, to + 1);
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a list of numbers 0.." + listMax
          + " such as 0-3,8 (empty = all), got '" + value + "'");
    }
    return bits;
  }

  /**
   * Checks a number given as text (a record, a CLI or an update that holds every value as
   * text).
   *
   * @param value the decimal number
   * @return the number, within the range
   * @throws IllegalArgumentException naming the constraint and the value when it is not a
   *     number, else as {@link #checkValidValue(long)}
   */
  public long checkValidNumber(String value) {
    if (isText()) {
      throw new IllegalArgumentException(key + " is text (" + unit + "), not a number");
    }
    long n;
    try {
      n = Long.parseLong(java.util.Objects.requireNonNull(value, key).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number (" + unit + "), got '" + value
          + "'");
    }
    return checkValidValue(n);
  }

  /**
   * Whether a value given as text is this constraint's default (no limit, all CPUs): what an
   * update lifts the constraint with.
   *
   * @param value a canonical list, or a decimal number
   * @return true for the empty list, or the default number
   */
  public boolean isDefault(String value) {
    return isText() ? value.isEmpty() : checkValidNumber(value) == defaultValue;
  }

  private int number(String s) {
    String t = s.trim();
    if (!t.matches("[0-9]{1,7}")) {
      throw new NumberFormatException(t);
    }
    int n = Integer.parseInt(t);
    if (n > listMax) {
      throw new NumberFormatException(t);
    }
    return n;
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
