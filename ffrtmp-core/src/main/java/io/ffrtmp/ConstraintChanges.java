package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The constraints to change on a running workload ({@link GovernedWorkload#update}): only those
 * set here change, each checked against its {@link Constraint}'s range when set. A value equal
 * to the constraint's {@linkplain Constraint#defaultValue() default} lifts it (a CPU quota or a
 * memory limit of 0 is unlimited again: {@code max} in the cgroup); every other value is
 * enforced as at a start.
 *
 * <p>A memory limit below what the workload uses now would make the kernel reclaim its memory
 * and, failing that, OOM-kill it (cgroup v2's {@code memory.max}; v1 refuses the write with
 * {@code EBUSY}). That is refused — {@code failed}, the old limit kept, as {@code runc update}
 * refuses it — unless {@link #allowMemoryBelowUsage()} says it is meant.
 */
public final class ConstraintChanges {
  private final EnumMap<Constraint, Long> values = new EnumMap<>(Constraint.class);
  private final EnumMap<Constraint, String> lists = new EnumMap<>(Constraint.class);
  private boolean belowUsage;

  /** An empty set of changes. */
  public ConstraintChanges() {}

  /**
   * Sets the CPU quota.
   *
   * @param percent percent of one core, 0..102400; 0 = unlimited
   * @return this
   * @throws IllegalArgumentException naming the value and the range
   */
  public ConstraintChanges cpuQuota(int percent) {
    return set(Constraint.CPU_QUOTA, percent);
  }

  /**
   * Sets the CPU weight.
   *
   * @param weight 1..10000; 100 is the default
   * @return this
   * @throws IllegalArgumentException naming the value and the range
   */
  public ConstraintChanges cpuWeight(int weight) {
    return set(Constraint.CPU_WEIGHT, weight);
  }

  /**
   * Sets the memory limit.
   *
   * @param mebibytes MiB; 0 = unlimited
   * @return this
   * @throws IllegalArgumentException naming the value and the range
   */
  public ConstraintChanges memoryLimitMb(long mebibytes) {
    return set(Constraint.MEMORY_LIMIT_MB, mebibytes);
  }

  /**
   * Sets the IO weight.
   *
   * @param percent 1..100; 0 = unset (the default weight)
   * @return this
   * @throws IllegalArgumentException naming the value and the range
   */
  public ConstraintChanges ioWeight(int percent) {
    return set(Constraint.IO_WEIGHT, percent);
  }

  /**
   * Sets the nice value of every thread of the workload's processes.
   *
   * @param nice -20..19
   * @return this
   * @throws IllegalArgumentException naming the value and the range
   */
  public ConstraintChanges nice(int nice) {
    return set(Constraint.NICE, nice);
  }

  /**
   * Sets the OOM score adjustment of the workload's processes.
   *
   * @param score -1000..1000
   * @return this
   * @throws IllegalArgumentException naming the value and the range
   */
  public ConstraintChanges oomScore(int score) {
    return set(Constraint.OOM_SCORE, score);
  }

  /**
   * Changes the memory high (soft) limit.
   *
   * @param mebibytes MiB; 0 lifts it
   * @return these changes
   */
  public ConstraintChanges memoryHighMb(long mebibytes) {
    return set(Constraint.MEMORY_HIGH_MB, mebibytes);
  }

  /**
   * Changes the swap limit.
   *
   * @param mebibytes MiB, 0 = no swap; -1 lifts it
   * @return these changes
   */
  public ConstraintChanges swapMaxMb(long mebibytes) {
    return set(Constraint.SWAP_MAX_MB, mebibytes);
  }

  /**
   * Changes the most processes and threads at once (lowering it below the number running
   * kills nothing: only new forks fail).
   *
   * @param count the limit; 0 lifts it
   * @return these changes
   */
  public ConstraintChanges pidsMax(int count) {
    return set(Constraint.PIDS_MAX, count);
  }

  /**
   * Sets any constraint.
   *
   * @param constraint which
   * @param value its new value, in its unit
   * @return this
   * @throws IllegalArgumentException naming the value and the range
   */
  public ConstraintChanges set(Constraint constraint, long value) {
    requireNonNull(constraint, "constraint");
    values.put(constraint, constraint.checkValidValue(value));
    return this;
  }

  /**
   * Lets a memory limit below the workload's current usage be written: the kernel then
   * reclaims memory (page cache first) and, where it cannot, OOM-kills the workload.
   *
   * @return this
   */
  public ConstraintChanges allowMemoryBelowUsage() {
    this.belowUsage = true;
    return this;
  }

  /**
   * Changes a list constraint ({@link Constraint#isText()}), or a number given as text.
   *
   * @param constraint which
   * @param value the list, e.g. {@code 0-3}; empty lifts it (all of the parent's)
   * @return these changes
   * @throws IllegalArgumentException naming the constraint, the value and the form
   */
  public ConstraintChanges set(Constraint constraint, String value) {
    requireNonNull(constraint, "constraint");
    if (!constraint.isText()) {
      return set(constraint, constraint.checkValidNumber(value));
    }
    lists.put(constraint, constraint.checkValidText(value));
    return this;
  }

  /**
   * Changes the CPUs the workload may run on (its tasks move at once).
   *
   * @param list e.g. {@code 2-3}; empty lifts it
   * @return these changes
   */
  public ConstraintChanges cpus(String list) {
    return set(Constraint.CPUS, list);
  }

  /**
   * Changes the memory nodes the workload may allocate from.
   *
   * @param list e.g. {@code 0}; empty lifts it
   * @return these changes
   */
  public ConstraintChanges memoryNodes(String list) {
    return set(Constraint.MEMORY_NODES, list);
  }

  /**
   * Changes the block IO limits: the devices given get these limits, every other device loses
   * its limit.
   *
   * @param limits as {@link IoLimits#parse(String)} takes them; empty lifts every limit
   * @return these changes
   */
  public ConstraintChanges ioMax(String limits) {
    return set(Constraint.IO_MAX, limits);
  }

  /**
   * The changes of number constraints.
   *
   * @return constraint to new value, in {@link Constraint} order
   */
  public Map<Constraint, Long> values() {
    return Collections.unmodifiableMap(new EnumMap<>(values));
  }

  /**
   * The changes of list constraints ({@link Constraint#isText()}).
   *
   * @return constraint to its new list (canonical; empty lifts it), in {@link Constraint} order
   */
  public Map<Constraint, String> lists() {
    return Collections.unmodifiableMap(new EnumMap<>(lists));
  }

  /**
   * Every change as text (a number in decimal, a list canonical), as an update records it.
   *
   * @return constraint to new value, in {@link Constraint} order
   */
  public Map<Constraint, String> requested() {
    EnumMap<Constraint, String> all = new EnumMap<>(Constraint.class);
    values.forEach((c, v) -> all.put(c, Long.toString(v)));
    all.putAll(lists);
    return Collections.unmodifiableMap(all);
  }

  /**
   * Whether nothing is to change.
   *
   * @return true without any change
   */
  public boolean isEmpty() {
    return values.isEmpty() && lists.isEmpty();
  }

  /**
   * Whether a memory limit below current usage may be written.
   *
   * @return true after {@link #allowMemoryBelowUsage()}
   */
  public boolean memoryBelowUsageAllowed() {
    return belowUsage;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    requested().forEach((c, v) -> b.append(b.length() == 0 ? "" : " ").append(c.key())
        .append('=').append(v));
    return b.toString();
  }
}
