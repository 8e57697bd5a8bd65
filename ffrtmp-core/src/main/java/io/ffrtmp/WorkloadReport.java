package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What happened to one workload: an immutable record, written once when the workload ended (or
 * was detached). {@link #toJson()} renders it with exactly the keys of the specification's
 * report, in this order: {@code job_id, mode, intent, sla_eligible, pid, command, strategy,
 * cgroup_path, started_at, ended_at, duration_sec, exit_code, exit_reason, signal, constraints,
 * enforcement, updates, usage, warnings, platform_sla_compliant, platform_sla_reason}.
 *
 * @param jobId the job id as given (never rewritten; {@code unknown} when none or empty)
 * @param mode run or attach
 * @param intent the declared intent
 * @param slaEligible whether the job was marked SLA-worthy
 * @param pid the workload's process id
 * @param command the command line (run mode); null in attach mode
 * @param strategy the backend that governed it: {@code systemd}, {@code cgroup-v2}, {@code
 *     cgroup-v1} or {@code nice-fallback}
 * @param cgroupPath the workload's cgroup, relative to the hierarchy root (e.g. {@code
 *     /ffrtmp-wrapper-job-1}); null without a cgroup
 * @param startedAt when the launch (or adoption) began, UTC
 * @param endedAt when the end was observed, UTC
 * @param durationSec seconds from {@code startedAt} to {@code endedAt}
 * @param exitCode the exit status; {@code 128+N} when killed by signal N; null when not
 *     observable (attach mode)
 * @param exitReason how it ended
 * @param signal the name of the killing signal (e.g. {@code SIGKILL}), or null
 * @param constraints the requested values
 * @param enforcement what was done about each requested constraint at the start
 * @param updates every change of the constraints while it ran, in the order made ({@link
 *     WorkloadUpdate}); {@code constraints} and {@code enforcement} stay those of the start
 * @param usage resource usage from the kernel's counters
 * @param warnings every degradation and problem, in the order met
 * @param platformSlaCompliant whether the platform (not the workload) kept its side of the SLA
 * @param platformSlaReason why: {@code completed_within_limits}, {@code
 *     workload_failure_platform_ok}, {@code workload_exceeded_memory_limit}, {@code
 *     timeout_enforced}, {@code detached}, {@code constraints_not_enforced} or {@code
 *     not_sla_eligible}
 */
public record WorkloadReport(
    String jobId,
    Mode mode,
    Intent intent,
    boolean slaEligible,
    long pid,
    @Nullable List<String> command,
    String strategy,
    @Nullable String cgroupPath,
    Instant startedAt,
    Instant endedAt,
    double durationSec,
    @Nullable Integer exitCode,
    ExitReason exitReason,
    @Nullable String signal,
    Constraints constraints,
    List<Enforcement> enforcement,
    List<WorkloadUpdate> updates,
    Usage usage,
    List<String> warnings,
    boolean platformSlaCompliant,
    String platformSlaReason) {

  /** How the workload came under governance. */
  public enum Mode {
    /** Started by ffrtmp. */
    RUN,
    /** Adopted while running. */
    ATTACH;

    /**
     * The name used in reports.
     *
     * @return {@code run} or {@code attach}
     */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Checks non-null components and copies the lists.
   *
   * @param jobId the job id as given (never rewritten; {@code unknown} when none or empty)
   * @param mode run or attach
   * @param intent the declared intent
   * @param slaEligible whether the job was marked SLA-worthy
   * @param pid the workload's process id
   * @param command the command line (run mode); null in attach mode
   * @param strategy the backend that governed it: {@code systemd}, {@code cgroup-v2}, {@code
   *     cgroup-v1} or {@code nice-fallback}
   * @param cgroupPath the workload's cgroup, relative to the hierarchy root (e.g. {@code
   *     /ffrtmp-wrapper-job-1}); null without a cgroup
   * @param startedAt when the launch (or adoption) began, UTC
   * @param endedAt when the end was observed, UTC
   * @param durationSec seconds from {@code startedAt} to {@code endedAt}
   * @param exitCode the exit status; {@code 128+N} when killed by signal N; null when not
   *     observable (attach mode)
   * @param exitReason how it ended
   * @param signal the name of the killing signal (e.g. {@code SIGKILL}), or null
   * @param constraints the requested values
   * @param enforcement what was done about each requested constraint at the start
   * @param updates every change of the constraints while it ran, in the order made
   * @param usage resource usage from the kernel's counters
   * @param warnings every degradation and problem, in the order met
   * @param platformSlaCompliant whether the platform (not the workload) kept its side of the SLA
   * @param platformSlaReason why: {@code completed_within_limits}, {@code
   *     workload_failure_platform_ok}, {@code workload_exceeded_memory_limit}, {@code
   *     timeout_enforced}, {@code detached}, {@code constraints_not_enforced} or {@code
   *     not_sla_eligible}
   */
  public WorkloadReport {
    requireNonNull(jobId, "jobId");
    requireNonNull(mode, "mode");
    requireNonNull(intent, "intent");
    command = command == null ? null : List.copyOf(command);
    requireNonNull(strategy, "strategy");
    requireNonNull(startedAt, "startedAt");
    requireNonNull(endedAt, "endedAt");
    requireNonNull(exitReason, "exitReason");
    requireNonNull(constraints, "constraints");
    enforcement = List.copyOf(enforcement);
    updates = List.copyOf(updates);
    requireNonNull(usage, "usage");
    warnings = List.copyOf(warnings);
    requireNonNull(platformSlaReason, "platformSlaReason");
  }

  /**
   * Renders the report as one JSON object with the specification's snake_case keys.
   *
   * @return a single-line JSON document
   */
  public String toJson() {
    return ReportJson.write(this);
  }
}
