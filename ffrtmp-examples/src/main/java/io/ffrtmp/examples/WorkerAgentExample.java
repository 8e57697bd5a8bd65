package io.ffrtmp.examples;

import io.ffrtmp.EnforcementException;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Intent;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A worker agent that runs N jobs at once, each under its own limits, and collects their
 * reports: {@code WorkerAgentExample [jobs] [command...]} (default: 4 jobs of {@code sleep 1}).
 */
public final class WorkerAgentExample {
  private WorkerAgentExample() {}

  /**
   * Runs the jobs and returns their reports.
   *
   * @param jobs how many jobs
   * @param command each job's command
   * @return the reports, in job order
   * @throws IOException if a job cannot be started on this host
   * @throws EnforcementException never here (not strict); a strict agent decides what a refusal
   *     means for the job (requeue elsewhere, fail it), unlike an I/O error it may retry
   */
  public static List<WorkloadReport> runJobs(int jobs, List<String> command)
      throws IOException, EnforcementException {
    List<CompletableFuture<WorkloadReport>> running = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      GovernedWorkload w =
          Workload.run(command)
              .withJobId("agent-job-" + i)
              .withIntent(Intent.TEST)
              .withCpuQuota(50)
              .withMemoryLimitMb(128)
              .withNice(5)
              .start();
      running.add(w.onExit());
    }
    return running.stream().map(CompletableFuture::join).toList();
  }

  /**
   * Entry point.
   *
   * @param args job count, then the command
   * @throws IOException if a job cannot be started
   * @throws EnforcementException never here (not strict)
   */
  public static void main(String[] args) throws IOException, EnforcementException {
    int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    List<String> command =
        args.length > 1 ? List.of(args).subList(1, args.length) : List.of("sleep", "1");
    for (WorkloadReport r : runJobs(jobs, command)) {
      System.out.println(r.toJson());
    }
  }
}
