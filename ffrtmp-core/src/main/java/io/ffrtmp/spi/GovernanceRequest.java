package io.ffrtmp.spi;

import static java.util.Objects.requireNonNull;

import io.ffrtmp.Constraints;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a backend is asked to prepare for one workload.
 *
 * @param jobId the job id as given (the backend derives a safe cgroup name from it with {@link
 *     CgroupNames#forJob(String)})
 * @param constraints the requested constraints
 * @param strict whether a constraint that cannot be enforced must fail the start
 * @param cgroupParent the configured parent cgroup (relative to the hierarchy root), or null for
 *     the backend's default rule
 * @param command the command a run-mode workload runs (for descriptions, e.g. a systemd unit's);
 *     empty in attach mode
 */
public record GovernanceRequest(
    String jobId, Constraints constraints, boolean strict, @Nullable String cgroupParent,
    List<String> command) {

  /**
   * Checks non-null components.
   *
   * @param jobId the job id as given (the backend derives a safe cgroup name from it with {@link
   *     CgroupNames#forJob(String)})
   * @param constraints the requested constraints
   * @param strict whether a constraint that cannot be enforced must fail the start
   * @param cgroupParent the configured parent cgroup (relative to the hierarchy root), or null for
   *     the backend's default rule
   * @param command the command a run-mode workload runs; empty in attach mode
   */
  public GovernanceRequest {
    requireNonNull(jobId, "jobId");
    requireNonNull(constraints, "constraints");
    command = List.copyOf(command);
  }

  /**
   * A request without a command (attach mode, tests).
   *
   * @param jobId the job id as given
   * @param constraints the requested constraints
   * @param strict whether a constraint that cannot be enforced must fail the start
   * @param cgroupParent the configured parent cgroup, or null for the backend's default rule
   */
  public GovernanceRequest(String jobId, Constraints constraints, boolean strict,
      @Nullable String cgroupParent) {
    this(jobId, constraints, strict, cgroupParent, List.of());
  }

  /**
   * Whether the workload is launched (run mode) rather than adopted: its parent is then the
   * launch keeper, which reaps it (and, as child subreaper, its orphaned descendants) and copies
   * {@link Governance#finalCounters()} when it ends — files of the keeper's own, such as {@code
   * /proc/self/io}, included.
   *
   * @return whether a command is launched
   */
  public boolean launched() {
    return !command.isEmpty();
  }
}
