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
    if (constraint.isText()) {
      throw new IllegalArgumentException(constraint.key() + " is set at the start only: an"
          + " update cannot change it");
    }
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
   * The changes.
   *
   * @return constraint to new value, in {@link Constraint} order
   */
  public Map<Constraint, Long> values() {
    return Collections.unmodifiableMap(new EnumMap<>(values));
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
    values.forEach((c, v) -> b.append(b.length() == 0 ? "" : " ").append(c.key()).append('=')
        .append(v));
    return b.toString();
  }
}
