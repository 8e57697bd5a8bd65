package io.ffrtmp.examples.cli;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ffrtmp wait --job-id <ID> [--json]}: the report of a workload, recovered if need be. */
@Command(
    name = "wait",
    mixinStandardHelpOptions = true,
    description = {
      "Wait for a workload of this host and user (see 'ffrtmp list') and print its report, as"
          + " 'run' does: its wrapper or agent is gone, so this command takes it over (it may"
          + " have ended already: the report then comes at once, with its real exit status)."
          + " While a running wrapper or agent governs it, wait for that one to end or report."
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "N:the workload's exit status (128+N when a signal N ended it), as for run",
      "0:the exit status is unknown (gone without a record), or its governor reported it",
      "1:no workload with that job id here"
    })
final class WaitCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--job-id", required = true, paramLabel = "ID", description = "The job id.")
  String jobId;

  @Option(names = "--json",
      description = "Print the report as one JSON document on standard output.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Log log = Log.of(spec);
    boolean announced = false;
    while (true) {
      List<GovernedWorkload> mine = Workload.recover(jobId);
      if (!mine.isEmpty()) {
        GovernedWorkload w = mine.get(0);
        log.info("waiting for pid " + w.pid() + " job " + jobId + " (recovered)");
        WorkloadReport r = w.awaitReport();
        RunCommand.printEnd(spec.commandLine(), w, r, json);
        return r.exitCode() == null ? 0 : r.exitCode();
      }
      Optional<Workload.Recoverable> governed = Workload.recoverable().stream()
          .filter(r -> r.jobId().equals(jobId)).findFirst();
      if (governed.isEmpty()) {
        if (announced) {
          log.info("job " + jobId + " was reported by its governor");
          return 0;
        }
        log.error("no workload with job id " + jobId + " here");
        return 1;
      }
      if (!announced) {
        log.info("job " + jobId + " (pid " + governed.get().pid() + ") is governed by pid "
            + governed.get().governorPid() + "; waiting for it to end or report");
        announced = true;
      }
      Thread.sleep(100);
    }
  }
}
