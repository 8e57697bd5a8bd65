package io.ffrtmp;

import org.jspecify.annotations.Nullable;

/**
 * One step in a workload's life, delivered to {@link WorkloadListener}s.
 *
 * @param type which step
 * @param jobId the workload's job id
 * @param pid the workload's pid; 0 before it exists ({@link Type#STARTING})
 * @param report the final report for {@link Type#COMPLETED}, {@link Type#FAILED} and {@link
 *     Type#KILLED}; otherwise null
 */
public record WorkloadEvent(Type type, String jobId, long pid, @Nullable WorkloadReport report) {

  /** The lifecycle steps. */
  public enum Type {
    /** About to be launched (or adopted). */
    STARTING,
    /** Launched and placed. */
    RUNNING,
    /** Ended by itself with an exit status (zero or not), or was detached. */
    COMPLETED,
    /**
     * Could not be started: the command was not found or is not executable, or its placement
     * was refused (right after {@code STARTING}, without a report: {@code start()} throws, and
     * the exception has it); or its keeper refused it in strict mode after the launch, or an
     * exec that outlasted {@code start()}'s wait failed (with the report).
     */
    FAILED,
    /** Ended by a signal: the OOM killer, the timeout policy or anyone else. */
    KILLED
  }
}
