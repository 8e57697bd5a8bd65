package io.ffrtmp.cgroups;

import io.ffrtmp.Constraint;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A backend's mapping table: exactly one {@link LimitRule} for every cgroup {@link Constraint}.
 * Built once per backend class; an incomplete or duplicated table is a programming error and
 * is refused with the constraints named.
 */
public final class LimitTable {
  private final Map<Constraint, LimitRule> rules;

  private LimitTable(Map<Constraint, LimitRule> rules) {
    this.rules = rules;
  }

  /**
   * Makes a table.
   *
   * @param rules one rule per cgroup constraint
   * @return the table
   * @throws IllegalArgumentException naming the constraints without a rule or with two
   */
  public static LimitTable of(LimitRule... rules) {
    Map<Constraint, LimitRule> map = new EnumMap<>(Constraint.class);
    List<String> problems = new ArrayList<>();
    for (LimitRule r : rules) {
      if (map.put(r.constraint(), r) != null) {
        problems.add("two rules for " + r.constraint().key());
      }
    }
    for (Constraint c : Constraint.values()) {
      if (c.isCgroupConstraint() && !map.containsKey(c)) {
        problems.add("no rule for " + c.key());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("incomplete limit table: " + String.join(", ", problems));
    }
    return new LimitTable(map);
  }

  /**
   * The rule of a cgroup constraint.
   *
   * @param constraint the constraint
   * @return its rule
   * @throws IllegalArgumentException for a constraint that is not a cgroup constraint
   */
  public LimitRule rule(Constraint constraint) {
    LimitRule r = rules.get(constraint);
    if (r == null) {
      throw new IllegalArgumentException(constraint.key() + " is not a cgroup constraint");
    }
    return r;
  }

  /**
   * Every rule, in {@link Constraint} order.
   *
   * @return the rules
   */
  public List<LimitRule> rules() {
    return List.copyOf(rules.values());
  }
}
