package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import io.ffrtmp.internal.RunBuilder;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point: governs a new command.
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
}
