package io.ffrtmp.cli;

import io.ffrtmp.Recoverable;
import io.ffrtmp.Recovery;
import java.io.PrintWriter;
import java.util.List;

/** {@code ffrtmp list [--json]}: the workloads recoverable here, without taking them over. */
final class ListCommand implements Command {
  static final Cli.Spec SPEC = new Cli.Spec("list",
      "List the workloads of this host and user not yet reported.",
      List.of("List the workloads started on this host by ffrtmp for this user that have not been"
          + " reported yet: running, ended while no wrapper or agent governed them, or governed"
          + " by a running one (GOVERNOR). 'ffrtmp wait --job-id ID' reports one of them."),
      List.of(Cli.Option.value("--agent", "NAME", null,
              "The agent whose records to list (see 'run --agent'); default: the default"
                  + " records."),
          Cli.Option.flag("--json", "Print a JSON array on standard output.")),
      null, "", List.of());

  @Override
  public Cli.Spec spec() {
    return SPEC;
  }

  @Override
  public int call(Cli.Parsed args, Io io) {
    Recovery records = RunCommand.records(args, SPEC);
    List<Recoverable> all = records.list();
    WaitCommand.warn(Log.of(io), records, new java.util.ArrayList<>());
    PrintWriter out = io.out();
    if (args.has("--json")) {
      StringBuilder b = new StringBuilder("[");
      for (Recoverable r : all) {
        b.append(b.length() > 1 ? "," : "").append(r.toJson());
      }
      out.println(b.append(']'));
    } else {
      out.printf("%-24s %8s %-8s %5s %8s %-13s %s%n", "JOB", "PID", "STATE", "EXIT", "GOVERNOR",
          "STRATEGY", "CGROUP");
      for (Recoverable r : all) {
        out.printf("%-24s %8d %-8s %5s %8s %-13s %s%n", Log.printable(r.jobId()), r.pid(),
            r.state().key(),
            r.exitCode() == null ? "-" : r.exitCode().toString(),
            r.governorPid() == 0 ? "-" : Long.toString(r.governorPid()), r.strategy(),
            r.cgroupPath() == null ? "-" : Log.printable(r.cgroupPath()));
      }
    }
    out.flush();
    return 0;
  }
}
