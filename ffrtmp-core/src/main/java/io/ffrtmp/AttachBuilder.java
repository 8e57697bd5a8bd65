package io.ffrtmp;

/**
 * Describes the adoption of a running process (attach mode). Obtain one from {@link
 * Workload#attach(long)}. The process is never signalled, stopped or restarted.
 */
public interface AttachBuilder extends GovernanceBuilder<AttachBuilder> {

  /**
   * Whether the process's existing descendants are adopted too (default true): they move into
   * the workload's cgroup and get its nice and OOM score. Adoption repeats until no new child
   * appears.
   *
   * @param include whether to adopt them
   * @return this builder
   */
  AttachBuilder withDescendants(boolean include);

  /**
   * Whether {@link GovernedWorkload#detach()} restores what was recorded at adoption: the
   * original cgroup membership, the nice value of every thread and the OOM score (default
   * false: the process stays in its cgroup, with its limits, while it is populated).
   *
   * @param restore whether to restore
   * @return this builder
   */
  AttachBuilder restoreOnDetach(boolean restore);
}
