package io.ffrtmp.cli;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Recoverable;
import io.ffrtmp.Recovery;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code ffrtmp wait --job-id <ID> [--agent NAME] [--json]}: the reports of a job's workloads,
 * recovered if need be.
 */
final class WaitCommand implements Command {
  /** The exit status when a workload's own is unknown (gone without a record). */
  static final int UNKNOWN = 3;

  static final Cli.Spec SPEC = new Cli.Spec("wait",
      "Wait for the workloads of a job and print their reports.",
      List.of("Wait for the workloads of a job on this host and user (see 'ffrtmp list') and"
          + " print their reports, as 'run' does: their wrapper or agent is gone, so this command"
          + " takes them over (one that ended already is reported at once, with its real exit"
          + " status and end). While a running wrapper or agent governs one, wait for that one"
          + " to report it; then print what its records said (with --json, its 'list' entry"
          + " with state \"reported\")."
          + " Several workloads of one job id are all reported, one after the other; with"
          + " --json each is one JSON document on its own line (jq reads them as a stream,"
          + " jq -s as an array)."),
      List.of(Cli.Option.required("--job-id", "ID", "The job id."),
          Cli.Option.value("--agent", "NAME", null,
              "The agent whose records to look in (see 'run --agent'); default: the default"
                  + " records."),
          Cli.Option.flag("--json", "Print each report as one JSON document on standard"
              + " output.")),
      null, "",
      List.of("",
          "Exit status:",
          "  N   the workload's exit status (128+N when a signal N ended it), as for run",
          "      (with several workloads, the highest of theirs)",
          "  " + UNKNOWN + "   exit status unknown: a process adopted by 'attach' (never known), or",
          "      one gone without a record (see the warnings)",
          "  1   no workload with that job id here (nothing on standard output)"));

  @Override
  public Cli.Spec spec() {
    return SPEC;
  }

  @Override
  public int call(Cli.Parsed args, Io io) throws Exception {
    String jobId = String.valueOf(args.get("--job-id"));
    boolean json = args.has("--json");
    // a report's records go only once it is printed: a wait killed before leaves them
    Recovery records = RunCommand.records(args, SPEC).withAcknowledgement();
    Log log = Log.of(io);
    List<String> warned = new ArrayList<>();
    Recoverable governed = null;
    int status = -1;
    while (true) {
      List<GovernedWorkload> mine = records.recover(jobId);
      warn(log, records, warned);
      if (!mine.isEmpty()) {
        final Recoverable watched = governed;
        if (watched != null && mine.stream().anyMatch(w -> w.pid() == watched.pid())) {
          governed = null; // its governor died: taken over here, reported below, once
        }
        for (GovernedWorkload w : mine) {
          log.info("waiting for pid " + w.pid() + " job " + jobId + " (recovered)");
        }
        for (GovernedWorkload w : mine) {
          WorkloadReport r = w.awaitReport();
          RunCommand.printEnd(io, w, r, json);
          io.out().flush();
          io.err().flush();
          w.acknowledge();
          status = Math.max(status, r.exitCode() == null ? UNKNOWN : r.exitCode());
        }
        continue; // another workload of the job may have lost its governor meanwhile
      }
      List<Recoverable> listed = records.list();
      warn(log, records, warned);
      Optional<Recoverable> now = listed.stream().filter(r -> r.jobId().equals(jobId))
          .findFirst();
      if (now.isEmpty()) {
        if (governed != null) {
          status = Math.max(status, reportedElsewhere(io, log, governed, json));
        }
        if (status >= 0) {
          return status;
        }
        log.error("no workload with job id " + Log.printable(jobId) + " here");
        return 1;
      }
      Recoverable g = now.get();
      if (g.governorPid() == 0) {
        // no JVM governs it, and recovery did not take it: its record was refused (warned)
        log.error("job " + Log.printable(jobId) + " (pid " + g.pid() + ") cannot be taken"
            + " over: its record was refused");
        return status >= 0 ? status : 1;
      }
      if (governed != null && governed.pid() != g.pid()) {
        // the one watched was reported; another of the job is next
        status = Math.max(status, reportedElsewhere(io, log, governed, json));
      }
      if (governed == null || governed.pid() != g.pid()) {
        log.info("job " + jobId + " (pid " + g.pid() + ") is governed by pid "
            + g.governorPid() + "; waiting for it to end and be reported");
      }
      governed = g;
      Thread.sleep(20);
    }
  }

  /** Its governor reported it: what its records said last. */
  private static int reportedElsewhere(Io io, Log log, Recoverable last, boolean json) {
    log.info("job " + last.jobId() + " (pid " + last.pid() + ") was reported by its governor,"
        + " pid " + last.governorPid() + (last.exitCode() == null ? ""
            : "; its exit status was " + last.exitCode()));
    if (json) {
      io.out().println(new Recoverable(last.jobId(), last.pid(), Recoverable.State.REPORTED,
          last.exitCode(),
          last.governorPid(), last.strategy(), last.cgroupPath(), last.startedAt(),
          last.constraints()).toJson());
      io.out().flush();
    }
    return last.exitCode() == null ? UNKNOWN : last.exitCode();
  }

  /** Each refused record once, on standard error. */
  static void warn(Log log, Recovery records, List<String> warned) {
    for (String w : records.warnings()) {
      if (!warned.contains(w)) {
        warned.add(w);
        log.warning(w);
      }
    }
  }
}
