package io.ffrtmp.cli;

import io.ffrtmp.Pressure;
import io.ffrtmp.Recovery;
import io.ffrtmp.Usage;
import io.ffrtmp.WorkloadUsage;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code ffrtmp stats [--job-id ID] [--json]}: the usage now of the running workloads, like
 * {@code docker stats} or {@code systemd-cgtop}, once.
 */
final class StatsCommand implements Command {
  static final Cli.Spec SPEC = new Cli.Spec("stats",
      "Show the usage now of the running workloads.",
      List.of("Show, once, the resource usage now of the running workloads of this host and"
          + " user (see 'ffrtmp list'), whichever wrapper or agent governs them: CPU seconds"
          + " and throttled seconds, memory now and at its peak in MiB, tasks, OOM kills, and"
          + " on cgroup v2 and systemd the pressure (some, avg10 %) of CPU, memory and IO; '-'"
          + " where the host cannot say."),
      List.of(Cli.Option.value("--job-id", "ID", null, "Only this job's workloads."),
          RunCommand.AGENT,
          Cli.Option.flag("--json", "Print each workload as one JSON document per line.")),
      null, "",
      List.of("", "Exit status: 0; 1 when --job-id names no running workload here."));

  @Override
  public Cli.Spec spec() {
    return SPEC;
  }

  @Override
  public int call(Cli.Parsed args, Io io) {
    Recovery records = RunCommand.records(args, SPEC);
    String jobId = args.get("--job-id");
    List<WorkloadUsage> all = records.usage(jobId);
    WaitCommand.warn(Log.of(io), records, new ArrayList<>());
    PrintWriter out = io.out();
    if (args.has("--json")) {
      all.forEach(w -> out.println(w.toJson()));
    } else {
      out.printf("%-24s %8s %8s %9s %8s %8s %5s %4s %7s %7s %7s%n", "JOB", "PID", "CPU_S",
          "THROTL_S", "MEM_MB", "PEAK_MB", "TASKS", "OOM", "PSI_CPU", "PSI_MEM", "PSI_IO");
      for (WorkloadUsage w : all) {
        Usage u = w.usage();
        Pressure p = u.pressure();
        Double cpu = u.cpuUserSec() == null || u.cpuSystemSec() == null ? null
            : u.cpuUserSec() + u.cpuSystemSec();
        out.printf("%-24s %8d %8s %9s %8s %8s %5s %4s %7s %7s %7s%n",
            Log.printable(w.jobId()), w.pid(), sec(cpu), sec(u.cpuThrottledSec()),
            mib(u.memoryCurrentBytes()), mib(u.memoryPeakBytes()), num(u.pidsCurrent()),
            num(u.oomKills()), psi(p == null ? null : p.cpuSome()),
            psi(p == null ? null : p.memorySome()), psi(p == null ? null : p.ioSome()));
      }
    }
    out.flush();
    return jobId != null && all.isEmpty() ? 1 : 0;
  }

  private static String sec(@Nullable Double s) {
    return s == null ? "-" : RunCommand.seconds(s);
  }

  private static String mib(@Nullable Long bytes) {
    return bytes == null ? "-" : RunCommand.seconds(bytes / 1048576.0);
  }

  private static String num(@Nullable Long n) {
    return n == null ? "-" : n.toString();
  }

  private static String psi(Pressure.@Nullable Stall s) {
    return s == null ? "-" : RunCommand.seconds(s.avg10());
  }
}
