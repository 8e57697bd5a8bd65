package io.ffrtmp;

import java.util.List;

/**
 * A running watcher (see {@link Workload#watch(List)}): it adopts each new process a rule takes,
 * in attach mode, until {@link #stop()}.
 */
public interface Watcher extends AutoCloseable {
  /** How a watcher learns of new processes. */
  enum Discovery {
    /** The kernel's process-events connector where it can be used, else {@link #SCAN}. */
    AUTO,
    /**
     * The kernel's process-events connector (netlink): every {@code exec} is reported as it
     * happens. Needs {@code CAP_NET_ADMIN} in the host's namespaces (root, outside a container).
     */
    CONNECTOR,
    /** A scan of {@code /proc} at the {@linkplain WatchBuilder#withScanInterval interval}. */
    SCAN
  }

  /**
   * What this watcher uses to learn of new processes.
   *
   * @return {@link Discovery#CONNECTOR} or {@link Discovery#SCAN}
   */
  Discovery discovery();

  /**
   * Why: e.g. {@code process-events connector} or {@code scan of /proc every PT1S (the
   * process-events connector: permission denied: needs CAP_NET_ADMIN)}.
   *
   * @return one line
   */
  String discoveryDetail();

  /**
   * The workloads it governs now: those it adopted and those it recovered at its start, until
   * each is reported.
   *
   * @return a snapshot
   */
  List<GovernedWorkload> governed();

  /**
   * The rules in use.
   *
   * @return them, in order
   */
  List<WatchRule> rules();

  /**
   * Replaces the rules for the processes it looks at from now on. The workloads already adopted
   * keep the constraints they were given (change them with {@link GovernedWorkload#update}).
   *
   * @param rules the new rules, tried in order
   */
  void reload(List<WatchRule> rules);

  /**
   * Stops adopting. What it adopted stays governed, in its cgroup and under its limits: this
   * watcher still reports each as it ends while its JVM runs, and once the JVM is gone a new
   * watcher of the same agent recovers them. With {@link WatchBuilder#restoreOnStop(boolean)}
   * each is detached and restored instead. Idempotent.
   */
  void stop();

  /** Same as {@link #stop()}. */
  @Override
  default void close() {
    stop();
  }
}
