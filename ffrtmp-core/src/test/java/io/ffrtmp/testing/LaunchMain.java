package io.ffrtmp.testing;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import java.util.Arrays;
import java.util.List;

/**
 * A tiny program that governs one command through the library, for tests that need a separate
 * JVM: {@code LaunchMain <nice> <oomScore> <command...>}; {@code -Dffrtmp.test.memoryMb=N} adds a
 * memory limit, {@code -Dffrtmp.test.cpuQuota=P} a CPU quota, {@code -Dffrtmp.test.jobId=ID} sets
 * the job id (default {@code child-jvm}), {@code -Dffrtmp.test.agent=NAME} the agent, {@code
 * -Dffrtmp.test.reportInListener=true} prints the report from a listener (where the library
 * counts it delivered) instead of after {@code awaitReport()}. Prints {@code PID <pid>}, then each
 * start-time warning as {@code WARNING <text>}, then {@code REPORT <json>} when the workload
 * ends.
 */
public final class LaunchMain {
  private LaunchMain() {}

  /**
   * Entry point.
   *
   * @param args nice, OOM score, command
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    List<String> command = Arrays.asList(args).subList(2, args.length);
    var builder =
        Workload.run(command)
            .withJobId(System.getProperty("ffrtmp.test.jobId", "child-jvm"))
            .withNice(Integer.parseInt(args[0]))
            .withOomScore(Integer.parseInt(args[1]))
            .withMemoryLimitMb(Long.getLong("ffrtmp.test.memoryMb", 0L))
            .withTimeout(java.time.Duration.ofMillis(
                Long.getLong("ffrtmp.test.timeoutMs", Long.MAX_VALUE / 1_000_000)));
    boolean inListener = Boolean.getBoolean("ffrtmp.test.reportInListener");
    if (inListener) {
      // the library's point of delivery: the records go only after this listener returned
      builder.withListener(e -> {
        if (e.report() != null && e.type() != io.ffrtmp.WorkloadEvent.Type.RUNNING) {
          System.out.println("REPORT " + e.report().toJson());
          System.out.flush();
        }
      });
    }
    String agent = System.getProperty("ffrtmp.test.agent");
    if (agent != null) {
      builder.withAgent(agent);
    }
    Integer quota = Integer.getInteger("ffrtmp.test.cpuQuota");
    if (quota != null) {
      builder.withCpuQuota(quota);
    }
    GovernedWorkload w = builder.start();
    System.out.println("PID " + w.pid());
    for (String warning : w.warnings()) {
      System.out.println("WARNING " + warning);
    }
    System.out.flush();
    WorkloadReport r = w.awaitReport();
    if (!inListener) {
      System.out.println("REPORT " + r.toJson());
      System.out.flush();
    }
  }
}
