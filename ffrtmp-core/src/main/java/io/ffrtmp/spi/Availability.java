package io.ffrtmp.spi;

import static java.util.Objects.requireNonNull;

/**
 * Whether a backend can be used on this host, and why (not).
 *
 * @param usable whether it can govern workloads here
 * @param reason a one-line explanation for the user, e.g. {@code cgroup v2 mounted at
 *     /sys/fs/cgroup lacks controllers cpu, memory}
 */
public record Availability(boolean usable, String reason) {

  /**
   * Checks that the reason is not null.
   *
   * @param usable whether it can govern workloads here
   * @param reason a one-line explanation for the user, e.g. {@code cgroup v2 mounted at
   *     /sys/fs/cgroup lacks controllers cpu, memory}
   */
  public Availability {
    requireNonNull(reason, "reason");
  }

  /**
   * A usable backend.
   *
   * @param reason what was found
   * @return the availability
   */
  public static Availability usable(String reason) {
    return new Availability(true, reason);
  }

  /**
   * An unusable backend.
   *
   * @param reason why not
   * @return the availability
   */
  public static Availability unusable(String reason) {
    return new Availability(false, reason);
  }
}
