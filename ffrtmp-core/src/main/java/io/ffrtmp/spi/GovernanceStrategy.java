package io.ffrtmp.spi;

import java.io.IOException;

/**
 * A governance backend, found with {@link java.util.ServiceLoader}. Register an implementation
 * both with {@code provides io.ffrtmp.spi.GovernanceStrategy with ...} in {@code
 * module-info.java} and in {@code META-INF/services/io.ffrtmp.spi.GovernanceStrategy}.
 *
 * <p>Implementations must have a public no-argument constructor that does no I/O and cannot
 * fail; all probing happens in {@link #probe()}.
 */
public interface GovernanceStrategy {

  /**
   * The backend's name, as used by {@code -Dffrtmp.strategy=NAME}.
   *
   * @return e.g. {@code cgroup-v1}
   */
  String name();

  /**
   * The preference among usable backends; the highest wins ({@code systemd} 400, {@code
   * cgroup-v2} 300, {@code cgroup-v1} 200, {@code nice-fallback} 0).
   *
   * @return the priority
   */
  int priority();

  /**
   * Looks at the host and says whether this backend can govern workloads here.
   *
   * @return the availability and its reason
   */
  Availability probe();

  /**
   * Prepares governance for one workload: creates its cgroup and writes its limits, reading
   * each back, and records in {@link Governance#enforcement()} what became of each constraint.
   * Strict mode is the core's: it releases a governance whose record has a constraint not in
   * force and refuses the start; a backend does not throw for it.
   *
   * @param request the workload's job id and constraints
   * @return the prepared governance
   * @throws IOException when preparation fails
   */
  Governance prepare(GovernanceRequest request) throws IOException;

  /**
   * Rebuilds the governance of a workload an earlier JVM prepared (recovery after an agent
   * restart), from what {@link Governance#state()} returned then. Its {@link
   * Governance#usage()} reads the final counters from {@code finalCounters} (the keeper's copy,
   * taken when the workload ended) where they are given, and from the kernel otherwise.
   *
   * @param state the recorded state
   * @param finalCounters counter file path to its content at the end; empty while running
   * @return the governance
   * @throws IOException when this backend cannot restore it (the default)
   */
  default Governance restore(java.util.Map<String, String> state,
      java.util.Map<String, String> finalCounters) throws IOException {
    throw new IOException(name() + " cannot restore the governance of a recovered workload");
  }
}
