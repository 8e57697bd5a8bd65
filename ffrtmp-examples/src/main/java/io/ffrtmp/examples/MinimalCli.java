package io.ffrtmp.examples;

import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import java.util.Arrays;

/**
 * The smallest useful CLI on the library, without any parsing library: {@code MinimalCli
 * <memory MB> <command...>} runs the command under a memory limit, prints the report as JSON on
 * standard error and exits with the workload's exit status.
 */
public final class MinimalCli {
  private MinimalCli() {}

  /**
   * Entry point.
   *
   * @param args memory limit in MB, then the command
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: MinimalCli <memory MB> <command...>");
      System.exit(2);
    }
    WorkloadReport r =
        Workload.run(Arrays.asList(args).subList(1, args.length))
            .withMemoryLimitMb(Long.parseLong(args[0]))
            .start()
            .awaitReport();
    System.err.println(r.toJson());
    System.exit(r.exitCode() == null ? 0 : r.exitCode());
  }
}
