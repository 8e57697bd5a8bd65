package io.ffrtmp.internal;

import io.ffrtmp.Enforcement;
import io.ffrtmp.ExitReason;
import io.ffrtmp.WorkloadEvent;
import io.ffrtmp.internal.os.Signals;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a workload ended, classified from what the JVM and the kernel said: the one exit
 * classification of every mode. Pure.
 *
 * <p>The JDK reports a death by signal N as exit value {@code 128+N}, the same value a process
 * gets with {@code exit(128+N)}; like a shell, ffrtmp therefore reads 129..192 as a signal.
 *
 * @param exitCode the exit status ({@code 128+N} for signal N), or null when it cannot be known
 *     (an adopted process is not the JVM's child) or the workload was detached
 * @param reason the exit reason
 * @param signal the signal's name, or null
 */
public record Outcome(@Nullable Integer exitCode, ExitReason reason, @Nullable String signal) {

  /**
   * A policy that signalled the workload: the timeout, or {@code terminate()}.
   *
   * @param reason {@link ExitReason#TIMEOUT} or {@link ExitReason#SIGNAL}
   * @param lastSignal the last signal the policy sent, e.g. {@code SIGTERM}
   */
  public record Policy(ExitReason reason, String lastSignal) {}

  /**
   * Classifies an exit.
   *
   * @param exitValue the JDK's exit value, or null when the exit status is not observable
   * @param policy the policy that signalled the workload (timeout or terminate), or null
   * @param oomKills the cgroup's OOM kill count during the run, or null if unknown
   * @param launchFailed whether the launch shim failed (exec or strict placement) rather than the
   *     workload running
   * @param detached whether governance was given up before the end
   * @return the outcome
   */
  public static Outcome classify(@Nullable Integer exitValue, @Nullable Policy policy,
      @Nullable Long oomKills, boolean launchFailed, boolean detached) {
    boolean oomKilled = oomKills != null && oomKills > 0;
    if (detached) {
      return new Outcome(null, ExitReason.DETACHED, null);
    }
    if (exitValue == null) {
      if (policy != null) {
        return new Outcome(null, policy.reason(), policy.lastSignal());
      }
      return oomKilled
          ? new Outcome(null, ExitReason.OOM, Signals.name(Signals.SIGKILL))
          : new Outcome(null, ExitReason.UNKNOWN, null);
    }
    if (launchFailed) {
      return new Outcome(exitValue, ExitReason.ERROR, null);
    }
    String signal = null;
    if (exitValue > 128 && exitValue <= 128 + 64) {
      signal = Signals.name(exitValue - 128);
    }
    if (policy != null) {
      return new Outcome(exitValue, policy.reason(), signal != null ? signal : policy.lastSignal());
    }
    if (exitValue == 128 + Signals.SIGKILL && oomKilled) {
      return new Outcome(exitValue, ExitReason.OOM, signal);
    }
    if (signal != null) {
      return new Outcome(exitValue, ExitReason.SIGNAL, signal);
    }
    return new Outcome(exitValue, exitValue == 0 ? ExitReason.SUCCESS : ExitReason.ERROR, null);
  }

  /**
   * The terminal event of an ending.
   *
   * @param reason the exit reason
   * @param launchFailed whether the launch failed
   * @return {@code FAILED} for a failed launch, {@code KILLED} for a signal, an OOM kill or a
   *     timeout, otherwise {@code COMPLETED}
   */
  public static WorkloadEvent.Type eventType(ExitReason reason, boolean launchFailed) {
    if (launchFailed) {
      return WorkloadEvent.Type.FAILED;
    }
    switch (reason) {
      case SIGNAL:
      case OOM:
      case TIMEOUT:
        return WorkloadEvent.Type.KILLED;
      default:
        return WorkloadEvent.Type.COMPLETED;
    }
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
