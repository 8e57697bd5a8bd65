package io.ffrtmp;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A workload with a start record on this host, as {@link Workload#recoverable()} lists it.
 *
 * @param jobId the job id
 * @param pid the workload's pid
 * @param state {@code running}, {@code ended} (its exit was recorded) or {@code unknown} (gone
 *     without a record)
 * @param exitCode the recorded exit status when ended (128+N for signal N), else null
 * @param governorPid the JVM governing it, or 0 when none does (then it is recoverable)
 * @param strategy the backend
 * @param cgroupPath its cgroup, or null
 * @param startedAt when it started
 * @param constraints the requested constraints
 */
public record Recoverable(String jobId, long pid, String state,
    @Nullable Integer exitCode, long governorPid, String strategy,
    @Nullable String cgroupPath, Instant startedAt,
    Constraints constraints) {

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
