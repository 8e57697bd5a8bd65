package io.ffrtmp.examples.cli;

import io.ffrtmp.Constraint;
import io.ffrtmp.Workload;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ffrtmp list [--json]}: the workloads recoverable here, without taking them over. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = {
      "List the workloads started on this host by ffrtmp for this user that have not been"
          + " reported yet: running, ended while no wrapper or agent governed them, or governed"
          + " by a running one (GOVERNOR). 'ffrtmp wait --job-id ID' reports one of them."
    })
final class ListCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print a JSON array on standard output.")
  boolean json;

  @Override
  public Integer call() {
    List<Workload.Recoverable> all = Workload.recoverable();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      StringBuilder b = new StringBuilder("[");
      for (Workload.Recoverable r : all) {
        b.append(b.length() > 1 ? "," : "").append('{')
            .append("\"job_id\":").append(Json.str(r.jobId()))
            .append(",\"pid\":").append(r.pid())
            .append(",\"state\":").append(Json.str(r.state()))
            .append(",\"exit_code\":").append(r.exitCode())
            .append(",\"governor_pid\":").append(r.governorPid() == 0 ? "null"
                : Long.toString(r.governorPid()))
            .append(",\"strategy\":").append(Json.str(r.strategy()))
            .append(",\"cgroup_path\":").append(Json.str(r.cgroupPath()))
            .append(",\"started_at\":").append(Json.str(r.startedAt().toString()))
            .append(",\"constraints\":{");
        for (Constraint c : Constraint.values()) {
          b.append(c.ordinal() == 0 ? "" : ",").append('"').append(c.key()).append("\":")
              .append(r.constraints().get(c));
        }
        b.append("}}");
      }
      out.println(b.append(']'));
    } else {
      out.printf("%-24s %8s %-8s %5s %8s %-13s %s%n", "JOB", "PID", "STATE", "EXIT", "GOVERNOR",
          "STRATEGY", "CGROUP");
      for (Workload.Recoverable r : all) {
        out.printf("%-24s %8d %-8s %5s %8s %-13s %s%n", r.jobId(), r.pid(), r.state(),
            r.exitCode() == null ? "-" : r.exitCode().toString(),
            r.governorPid() == 0 ? "-" : Long.toString(r.governorPid()), r.strategy(),
            r.cgroupPath() == null ? "-" : r.cgroupPath());
      }
    }
    out.flush();
    return 0;
  }
}
