package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One change of a running workload's constraints ({@link GovernedWorkload#update}, or {@code
 * ffrtmp update} from another process): when, what was asked, and what became of it. The
 * report lists every one in its {@code updates}.
 *
 * @param at when it was made, UTC
 * @param requested the constraints changed and their new values as text (a number in decimal, a
 *     list such as {@code 0-3} canonical: {@link Constraints#text}), in {@link Constraint} order
 * @param enforcement one entry per changed constraint, as at a start
 * @param by the pid of the process that made it (the governing JVM, or an {@code ffrtmp update})
 */
public record WorkloadUpdate(Instant at, Map<Constraint, String> requested,
    List<Enforcement> enforcement, long by) {

  /**
   * Copies the collections.
   *
   * @param at when it was made
   * @param requested the new values
   * @param enforcement what became of them
   * @param by who made it
   */
  public WorkloadUpdate {
    requireNonNull(at, "at");
    requested = Collections.unmodifiableMap(requested.isEmpty()
        ? new EnumMap<>(Constraint.class) : new EnumMap<>(requested));
    enforcement = List.copyOf(enforcement);
  }

  /**
   * Whether every changed constraint is in force as asked.
   *
   * @return false when one is degraded or failed
   */
  public boolean enforced() {
    return enforcement.stream().allMatch(Enforcement::enforced);
  }

  /**
   * The update as JSON, as it appears in the report's {@code updates}: {@code {"at": ...,
   * "by": <pid>, "requested": {"cpu_quota": 400, "cpus": "2-3"}, "enforcement": [...]}}.
   *
   * @return one line of JSON
   */
  public String toJson() {
    return ReportJson.write(this);
  }
}
