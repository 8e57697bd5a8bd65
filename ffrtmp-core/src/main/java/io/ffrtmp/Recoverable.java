package io.ffrtmp;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A workload with a start record on this host, as {@link Workload#recoverable()} lists it.
 *
 * @param jobId the job id
 * @param pid the workload's pid
 * @param state what its records say: running, ended (its exit was recorded), unknown (gone
 *     without a record)
 * @param exitCode the recorded exit status when ended (128+N for signal N), else null
 * @param governorPid the JVM governing it, or 0 when none does (then it is recoverable)
 * @param strategy the backend
 * @param cgroupPath its cgroup, or null
 * @param startedAt when it started
 * @param constraints the requested constraints
 */
public record Recoverable(String jobId, long pid, State state,
    @Nullable Integer exitCode, long governorPid, String strategy,
    @Nullable String cgroupPath, Instant startedAt,
    Constraints constraints) {

  /** What a workload's records say of it. */
  public enum State {
    /** It runs (its keeper or the workload itself is alive). */
    RUNNING,
    /** It ended, and its exit was recorded. */
    ENDED,
    /** It is gone without a record of its end (killed with its keeper, or the host rebooted). */
    UNKNOWN,
    /**
     * Its governor reported it and removed its records: what a wait for it says (the CLI's
     * {@code wait}); {@link Workload#recoverable()} never lists one.
     */
    REPORTED;

    /**
     * The state as the JSON and the CLI's table write it.
     *
     * @return e.g. {@code running}
     */
    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Checks the components that must be present.
   *
   * @param jobId the job id
   * @param pid the workload's pid
   * @param state what its records say
   * @param exitCode the recorded exit status when ended, else null
   * @param governorPid the JVM governing it, or 0
   * @param strategy the backend
   * @param cgroupPath its cgroup, or null
   * @param startedAt when it started
   * @param constraints the requested constraints
   */
  public Recoverable {
    java.util.Objects.requireNonNull(jobId, "jobId");
    java.util.Objects.requireNonNull(state, "state");
    java.util.Objects.requireNonNull(strategy, "strategy");
    java.util.Objects.requireNonNull(startedAt, "startedAt");
    java.util.Objects.requireNonNull(constraints, "constraints");
  }

  /**
   * This entry as one line of JSON: {@code job_id}, {@code pid}, {@code state}, {@code
   * exit_code}, {@code governor_pid} (null when none), {@code strategy}, {@code cgroup_path},
   * {@code started_at} and the {@code constraints} object of the report.
   *
   * @return the JSON object
   */
  public String toJson() {
    return ReportJson.write(this);
  }
}
