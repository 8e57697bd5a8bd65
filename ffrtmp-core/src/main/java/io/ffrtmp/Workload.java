package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import io.ffrtmp.internal.AttachBuilderImpl;
import io.ffrtmp.internal.RecoveredWorkload;
import io.ffrtmp.internal.RunBuilder;
import io.ffrtmp.internal.Strategies;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point: governs a new command ({@link #run(String...)}) or a running process ({@link
 * #attach(long)}).
 *
 * <pre>{@code
 * WorkloadReport r = Workload.run("ffmpeg", "-i", "in.mp4", "out.mp4")
 *     .withJobId("job-001")
 *     .withCpuQuota(200)
 *     .withMemoryLimitMb(4096)
 *     .start()
 *     .awaitReport();
 * }</pre>
 */
public final class Workload {
  private Workload() {}

  /**
   * Describes a new workload. It inherits the JVM's standard input, output and error (no pipes
   * through the JVM, so it cannot die of SIGPIPE when the JVM goes away), working directory and
   * environment.
   *
   * @param command the program and its arguments; the program is looked up on the PATH
   * @return a builder
   */
  public static WorkloadBuilder run(String... command) {
    requireNonNull(command, "command");
    return run(Arrays.asList(command));
  }

  /**
   * Describes a new workload, like {@link #run(String...)}.
   *
   * @param command the program and its arguments
   * @return a builder
   */
  public static WorkloadBuilder run(List<String> command) {
    requireNonNull(command, "command");
    return run(new ProcessBuilder(List.copyOf(command)).inheritIO());
  }

  /**
   * Describes a new workload from a {@link ProcessBuilder}, keeping its command, directory,
   * environment and redirects. The builder is copied; later changes to it have no effect.
   *
   * @param processBuilder the process to start
   * @return a builder
   */
  public static WorkloadBuilder run(ProcessBuilder processBuilder) {
    requireNonNull(processBuilder, "processBuilder");
    return new RunBuilder(processBuilder);
  }

  /**
   * Describes the adoption of a running process, without restarting, stopping or signalling it.
   * The process must exist when {@link AttachBuilder#start()} is called, must not be a kernel
   * thread or a zombie, and may not be PID 1 or this JVM itself (moving the JVM into a
   * workload's cgroup would put the governor under the workload's limits).
   *
   * @param pid the process id
   * @return a builder
   * @throws IllegalArgumentException for a pid below 1, pid 1, or this JVM's pid
   */
  public static AttachBuilder attach(long pid) {
    return new AttachBuilderImpl(pid);
  }

  /**
   * The workloads that earlier governing JVMs of this user on this host started and that have
   * not been reported: running ones, and ones that ended while no JVM governed them. This JVM
   * takes each over (another JVM that calls {@code recover} at the same time gets the others):
   * its {@link GovernedWorkload#onExit()} and {@link GovernedWorkload#awaitReport()} complete
   * with the real exit status and reason and the final usage (kept by the launch keeper when
   * the workload ended), a timeout still holds from the original start, and once the report is
   * built its cgroup and records are removed. A workload that can no longer be accounted for
   * (its pid gone, no exit record) is reported with exit reason {@code unknown} and the reason
   * in its warnings, never with an invented code. Records that are not this user's, or cannot
   * be parsed, are skipped with a logged warning.
   *
   * @return the recovered workloads (mode {@code run}, {@code process()} empty)
   */
  public static List<GovernedWorkload> recover() {
    return RecoveredWorkload.recover(null);
  }

  /**
   * Like {@link #recover()}, for one job id.
   *
   * @param jobId the job id as given when it was started
   * @return the recovered workloads of that job id (usually one)
   */
  public static List<GovernedWorkload> recover(String jobId) {
    requireNonNull(jobId, "jobId");
    return RecoveredWorkload.recover(jobId);
  }

  /**
   * What {@link #recover()} would find, without taking anything over: the workloads of this
   * user on this host that earlier JVMs started and that have not been reported, and those that
   * running JVMs govern (for a look, not to take).
   *
   * @return one entry per start record, oldest first
   */
  public static List<Recoverable> recoverable() {
    return RecoveredWorkload.list();
  }

  /**
   * The governance backends found on this host, highest priority first, each with what its
   * probe found: which one a workload would get (honouring {@systemProperty ffrtmp.strategy})
   * and why the others are not used.
   *
   * @return one entry per backend
   */
  public static List<Backend> backends() {
    return Strategies.backends();
  }
}
