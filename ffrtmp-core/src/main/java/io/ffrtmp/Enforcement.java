package io.ffrtmp;

import static java.util.Objects.requireNonNull;

/**
 * What was done about one requested constraint.
 *
 * @param constraint the constraint (its report key, {@link Constraint#key()}, is what the JSON
 *     report says, e.g. {@code cpu_quota} or {@code nice})
 * @param status what became of it
 * @param mechanism how it was (or would have been) enforced, e.g. {@code cpu.max} or {@code
 *     setpriority}
 * @param detail a human-readable detail: the value written, or why it was not
 */
public record Enforcement(
    Constraint constraint, EnforcementStatus status, String mechanism, String detail) {

  /**
   * Checks that no component is null.
   *
   * @param constraint the constraint
   * @param status what became of it
   * @param mechanism how it was (or would have been) enforced, e.g. {@code cpu.max} or {@code
   *     setpriority}
   * @param detail a human-readable detail: the value written, or why it was not
   */
  public Enforcement {
    requireNonNull(constraint, "constraint");
    requireNonNull(status, "status");
    requireNonNull(mechanism, "mechanism");
    requireNonNull(detail, "detail");
  }

  /**
   * Returns a copy with another status and detail.
   *
   * @param newStatus the status
   * @param newDetail the detail
   * @return the copy
   */
  public Enforcement with(EnforcementStatus newStatus, String newDetail) {
    return new Enforcement(constraint, newStatus, mechanism, newDetail);
  }

  /**
   * Whether the constraint is in force as requested (applied, or nothing to do).
   *
   * @return false when it is degraded or failed
   */
  public boolean enforced() {
    return status != EnforcementStatus.DEGRADED && status != EnforcementStatus.FAILED;
  }
}
