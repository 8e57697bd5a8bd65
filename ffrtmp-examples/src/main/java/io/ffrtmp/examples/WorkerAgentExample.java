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
 * reports: {@code WorkerAgentExample [--job-prefix P] [jobs] [command...]} (default: 4 jobs of
 * {@code sleep 1}, job ids {@code agent-job-0}, {@code agent-job-1}, ...).
 */
public final class WorkerAgentExample {
  /** The job ids' prefix unless {@code --job-prefix} says otherwise. */
  public static final String DEFAULT_PREFIX = "agent-job-";

  private WorkerAgentExample() {}

  /**
   * Runs the jobs and returns their reports.
   *
   * @param prefix the job ids' prefix: job {@code i} is {@code <prefix><i>}
   * @param jobs how many jobs
   * @param command each job's command
   * @return the reports, in job order
   * @throws IOException if a job cannot be started on this host
   * @throws EnforcementException never here (not strict); a strict agent decides what a refusal
   *     means for the job (requeue elsewhere, fail it), unlike an I/O error it may retry
   */
  public static List<WorkloadReport> runJobs(String prefix, int jobs, List<String> command)
      throws IOException, EnforcementException {
    List<CompletableFuture<WorkloadReport>> running = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      running.add(start(prefix + i, command).onExit());
    }
    return running.stream().map(CompletableFuture::join).toList();
  }

  private static GovernedWorkload start(String jobId, List<String> command)
      throws IOException, EnforcementException {
    return Workload.run(command)
        .withJobId(jobId)
        .withIntent(Intent.TEST)
        .withCpuQuota(50)
        .withMemoryLimitMb(128)
        .withNice(5)
        .start();
  }

  /**
   * Entry point: {@code [--job-prefix P] <jobs> <command...>} runs the jobs, printing {@code
   * STARTED <job> <pid>} as each starts and then each report; {@code --recover} is what the
   * agent does when it starts again after a crash (say, a {@code kill -9} of its JVM): it takes
   * back the jobs an earlier run left and prints {@code RECOVERED <report>} for each, with the
   * real exit status.
   *
   * @param args optionally {@code --job-prefix P}, then the job count, then the command; or
   *     {@code --recover}
   * @throws Exception if a job cannot be started, or waiting is interrupted
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--recover")) {
      for (GovernedWorkload w : Workload.recover()) {
        System.out.println("RECOVERED " + w.awaitReport().toJson());
      }
      return;
    }
    List<String> rest = List.of(args);
    String prefix = DEFAULT_PREFIX;
    if (rest.size() > 1 && rest.get(0).equals("--job-prefix")) {
      prefix = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    int jobs = rest.isEmpty() ? 4 : Integer.parseInt(rest.get(0));
    List<String> command = rest.size() > 1 ? rest.subList(1, rest.size()) : List.of("sleep", "1");
    List<GovernedWorkload> started = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      GovernedWorkload w = start(prefix + i, command);
      System.out.println("STARTED " + w.jobId() + " " + w.pid());
      System.out.flush();
      started.add(w);
    }
    for (GovernedWorkload w : started) {
      System.out.println(w.awaitReport().toJson());
    }
  }
}
