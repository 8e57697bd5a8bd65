package io.ffrtmp.cgroups;

import static java.util.Objects.requireNonNull;

import io.ffrtmp.Constraint;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a cgroup backend carries one constraint: alternatives, each a sequence of {@link
 * ControlWrite}s. The first whose files all exist and take effect on this host (see {@link
 * CgroupGovernance#ineffective(ControlWrite)}) is used (a write it refuses is {@code failed});
 * when none exists the constraint is {@code degraded} with {@link #unavailable()} (e.g. an IO
 * scheduler without weights) or, without one, naming the missing file and its controller; when
 * one exists but would have no effect, {@code degraded} with that reason. A rule without
 * alternatives ({@link #unsupported}) is always {@code degraded}.
 *
 * @param constraint the constraint (a cgroup constraint)
 * @param alternatives the ways to carry it, in order of preference
 * @param unavailable why the constraint cannot be carried when no alternative's files exist
 *     (required without alternatives)
 */
public record LimitRule(
    Constraint constraint, List<List<ControlWrite>> alternatives, @Nullable String unavailable) {

  /**
   * Checks the components: a cgroup constraint, non-empty alternatives, and a reason where
   * there are none.
   *
   * @param constraint the constraint (a cgroup constraint)
   * @param alternatives the ways to carry it, in order of preference
   * @param unavailable why the constraint cannot be carried when no alternative's files exist
   */
  public LimitRule {
    requireNonNull(constraint, "constraint");
    if (!constraint.isCgroupConstraint()) {
      throw new IllegalArgumentException(constraint.key() + " is not a cgroup constraint");
    }
    List<List<ControlWrite>> copy = new ArrayList<>();
    for (List<ControlWrite> a : alternatives) {
      if (a.isEmpty()) {
        throw new IllegalArgumentException("an alternative of " + constraint.key() + " is empty");
      }
      copy.add(List.copyOf(a));
    }
    if (copy.isEmpty() && unavailable == null) {
      throw new IllegalArgumentException(constraint.key() + " needs an alternative or the"
          + " reason it has none");
    }
    alternatives = List.copyOf(copy);
  }

  /**
   * A constraint carried by a fixed sequence of writes (e.g. v1's {@code cpu.cfs_period_us}
   * then {@code cpu.cfs_quota_us}).
   *
   * @param constraint the constraint
   * @param writes the writes, in order
   * @return the rule
   */
  public static LimitRule of(Constraint constraint, ControlWrite... writes) {
    return new LimitRule(constraint, List.of(List.of(writes)), null);
  }

  /**
   * A constraint carried by the first of several single writes whose file exists (e.g. {@code
   * io.weight}, else {@code io.bfq.weight}).
   *
   * @param constraint the constraint
   * @param unavailable why it cannot be carried when none exists
   * @param writes the candidates, in order of preference
   * @return the rule
   */
  public static LimitRule firstAvailable(
      Constraint constraint, String unavailable, ControlWrite... writes) {
    List<List<ControlWrite>> alternatives = new ArrayList<>();
    for (ControlWrite w : writes) {
      alternatives.add(List.of(w));
    }
    return new LimitRule(constraint, alternatives, unavailable);
  }

  /**
   * A constraint this backend cannot carry at all (cgroup v1's memory high limit): always
   * {@code degraded} with the reason.
   *
   * @param constraint the constraint
   * @param reason why, and what to use instead
   * @return the rule
   */
  public static LimitRule unsupported(Constraint constraint, String reason) {
    return new LimitRule(constraint, List.of(), requireNonNull(reason, "reason"));
  }

  /**
   * The file that names the mechanism in an entry: the last write of the preferred
   * alternative, or, for cgroup v1's four files of io limits, all of them.
   *
   * @return e.g. {@code cpu.cfs_quota_us}
   */
  public String mechanism() {
    if (alternatives.isEmpty()) {
      return "none";
    }
    List<ControlWrite> first = alternatives.get(0);
    if (first.size() > 1 && first.stream().allMatch(w -> w.ioKey() >= 0)) {
      return "blkio.throttle.{read,write}_{bps,iops}_device";
    }
    return first.get(first.size() - 1).file();
  }
}
