package io.ffrtmp;

/**
 * Hears of every workload this JVM governs — started, attached or recovered, whatever the
 * builder's listeners — and of each one's report: the hook for metrics without a dependency in
 * core ({@link io.ffrtmp.metrics.WorkloadMetrics} counts with it, and the optional modules
 * {@code ffrtmp-micrometer} and {@code ffrtmp-opentelemetry} publish those counts). Registered for
 * the whole JVM with {@link Workload#observe(WorkloadObserver)}; it hears of what starts after.
 *
 * <p>Each workload it heard {@link #governed} of is {@link #ended} exactly once in this JVM
 * (a workload recovered by another JVM ends there; one whose report cannot be built — its
 * {@code onExit()} completes exceptionally, and the error is logged — is not {@code ended}). {@code governed} comes on the thread that
 * starts, attaches or recovers, before the workload's end can be seen; {@code ended} on the
 * thread that delivers the report, before the workload's own listeners get its terminal event
 * and before {@link GovernedWorkload#onExit()} completes, so whoever awaits the report finds it
 * counted. Keep both short: they delay that start and that report. An exception thrown is
 * logged and otherwise ignored.
 */
public interface WorkloadObserver {
  /**
   * A workload came under governance in this JVM.
   *
   * @param workload the workload (its {@link GovernedWorkload#usage()} is live)
   * @param mode {@code RUN} for a start, {@code ATTACH} for an adoption; a recovered workload
   *     keeps the mode it was started with
   * @param constraints the constraints it was given at its start
   * @param recovered whether this JVM took it over from an earlier one ({@link Workload#recover()})
   */
  default void governed(GovernedWorkload workload, WorkloadReport.Mode mode,
      Constraints constraints, boolean recovered) {}

  /**
   * A workload's report, once: it ended, was detached, or its start could not complete after it
   * was placed (reason {@code error}).
   *
   * @param report the report its listeners and {@link GovernedWorkload#onExit()} get
   */
  default void ended(WorkloadReport report) {}

  /** An observer's registration: {@link #close()} ends it. */
  interface Registration extends AutoCloseable {
    /** Stops telling the observer; idempotent. */
    @Override
    void close();
  }
}
