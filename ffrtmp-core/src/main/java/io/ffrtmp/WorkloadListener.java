package io.ffrtmp;

/**
 * Receives lifecycle events of a workload. Called on the thread that observed the step; must
 * not block. An exception thrown by a listener is logged and otherwise ignored.
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
