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
   * Where the workload's standard output goes, instead of the default: this JVM's own ({@link
   * Output#inherit()}; with {@link Workload#run(ProcessBuilder)}, the builder's redirect). A file
   * ({@link Output#toFile}, {@link Output#appendTo}) or {@link Output#discard()} needs nothing of
   * this JVM, so the workload writes on after the JVM is gone; a pipe inherited from this JVM
   * or a {@link Output#capture(int) capture} does not survive it (see {@link Output}).
   *
   * @param output where it goes
   * @return this builder
   */
  WorkloadBuilder withStdout(Output output);

  /**
   * Where the workload's standard error goes, as {@link #withStdout(Output)}.
   *
   * @param output where it goes
   * @return this builder
   */
  WorkloadBuilder withStderr(Output output);

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
   * When the main process ends, kills what it leaves behind: every process still in the
   * workload (its process group, and every member of its cgroup or scope — children it did not
   * wait for, daemons it started) gets SIGKILL before the report is made, as systemd's {@code
   * KillMode=control-group} stops a service. By default they live on, with the workload's
   * limits, and the report's warnings name them. Kept by this JVM: a workload recovered by
   * another one after this JVM died is reported with the default.
   *
   * @return this builder
   */
  WorkloadBuilder killRemainingAtEnd();
}
