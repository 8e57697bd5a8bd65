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
      running.add(start(i, command).onExit());
    }
    return running.stream().map(CompletableFuture::join).toList();
  }

  private static GovernedWorkload start(int i, List<String> command)
      throws IOException, EnforcementException {
    return Workload.run(command)
        .withJobId("agent-job-" + i)
        .withIntent(Intent.TEST)
        .withCpuQuota(50)
        .withMemoryLimitMb(128)
        .withNice(5)
        .start();
  }

  /**
   * Entry point: {@code <jobs> <command...>} runs the jobs, printing {@code STARTED <job> <pid>}
   * as each starts and then each report; {@code --recover} is what the agent does when it
   * starts again after a crash (say, a {@code kill -9} of its JVM): it takes back the jobs an
   * earlier run left and prints {@code RECOVERED <report>} for each, with the real exit status.
   *
   * @param args job count, then the command; or {@code --recover}
   * @throws Exception if a job cannot be started, or waiting is interrupted
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--recover")) {
      for (GovernedWorkload w : Workload.recover()) {
        System.out.println("RECOVERED " + w.awaitReport().toJson());
      }
      return;
    }
    int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    List<String> command =
        args.length > 1 ? List.of(args).subList(1, args.length) : List.of("sleep", "1");
    List<GovernedWorkload> started = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      GovernedWorkload w = start(i, command);
      System.out.println("STARTED " + w.jobId() + " " + w.pid());
      System.out.flush();
      started.add(w);
    }
    for (GovernedWorkload w : started) {
      System.out.println(w.awaitReport().toJson());
    }
  }
}
