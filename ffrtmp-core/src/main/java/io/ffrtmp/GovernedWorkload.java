package io.ffrtmp;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A workload under governance. The workload does not belong to this object: if the JVM dies,
 * the workload runs on, still constrained.
 */
public interface GovernedWorkload {

  /**
   * The workload's process id.
   *
   * @return the pid
   */
  long pid();

  /**
   * The job id, as given to the builder ({@code unknown} when none or empty).
   *
   * @return the job id
   */
  String jobId();

  /**
   * The real {@link Process} in run mode (the JVM is the workload's parent); empty in attach
   * mode.
   *
   * @return the process
   */
  Optional<Process> process();

  /**
   * The backend that governs the workload.
   *
   * @return {@code cgroup-v2}, {@code cgroup-v1} or {@code nice-fallback}
   */
  String strategy();

  /**
   * The workload's cgroup, relative to the hierarchy root, if it has one.
   *
   * @return e.g. {@code /ffrtmp-wrapper-job-1}
   */
  Optional<String> cgroupPath();

  /**
   * What was done about each requested constraint, as known once the workload was started.
   * The final word is the report's.
   *
   * @return one entry per constraint
   */
  List<Enforcement> enforcement();

  /**
   * Degradations known once the workload was started (the CLI prints them with its {@code
   * [wrapper]} prefix). The report carries these and any found later.
   *
   * @return the warning texts, e.g. {@code Cannot set negative nice (requires root), using 0}
   */
  List<String> warnings();

  /**
   * Completes with the report when the workload has ended and its cgroup has been cleaned up.
   *
   * @return the future report; never completes exceptionally because of the workload itself
   */
  CompletableFuture<WorkloadReport> onExit();

  /**
   * Stops governing: the process runs on, untouched, and the report is completed with exit
   * reason {@code detached}. By default the cgroup and its limits stay in force while the
   * cgroup is populated (a later start collects it once empty); an attached workload built
   * with {@link AttachBuilder#restoreOnDetach(boolean)} first gets back its original cgroups,
   * nice values and OOM score. Calling it after the workload ended returns the final report.
   *
   * @return the report
   */
  WorkloadReport detach();

  /**
   * Waits for the workload to end.
   *
   * @return the report
   * @throws InterruptedException if interrupted while waiting; the workload runs on
   */
  WorkloadReport awaitReport() throws InterruptedException;
}
