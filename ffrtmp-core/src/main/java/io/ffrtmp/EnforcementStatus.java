package io.ffrtmp;

import java.util.Locale;

/** What became of one requested constraint. */
public enum EnforcementStatus {
  /** Written to the kernel and read back as requested. */
  APPLIED,
  /** Could not be enforced as requested; the workload ran without it or with a weaker value. */
  DEGRADED,
  /** Nothing to do: the constraint was left at its default (unlimited or unset). */
  SKIPPED,
  /** Attempted and refused by the kernel. */
  FAILED;

  /**
   * The name used in reports.
   *
   * @return the lower-case name, e.g. {@code applied}
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
