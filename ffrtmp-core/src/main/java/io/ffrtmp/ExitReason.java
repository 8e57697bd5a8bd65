package io.ffrtmp;

import java.util.Locale;

/** How a workload ended, as reported in {@code exit_reason}. */
public enum ExitReason {
  /** Exit status 0. */
  SUCCESS,
  /** A non-zero exit status, or a failed launch (command not found, not executable). */
  ERROR,
  /** Killed by a signal that was neither the OOM killer's nor the timeout policy's. */
  SIGNAL,
  /** Killed by the kernel's OOM killer, as counted by the cgroup's own OOM counter. */
  OOM,
  /** Terminated by the timeout policy. */
  TIMEOUT,
  /** Governance was given up with {@code detach()}; the process ran on. */
  DETACHED,
  /** The exit status could not be observed (attach mode: not the JVM's child). */
  UNKNOWN;

  /**
   * The name used in reports.
   *
   * @return the lower-case name, e.g. {@code oom}
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
