package io.ffrtmp;

/**
 * Receives lifecycle events of a workload. An exception thrown by a listener is logged and
 * otherwise ignored.
 *
 * <p>Threads: {@code STARTING}, {@code RUNNING} and a failed start's {@code FAILED} are
 * delivered on the thread that calls {@code start()}; the terminal event ({@code COMPLETED},
 * {@code KILLED}, {@code FAILED}) of a workload that ended on a delivery thread of the library
 * ({@code ffrtmp-report-N}, one per workload being finished), never on the thread that observes
 * exits; that of a {@link GovernedWorkload#detach()} on the thread that calls it. One workload's
 * events reach a listener one at a time and in order. A listener that blocks delays only its
 * own workload's report (its future completes after every listener returned), not another's;
 * its records stay until then, so a JVM that dies meanwhile loses nothing.
 */
@FunctionalInterface
public interface WorkloadListener {
  /**
   * Called for each lifecycle step.
   *
   * @param event the step
   */
  void onEvent(WorkloadEvent event);
}
