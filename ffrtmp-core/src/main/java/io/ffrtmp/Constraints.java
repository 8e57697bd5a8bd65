package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The constraints requested for a workload, one value per {@link Constraint}, in the units of
 * the operator guide's Flag Reference. Ranges, units and defaults are the model's ({@link
 * Constraint#min()}, {@link Constraint#max()}, {@link Constraint#defaultValue()}); this class
 * only holds values, each checked by its constraint when set.
 *
 * <p>How each value reaches the kernel (formulas and units per backend) is documented in {@code
 * docs/ARCHITECTURE.md}, "Constraint mapping". {@link #get(Constraint)} reads a value by
 * constraint, {@link #builder()} and {@link #toBuilder()} make values, e.g. a per-job-class
 * template:
 *
 * <pre>{@code
 * Constraints transcode = Constraints.builder().cpuQuota(200).memoryLimitMb(4096).build();
 * Workload.run(cmd).withConstraints(transcode).withJobId("job-7").start();
 * }</pre>
 */
public final class Constraints {
  private static final Constraint[] ALL = Constraint.values();

  /** No constraints: the guide's "Default (Unconstrained)" preset; every value its default. */
  public static final Constraints DEFAULTS = new Constraints(defaults(), noTexts());

  /** Indexed by {@link Constraint#ordinal()}: the numbers (0 for a text constraint). */
  private final long[] values;

  /** Indexed by {@link Constraint#ordinal()}: the canonical lists ("" for a number). */
  private final String[] texts;

  private Constraints(long[] values, String[] texts) {
    this.values = values;
    this.texts = texts;
  }

  private static String[] noTexts() {
    String[] t = new String[ALL.length];
    java.util.Arrays.fill(t, "");
    return t;
  }

  private static long[] defaults() {
    long[] v = new long[ALL.length];
    for (Constraint c : ALL) {
      v[c.ordinal()] = c.defaultValue();
    }
    return v;
  }

  /**
   * The value of one constraint that is a number.
   *
   * @param constraint which
   * @return its value
   * @throws IllegalArgumentException for a {@linkplain Constraint#isText() text} constraint
   *     (its value is {@link #text(Constraint)})
   */
  public long get(Constraint constraint) {
    if (requireNonNull(constraint, "constraint").isText()) {
      throw new IllegalArgumentException(constraint.key() + " is text: read it with text()");
    }
    return values[constraint.ordinal()];
  }

  /**
   * The value of any constraint as text: a list in its canonical form ({@code 0-3,8}, empty =
   * all) for a {@linkplain Constraint#isText() text} constraint, the decimal number otherwise.
   *
   * @param constraint which
   * @return its value as text
   */
  public String text(Constraint constraint) {
    return requireNonNull(constraint, "constraint").isText() ? texts[constraint.ordinal()]
        : Long.toString(values[constraint.ordinal()]);
  }

  /**
   * CPU time in percent of one core; 0 = unlimited.
   *
   * @return the {@link Constraint#CPU_QUOTA}
   */
  public int cpuQuota() {
    return (int) get(Constraint.CPU_QUOTA);
  }

  /**
   * Relative CPU weight.
   *
   * @return the {@link Constraint#CPU_WEIGHT}
   */
  public int cpuWeight() {
    return (int) get(Constraint.CPU_WEIGHT);
  }

  /**
   * Scheduling priority.
   *
   * @return the {@link Constraint#NICE}
   */
  public int nice() {
    return (int) get(Constraint.NICE);
  }

  /**
   * Memory limit in MiB; 0 = unlimited.
   *
   * @return the {@link Constraint#MEMORY_LIMIT_MB}
   */
  public long memoryLimitMb() {
    return get(Constraint.MEMORY_LIMIT_MB);
  }

  /**
   * IO weight in percent; 0 = unset.
   *
   * @return the {@link Constraint#IO_WEIGHT}
   */
  public int ioWeight() {
    return (int) get(Constraint.IO_WEIGHT);
  }

  /**
   * OOM score adjustment.
   *
   * @return the {@link Constraint#OOM_SCORE}
   */
  public int oomScore() {
    return (int) get(Constraint.OOM_SCORE);
  }

  /**
   * Memory high (soft) limit in MiB; 0 = unlimited.
   *
   * @return the {@link Constraint#MEMORY_HIGH_MB}
   */
  public long memoryHighMb() {
    return get(Constraint.MEMORY_HIGH_MB);
  }

  /**
   * Swap limit in MiB; 0 = no swap, -1 = unlimited.
   *
   * @return the {@link Constraint#SWAP_MAX_MB}
   */
  public long swapMaxMb() {
    return get(Constraint.SWAP_MAX_MB);
  }

  /**
   * Most processes and threads at once; 0 = unlimited.
   *
   * @return the {@link Constraint#PIDS_MAX}
   */
  public int pidsMax() {
    return (int) get(Constraint.PIDS_MAX);
  }

  /**
   * The CPUs the workload may run on; empty = all.
   *
   * @return the {@link Constraint#CPUS} list, e.g. {@code 0-3,8}
   */
  public String cpus() {
    return text(Constraint.CPUS);
  }

  /**
   * The memory nodes the workload may allocate from; empty = all.
   *
   * @return the {@link Constraint#MEMORY_NODES} list
   */
  public String memoryNodes() {
    return text(Constraint.MEMORY_NODES);
  }

  /**
   * The block IO limits per device; empty = none.
   *
   * @return the {@link Constraint#IO_MAX} limits, canonical ({@link IoLimits#toString()})
   */
  public String ioMax() {
    return text(Constraint.IO_MAX);
  }

  /**
   * Whether a constraint was requested, i.e. differs from its {@linkplain
   * Constraint#defaultValue() default} (for which no backend writes anything).
   *
   * @param constraint which
   * @return true when requested
   */
  public boolean isRequested(Constraint constraint) {
    return constraint.isText() ? !text(constraint).isEmpty()
        : get(constraint) != constraint.defaultValue();
  }

  /**
   * The requested cgroup constraints, in {@link Constraint} order.
   *
   * @return those with {@link Constraint#isCgroupConstraint()} that differ from their default
   */
  public List<Constraint> requestedCgroupConstraints() {
    List<Constraint> out = new ArrayList<>(4);
    for (Constraint c : ALL) {
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

  @Override
  public boolean equals(Object o) {
    return o instanceof Constraints && Arrays.equals(values, ((Constraints) o).values)
        && Arrays.equals(texts, ((Constraints) o).texts);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(values) + Arrays.hashCode(texts);
  }

  /** Every constraint as {@code key=value}, in {@link Constraint} order. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("Constraints[");
    for (Constraint c : ALL) {
      b.append(c.ordinal() == 0 ? "" : ", ").append(c.key()).append('=').append(text(c));
    }
    return b.append(']').toString();
  }

  /**
   * Builds {@link Constraints}; each setter checks its value at once (an {@link
   * IllegalArgumentException} names the constraint, the value and the range).
   */
  public static final class Builder {
    private final long[] values;
    private final String[] texts;

    private Builder(Constraints from) {
      values = from.values.clone();
      texts = from.texts.clone();
    }

    /**
     * Sets one constraint.
     *
     * @param constraint which
     * @param value its value, within the constraint's range
     * @return this builder
     * @throws IllegalArgumentException naming the constraint, the value and the range
     */
    public Builder set(Constraint constraint, long value) {
      values[requireNonNull(constraint, "constraint").ordinal()] =
          constraint.checkValidValue(value);
      return this;
    }

    /**
     * Sets one constraint from text: a list for a {@linkplain Constraint#isText() text}
     * constraint, a decimal number otherwise (as {@link Constraints#text} gives them).
     *
     * @param constraint which
     * @param value its value as text
     * @return this builder
     * @throws IllegalArgumentException naming the constraint, the value and the range or form
     */
    public Builder setText(Constraint constraint, String value) {
      requireNonNull(constraint, "constraint");
      if (constraint.isText()) {
        texts[constraint.ordinal()] = constraint.checkValidText(value);
        return this;
      }
      return set(constraint, constraint.checkValidNumber(value));
    }

    /**
     * Sets the CPUs the workload may run on.
     *
     * @param list e.g. {@code 0-3,8}; empty = all
     * @return this builder
     */
    public Builder cpus(String list) {
      return setText(Constraint.CPUS, list);
    }

    /**
     * Sets the memory nodes the workload may allocate from.
     *
     * @param list e.g. {@code 0}; empty = all
     * @return this builder
     */
    public Builder memoryNodes(String list) {
      return setText(Constraint.MEMORY_NODES, list);
    }

    /**
     * Sets the block IO limits per device ({@link IoLimits#parse(String)} says the form).
     *
     * @param limits e.g. {@code 8:0 wbps=10M; /dev/sdb riops=100}; empty = none
     * @return this builder
     */
    public Builder ioMax(String limits) {
      return setText(Constraint.IO_MAX, limits);
    }

    /**
     * Sets the CPU quota.
     *
     * @param percent percent of one core, 0 = unlimited
     * @return this builder
     */
    public Builder cpuQuota(int percent) {
      return set(Constraint.CPU_QUOTA, percent);
    }

    /**
     * Sets the CPU weight.
     *
     * @param weight 1..10000
     * @return this builder
     */
    public Builder cpuWeight(int weight) {
      return set(Constraint.CPU_WEIGHT, weight);
    }

    /**
     * Sets the nice value.
     *
     * @param value -20..19
     * @return this builder
     */
    public Builder nice(int value) {
      return set(Constraint.NICE, value);
    }

    /**
     * Sets the memory limit.
     *
     * @param mebibytes MiB, 0 = unlimited
     * @return this builder
     */
    public Builder memoryLimitMb(long mebibytes) {
      return set(Constraint.MEMORY_LIMIT_MB, mebibytes);
    }

    /**
     * Sets the IO weight.
     *
     * @param percent 0..100, 0 = unset
     * @return this builder
     */
    public Builder ioWeight(int percent) {
      return set(Constraint.IO_WEIGHT, percent);
    }

    /**
     * Sets the OOM score adjustment.
     *
     * @param score -1000..1000
     * @return this builder
     */
    public Builder oomScore(int score) {
      return set(Constraint.OOM_SCORE, score);
    }

    /**
     * Sets the memory high (soft) limit.
     *
     * @param mebibytes MiB, 0 = unlimited
     * @return this builder
     */
    public Builder memoryHighMb(long mebibytes) {
      return set(Constraint.MEMORY_HIGH_MB, mebibytes);
    }

    /**
     * Sets the swap limit.
     *
     * @param mebibytes MiB, 0 = no swap, -1 = unlimited
     * @return this builder
     */
    public Builder swapMaxMb(long mebibytes) {
      return set(Constraint.SWAP_MAX_MB, mebibytes);
    }

    /**
     * Sets the most processes and threads at once.
     *
     * @param count 0..4194304, 0 = unlimited
     * @return this builder
     */
    public Builder pidsMax(int count) {
      return set(Constraint.PIDS_MAX, count);
    }

    /**
     * The constraints.
     *
     * @return an immutable value
     */
    public Constraints build() {
      return new Constraints(values.clone(), texts.clone());
    }
  }
}
