package io.ffrtmp;

import java.time.Duration;

/**
 * Describes a new workload to start (run mode). Obtain one from {@link
 * Workload#run(String...)}; the settings shared with attach mode are in {@link
 * GovernanceBuilder}.
 */
public interface WorkloadBuilder extends GovernanceBuilder<WorkloadBuilder> {
  /**
   * Terminates the whole workload (the process group, and every member of its cgroup) when it
   * runs longer than {@code timeout}: SIGTERM, then SIGKILL after a grace period of 10 seconds;
   * whatever outlives the main process is killed when it ends, so nothing of the workload
   * survives a timeout. The report's exit reason is then {@code timeout}. No timeout by default.
   *
   * @param timeout a positive duration the timer can represent (at most about 292 years)
   * @return this builder
   * @throws IllegalArgumentException for a timeout out of that range, naming it
   */
  WorkloadBuilder withTimeout(Duration timeout);

  /**
   * Like {@link #withTimeout(Duration)}, with the grace period between SIGTERM and SIGKILL.
   *
   * @param timeout a positive duration the timer can represent (at most about 292 years)
   * @param grace a non-negative duration, at most about 292 years
   * @return this builder
   * @throws IllegalArgumentException for a value out of its range, naming it
   */
  WorkloadBuilder withTimeout(Duration timeout, Duration grace);

  /**
   * Sends the workload's standard output to wherever its standard error goes, like {@code
   * 1>&2}, done by the launch shim on the very file the workload inherits (no pipe through the
   * JVM). For tools whose own standard output carries a machine-readable report, such as
   * {@code ffrtmp run --json}.
   *
   * @return this builder
   */
  WorkloadBuilder mergeOutputIntoError();

  /**
   * Keeps this workload's records with those of one agent: {@link Workload#recovery(String)}
   * of the same name takes it over after a restart, and no other recovery does (neither {@link
   * Workload#recover()} nor another agent's). For agents, or test suites, of one user on one
   * host that must not take each other's workloads. Without it, a workload joins the default
   * records that {@link Workload#recover()} takes.
   *
   * @param agent the agent's name: 1 to 64 of {@code [A-Za-z0-9._-]}, not starting with
   *     {@code .}
   * @return this builder
   * @throws IllegalArgumentException for another name
   */
  WorkloadBuilder withAgent(String agent);

  /**
   * Keeps this workload's records after its report was delivered, until {@link
   * GovernedWorkload#acknowledge()}: for an agent that persists results itself. Should the JVM
   * die after the report reached it but before it acknowledged, the next {@link
   * Workload#recover()} (or {@link Workload#recovery(String)}) reports the workload again, with
   * its true status — the agent keys on ({@code job_id}, {@code pid}, {@code started_at}) to
   * see it once. Without it the records go once every listener and every dependent of {@link
   * GovernedWorkload#onExit()} has returned.
   *
   * @return this builder
   */
  WorkloadBuilder withAcknowledgement();
}
