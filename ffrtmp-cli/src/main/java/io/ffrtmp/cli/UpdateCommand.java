package io.ffrtmp.cli;

import io.ffrtmp.Constraint;
import io.ffrtmp.ConstraintChanges;
import io.ffrtmp.Enforcement;
import io.ffrtmp.Recovery;
import io.ffrtmp.WorkloadUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ffrtmp update --job-id ID [constraint flags]}: changes the limits of a running job,
 * whichever wrapper or agent governs it, through its records ({@link Recovery#update}); its
 * governor's report lists the update.
 */
final class UpdateCommand implements Command {
  /** The exit status when {@code --strict} refused the update: nothing was changed. */
  static final int REFUSED = 125;

  static final Cli.Spec SPEC = new Cli.Spec("update",
      "Change the limits of a running job.",
      List.of("Change the constraints of the running workloads of a job on this host and user"
          + " (see 'ffrtmp list'), whichever wrapper or agent governs them: each given flag is"
          + " written as at the start and read back; one that does not take is put back, and"
          + " its governor's report lists the update. 0 lifts a CPU quota, a memory or pids"
          + " limit (unlimited), -1 a swap limit, '' a CPU or memory-node list or the IO"
          + " limits. Only the flags given change."),
      options(), null, "",
      List.of("",
          "Exit status: 0 when the workloads were updated (a change not in force is a warning);"
              + " 1 when no workload of that job id runs here; 2 for a usage error; "
              + REFUSED + " when --strict refused the update (nothing changed).",
          "",
          "Example:",
          "  ffrtmp update --job-id transcode-7 --cpu-quota 400 --memory-limit 0"));

  private static List<Cli.Option> options() {
    List<Cli.Option> all = new ArrayList<>();
    all.add(Cli.Option.required("--job-id", "ID", "The job id."));
    all.add(Cli.Option.value("--cpu-quota", "PERCENT", null,
        "CPU % (100 = 1 core, 0 = unlimited)."));
    all.add(Cli.Option.value("--cpu-weight", "WEIGHT", null, "CPU weight (1-10000)."));
    all.add(Cli.Option.value("--nice", "NICE", null,
        "Priority (-20 to 19) of every thread of the workload."));
    all.add(Cli.Option.value("--memory-limit", "MB", null, "Memory limit MB (0 = unlimited)."));
    all.add(Cli.Option.value("--io-weight", "PERCENT", null, "IO weight % (0-100, 0 = unset)."));
    all.add(Cli.Option.value("--oom-score", "SCORE", null, "OOM score (-1000 to 1000)."));
    all.add(Cli.Option.value("--memory-high", "MB", null,
        "Memory high (soft) limit MB (0 = unlimited)."));
    all.add(Cli.Option.value("--swap-max", "MB", null,
        "Swap limit MB (0 = no swap, -1 = unlimited)."));
    all.add(Cli.Option.value("--pids-max", "N", null,
        "Most processes and threads at once (0 = unlimited; lowering it kills nothing)."));
    all.add(Cli.Option.value("--cpus", "LIST", null,
        "The CPUs it may run on, e.g. 2-3 (its tasks move at once; '' = all)."));
    all.add(Cli.Option.value("--memory-nodes", "LIST", null,
        "The memory nodes it may allocate from ('' = all)."));
    all.add(Cli.Option.value("--io-max", "'DEV KEY=N'", null, ConstraintOptions.IO_MAX_HELP
        + "; the devices given get these limits, every other device loses its limit ('' ="
        + " none)."));
    all.add(Cli.Option.flag("--memory-below-usage", "Let a memory limit below the workload's"
        + " current usage be written: the kernel then reclaims memory or OOM-kills it (default:"
        + " refused, the old limit kept)."));
    all.add(Cli.Option.flag("--strict",
        "Change nothing when one of the changes cannot be enforced."));
    all.add(RunCommand.AGENT);
    all.add(Cli.Option.flag("--json",
        "Print each workload's update as one JSON document on standard output."));
    return List.copyOf(all);
  }

  @Override
  public Cli.Spec spec() {
    return SPEC;
  }

  @Override
  public int call(Cli.Parsed args, Io io) {
    ConstraintChanges changes = new ConstraintChanges();
    for (Map.Entry<Constraint, String> f : ConstraintOptions.FLAGS.entrySet()) {
      if (args.has(f.getValue()) && f.getKey().isText()) {
        String v = String.valueOf(args.get(f.getValue()));
        ConstraintOptions.set(SPEC, f.getValue(), () -> changes.set(f.getKey(), v));
      } else if (args.has(f.getValue())) {
        long v = args.longValue(f.getValue());
        ConstraintOptions.set(SPEC, f.getValue(), () -> changes.set(f.getKey(), v));
      }
    }
    if (changes.isEmpty()) {
      throw Cli.usage(SPEC, "Missing constraint: give at least one of "
          + String.join(", ", ConstraintOptions.FLAGS.values()));
    }
    if (args.has("--memory-below-usage")) {
      changes.allowMemoryBelowUsage();
    }
    String jobId = String.valueOf(args.get("--job-id"));
    Recovery records = RunCommand.records(args, SPEC);
    boolean strict = args.has("--strict");
    List<WorkloadUpdate> done = records.update(jobId, c -> {
      changes.requested().forEach((k, v) -> c.set(k, v));
      if (changes.memoryBelowUsageAllowed()) {
        c.allowMemoryBelowUsage();
      }
    }, strict);
    Log log = Log.of(io);
    WaitCommand.warn(log, records, new ArrayList<>());
    if (done.isEmpty()) {
      log.error("no running workload with job id " + Log.printable(jobId) + " here");
      return 1;
    }
    boolean refused = false;
    for (WorkloadUpdate u : done) {
      for (Enforcement e : u.enforcement()) {
        String line = "job " + jobId + ": " + e.constraint() + " " + e.status().wireName()
            + " via " + e.mechanism() + " (" + e.detail() + ")";
        if (e.enforced()) {
          log.info(line);
        } else {
          log.warning(line);
        }
      }
      refused |= strict && !u.enforced();
      if (args.has("--json")) {
        io.out().println(u.toJson());
      }
    }
    io.out().flush();
    return refused ? REFUSED : 0;
  }
}
