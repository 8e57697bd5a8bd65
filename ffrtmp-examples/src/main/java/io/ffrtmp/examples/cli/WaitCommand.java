package io.ffrtmp.examples.cli;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Recoverable;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import java.util.List;
import java.util.Optional;

/** {@code ffrtmp wait --job-id <ID> [--json]}: the report of a workload, recovered if need be. */
final class WaitCommand implements Command {
  static final Cli.Spec SPEC = new Cli.Spec("wait",
      "Wait for one of those workloads and print its report.",
      List.of("Wait for a workload of this host and user (see 'ffrtmp list') and print its"
          + " report, as 'run' does: its wrapper or agent is gone, so this command takes it over"
          + " (it may have ended already: the report then comes at once, with its real exit"
          + " status). While a running wrapper or agent governs it, wait for that one to end or"
          + " report."),
      List.of(Cli.Option.required("--job-id", "ID", "The job id."),
          Cli.Option.flag("--json", "Print the report as one JSON document on standard output.")),
      null, "",
      List.of("",
          "Exit status:",
          "  N   the workload's exit status (128+N when a signal N ended it), as for run",
          "  0   unknown exit status (gone without a record), or its governor reported it",
          "  1   no workload with that job id here"));

  @Override
  public Cli.Spec spec() {
    return SPEC;
  }

  @Override
  public int call(Cli.Parsed args, Io io) throws Exception {
    String jobId = String.valueOf(args.get("--job-id"));
    boolean json = args.has("--json");
    Log log = Log.of(io);
    boolean announced = false;
    while (true) {
      List<GovernedWorkload> mine = Workload.recover(jobId);
      if (!mine.isEmpty()) {
        GovernedWorkload w = mine.get(0);
        log.info("waiting for pid " + w.pid() + " job " + jobId + " (recovered)");
        WorkloadReport r = w.awaitReport();
        RunCommand.printEnd(io, w, r, json);
        return r.exitCode() == null ? 0 : r.exitCode();
      }
      Optional<Recoverable> governed = Workload.recoverable().stream()
          .filter(r -> r.jobId().equals(jobId)).findFirst();
      if (governed.isEmpty()) {
        if (announced) {
          log.info("job " + jobId + " was reported by its governor");
          return 0;
        }
        log.error("no workload with job id " + Log.printable(jobId) + " here");
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
