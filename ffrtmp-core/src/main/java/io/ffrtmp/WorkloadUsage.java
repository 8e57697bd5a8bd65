package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The usage now of one running workload of the records ({@link Recovery#usage}, {@code
 * ffrtmp stats}), whichever process governs it.
 *
 * @param jobId its job id
 * @param pid its pid
 * @param strategy its backend
 * @param cgroupPath its cgroup, or null
 * @param startedAt when it started
 * @param usage its usage now
 */
public record WorkloadUsage(String jobId, long pid, String strategy, @Nullable String cgroupPath,
    Instant startedAt, Usage usage) {

  /**
   * Checks non-null components.
   *
   * @param jobId its job id
   * @param pid its pid
   * @param strategy its backend
   * @param cgroupPath its cgroup, or null
   * @param startedAt when it started
   * @param usage its usage now
   */
  public WorkloadUsage {
    requireNonNull(jobId, "jobId");
    requireNonNull(strategy, "strategy");
    requireNonNull(startedAt, "startedAt");
    requireNonNull(usage, "usage");
  }

  /**
   * One JSON document: {@code job_id}, {@code pid}, {@code strategy}, {@code cgroup_path},
   * {@code started_at} and {@code usage} with the report's usage keys.
   *
   * @return one line of JSON
   */
  public String toJson() {
    return "{\"job_id\":" + ReportJson.str(jobId) + ",\"pid\":" + pid + ",\"strategy\":"
        + ReportJson.str(strategy) + ",\"cgroup_path\":" + ReportJson.str(cgroupPath)
        + ",\"started_at\":" + ReportJson.str(startedAt.toString()) + ",\"usage\":"
        + usage.toJson() + "}";
  }
}
