package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import io.ffrtmp.internal.AttachBuilderImpl;
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
   * The governance backends found on this host, highest priority first, each with what its
   * probe found: which one a workload would get (honouring {@systemProperty ffrtmp.strategy})
   * and why the others are not used.
   *
   * @return one entry per backend
   */
  public static List<Backend> backends() {
    return Strategies.backends();
  }

  /**
   * A governance backend and what its probe found.
   *
   * @param name e.g. {@code cgroup-v1}
   * @param priority its preference among usable backends
   * @param usable whether it can govern workloads here
   * @param reason what the probe found, or why it is unusable
   * @param selected whether workloads get it (automatic selection or {@code ffrtmp.strategy})
   */
  public record Backend(String name, int priority, boolean usable, String reason,
      boolean selected) {}
}
