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
   * What the workload wrote to its standard output, for one started with {@link
   * WorkloadBuilder#withStdout(Output) withStdout(Output.capture(n))}: the last {@code n} bytes
   * as text (UTF-8), so far; complete once the report is delivered, unless a process the
   * workload left behind still holds the stream open.
   *
   * @return the text, or empty when the stream is not captured (attach mode, recovered, or
   *     another {@link Output})
   */
  default Optional<String> capturedStdout() {
    return Optional.empty();
  }

  /**
   * What the workload wrote to its standard error, as {@link #capturedStdout()}.
   *
   * @return the text, or empty when the stream is not captured
   */
  default Optional<String> capturedStderr() {
    return Optional.empty();
  }

  /**
   * The backend that governs the workload.
   *
   * @return {@code systemd}, {@code cgroup-v2}, {@code cgroup-v1} or {@code nice-fallback}
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
   * <p>Threads: the future completes on a delivery thread of the library ({@code
   * ffrtmp-report-N}), after every listener had the terminal event; dependents registered
   * before that (non-async {@code thenApply}, {@code thenAccept}, ...) run there, one
   * workload's on its own thread, so a slow one delays no other workload's report (never on
   * the thread that observes exits). A dependent registered after completion runs on the thread
   * that registers it. Once they have returned, the report counts as delivered and the
   * workload's records are deleted: a JVM killed before leaves it to {@link
   * Workload#recover()}.
   *
   * @return the future report; never completes exceptionally because of the workload itself
   */
  CompletableFuture<WorkloadReport> onExit();

  /**
   * The workload's resource usage now: a snapshot read from its cgroup — CPU time, throttling,
   * memory now and at its peak, swap, tasks, IO, OOM kills so far and, on cgroup v2 and
   * systemd, its pressure stall information — each null where the host cannot say. Where the
   * backend has no live CPU counter (cgroup v1 in run mode, whose CPU time comes from the
   * keeper at the end; no cgroup at all) the CPU time is summed from {@code /proc} over the
   * workload's processes and the children they reaped. A few file reads, cheap enough to poll
   * every second for many workloads (PERFORMANCE.md). Once the workload has been reported, the
   * report's usage.
   *
   * @return the usage
   */
  Usage usage();

  /**
   * Tells {@code action} each time the workload's tasks stall on a resource beyond a threshold,
   * without polling: a PSI trigger written to the workload's {@code <resource>.pressure} file,
   * which the kernel checks as the stalls happen (cgroup v2 and systemd). At most one event per
   * trigger window. The action runs on a delivery thread of the library ({@code
   * ffrtmp-report-N}), never on the thread that watches; it may call {@link #update}. The
   * watch ends when closed, or when the workload ends.
   *
   * @param trigger the threshold
   * @param action what to do, given the event (with the pressure files read just after)
   * @return the watch, to close
   * @throws UnsupportedOperationException where the backend has no pressure files (cgroup v1,
   *     nice-fallback), saying which
   * @throws IllegalStateException once the workload has ended, or when the kernel refuses the
   *     trigger (the message names the file and the errno: without {@code CAP_SYS_RESOURCE}
   *     the kernel takes only windows that are a multiple of 2 s, and only since Linux 6.4)
   */
  PressureWatch onPressure(PressureTrigger trigger, java.util.function.Consumer<PressureEvent>
      action);

  /**
   * Changes constraints of the running workload — raise or lower a CPU quota, lift a memory
   * limit ({@code 0} = unlimited), renice it — as at its start: each cgroup limit written and
   * read back (a systemd scope's unit properties set at runtime and read back from its files),
   * nice on every thread and the OOM score of each of its processes. A change that does not
   * take is put back to what it was and reported {@code failed}; one the backend cannot make
   * is {@code degraded}. The update is kept in the report's {@code updates}, and so is one
   * made by {@code ffrtmp update} from another process. A memory limit below the workload's
   * current usage is refused unless {@link ConstraintChanges#allowMemoryBelowUsage()}.
   *
   * <pre>{@code
   * w.update(c -> c.cpuQuota(400));          // two more cores for a live transcode
   * w.update(c -> c.memoryLimitMb(0));       // lift the memory limit
   * }</pre>
   *
   * @param changes sets the constraints to change (at least one)
   * @return what was asked and what became of it
   * @throws EnforcementException in strict mode ({@link GovernanceBuilder#requireEnforcement()})
   *     when a change is not in force: every change was put back, the old limits hold
   * @throws IllegalStateException once the workload has ended or was detached
   * @throws IllegalArgumentException when no constraint is changed, or for a value out of its
   *     range (naming it)
   */
  WorkloadUpdate update(java.util.function.Consumer<ConstraintChanges> changes)
      throws EnforcementException;

  /**
   * Says that the report was taken care of (persisted, say): the workload's records go, and no
   * later {@link Workload#recover()} reports it again. Needed only for a workload started {@link
   * GovernanceBuilder#withAcknowledgement() withAcknowledgement()} (or recovered from one); for
   * any other it does nothing more than delivery already did. Calling it again does nothing.
   *
   * @throws IllegalStateException before the workload has been reported
   */
  void acknowledge();

  /**
   * Stops governing: the process runs on, untouched, and the report is completed with exit
   * reason {@code detached}. By default the cgroup and its limits stay in force while the
   * cgroup is populated (a later start collects it once empty); an attached workload built
   * with {@link AttachBuilder#restoreOnDetach(boolean)} first gets back its original cgroups,
   * nice values and OOM score. The records go at once, so that no later {@link
   * Workload#recover()} takes it back — except for a run-mode workload started {@link
   * GovernanceBuilder#withAcknowledgement() withAcknowledgement()}, whose records stay until
   * {@link #acknowledge()}. Calling it after the workload ended returns the final report.
   *
   * @return the report
   */
  WorkloadReport detach();

  /**
   * Waits for the workload to end. Listeners have received the terminal event before this
   * returns. Inside a listener of this workload it returns the report only in the terminal
   * event (which carries it anyway); earlier it throws {@link IllegalStateException}, as the
   * wait could never end.
   *
   * @return the report
   * @throws InterruptedException if interrupted while waiting; the workload runs on
   * @throws IllegalStateException if building the report failed, or when called by a listener
   *     of this workload before its end
   */
  WorkloadReport awaitReport() throws InterruptedException;

  /**
   * Waits at most {@code timeout} for the workload to end, like {@link
   * Process#waitFor(long, java.util.concurrent.TimeUnit)}.
   *
   * @param timeout how long to wait; zero or negative does not wait
   * @return the report
   * @throws InterruptedException if interrupted while waiting; the workload runs on
   * @throws java.util.concurrent.TimeoutException if it is still running after {@code timeout}
   *     (naming the job and the pid); the workload runs on
   * @throws IllegalStateException as {@link #awaitReport()}
   */
  WorkloadReport awaitReport(java.time.Duration timeout)
      throws InterruptedException, java.util.concurrent.TimeoutException;

  /**
   * Ends the workload: SIGTERM to every process of it (run mode: its process group and every
   * member of its cgroup; attach mode: the process, its cgroup's members, or without a cgroup
   * its descendants), then SIGKILL to whatever is left after {@code grace} — the path the
   * timeout takes. Whatever outlives the main process is killed when it ends. The report's
   * exit reason is {@code signal} ({@code timeout} if the timeout fired first), with the signal
   * that ended it. Does nothing once the workload has ended or is already being ended; returns
   * at once (use {@link #awaitReport()} to wait).
   *
   * @param grace the time between SIGTERM and SIGKILL, zero or more
   * @throws IllegalArgumentException for a negative grace, or one beyond about 292 years
   */
  void terminate(java.time.Duration grace);
}
