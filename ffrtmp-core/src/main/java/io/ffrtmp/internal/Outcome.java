package io.ffrtmp.internal;

import io.ffrtmp.Enforcement;
import io.ffrtmp.ExitReason;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a run-mode workload ended, classified from what the JVM and the kernel said. Pure.
 *
 * <p>The JDK reports a death by signal N as exit value {@code 128+N}, the same value a process
 * gets with {@code exit(128+N)}; like a shell, ffrtmp therefore reads 129..192 as a signal.
 *
 * @param exitCode the exit status ({@code 128+N} for signal N)
 * @param reason the exit reason
 * @param signal the signal's name, or null
 */
public record Outcome(int exitCode, ExitReason reason, @Nullable String signal) {

  /**
   * Classifies an exit.
   *
   * @param exitValue the JDK's exit value
   * @param timedOut whether the timeout policy signalled the workload
   * @param oomKills the cgroup's OOM kill count during the run, or null if unknown
   * @param launchFailed whether the launch shim failed (exec or strict placement) rather than the
   *     workload running
   * @return the outcome
   */
  public static Outcome classify(
      int exitValue, boolean timedOut, @Nullable Long oomKills, boolean launchFailed) {
    if (launchFailed) {
      return new Outcome(exitValue, ExitReason.ERROR, null);
    }
    String signal = null;
    if (exitValue > 128 && exitValue <= 128 + 64) {
      signal = Signals.name(exitValue - 128);
    }
    if (timedOut) {
      return new Outcome(exitValue, ExitReason.TIMEOUT, signal);
    }
    if (exitValue == 128 + Signals.SIGKILL && oomKills != null && oomKills > 0) {
      return new Outcome(exitValue, ExitReason.OOM, signal);
    }
    if (signal != null) {
      return new Outcome(exitValue, ExitReason.SIGNAL, signal);
    }
    return new Outcome(exitValue, exitValue == 0 ? ExitReason.SUCCESS : ExitReason.ERROR, null);
  }

  /**
   * Whether the platform kept its side, and why; see {@link io.ffrtmp.WorkloadReport}.
   *
   * @param slaEligible whether the job is SLA-worthy
   * @param reason the exit reason
   * @param enforcement what became of the constraints
   * @return {@code [compliant, reason]} as a pair
   */
  public static Sla sla(boolean slaEligible, ExitReason reason, List<Enforcement> enforcement) {
    if (!slaEligible) {
      return new Sla(false, "not_sla_eligible");
    }
    boolean enforced =
        enforcement.stream()
            .allMatch(Enforcement::enforced);
    if (!enforced) {
      return new Sla(false, "constraints_not_enforced");
    }
    switch (reason) {
      case SUCCESS:
        return new Sla(true, "completed_within_limits");
      case OOM:
        return new Sla(true, "workload_exceeded_memory_limit");
      case TIMEOUT:
        return new Sla(true, "timeout_enforced");
      case DETACHED:
        return new Sla(true, "detached");
      default:
        return new Sla(true, "workload_failure_platform_ok");
    }
  }

  /**
   * The platform SLA verdict.
   *
   * @param compliant whether the platform kept its side
   * @param reason why
   */
  public record Sla(boolean compliant, String reason) {}
}
