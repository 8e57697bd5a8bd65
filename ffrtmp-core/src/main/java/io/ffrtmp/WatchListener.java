package io.ffrtmp;

/**
 * What a {@linkplain Workload#watch(java.util.List) watcher} did. Called on the watcher's own
 * threads, one call at a time; a listener should return quickly (a listener's exception is
 * logged and ignored).
 */
public interface WatchListener {
  /**
   * A process was adopted.
   *
   * @param workload the adopted workload
   * @param rule the rule that took it
   * @param sinceExec from the process's {@code exec} to its adoption: from the kernel's time of
   *     the exec with the connector; with a scan, from the process's start (10 ms resolution)
   */
  default void adopted(GovernedWorkload workload, WatchRule rule, java.time.Duration sinceExec) {}

  /**
   * A workload adopted by an earlier watcher of the same agent, whose JVM is gone, was taken
   * back at this watcher's start (instead of being adopted again into a new cgroup).
   *
   * @param workload the recovered workload
   */
  default void recovered(GovernedWorkload workload) {}

  /**
   * A process a rule names was not adopted: a filter refused it, it is governed already, or
   * the adoption failed.
   *
   * @param pid the process
   * @param command its command name
   * @param reason why, in words
   */
  default void skipped(long pid, String command, String reason) {}

  /**
   * A governed workload was reported (it ended, or was detached).
   *
   * @param report its report
   */
  default void ended(WorkloadReport report) {}

  /**
   * Something the watcher could not do, and went on without: an earlier adoption that could not
   * be recovered, the connector failing (the watcher then scans; see {@link
   * Watcher#discoveryDetail()}) or losing events (one scan finds what was missed), a scan of
   * {@code /proc} that failed.
   *
   * @param message what, in words
   */
  default void warning(String message) {}
}
