package io.ffrtmp.cli;

import io.ffrtmp.AttachBuilder;
import io.ffrtmp.AttachException;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.NoSuchProcessException;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import java.util.ArrayList;
import java.util.List;

/** {@code ffrtmp attach --pid <PID> [flags]}. */
final class AttachCommand implements Command {
  static final Cli.Spec SPEC = new Cli.Spec("attach",
      "Govern a running process under constraints.",
      List.of("Attach mode: govern an existing process without restarting or signalling it.",
          "",
          "The process (and by default its existing descendants) moves into the workload's"
              + " cgroup; nice is applied to every thread, the OOM score to every process. The"
              + " wrapper watches until the process exits and prints the report; Ctrl-C or"
              + " SIGTERM detaches instead (the process runs on, still in its cgroup with its"
              + " limits) and prints the report with exit_reason detached."),
      options(),
      null, "",
      List.of("",
          "Exit status: 0 when the process was watched to its end or detached; 1 when the"
              + " process does not exist or cannot be adopted; 2 for a usage error; 125 when the"
              + " wrapper itself fails.",
          "",
          "Example:",
          "  ffrtmp attach --pid 12345 --job-id legacy-12345 --cpu-quota 100"));

  private static List<Cli.Option> options() {
    List<Cli.Option> all = new ArrayList<>();
    all.add(Cli.Option.required("--pid", "PID", "PID to attach."));
    all.addAll(ConstraintOptions.OPTIONS);
    all.add(Cli.Option.flag("--no-descendants",
        "Adopt only the process, not its existing descendants."));
    all.add(Cli.Option.flag("--restore-on-detach",
        "On detach, put back the original cgroups, nice values and OOM score."));
    all.add(RunCommand.AGENT);
    return List.copyOf(all);
  }

  @Override
  public Cli.Spec spec() {
    return SPEC;
  }

  @Override
  public int call(Cli.Parsed args, Io io) throws Exception {
    long pid = args.longValue("--pid");
    AttachBuilder b;
    try {
      b = Workload.attach(pid);
    } catch (IllegalArgumentException e) {
      throw Cli.usage(SPEC, "Invalid value for --pid: " + e.getMessage());
    }
    ConstraintOptions.applyTo(b, args, SPEC);
    RunCommand.withAgent(b, args, SPEC);
    b.withAcknowledgement(); // its record stays until the report is printed: Exits.finished
    b.withDescendants(!args.has("--no-descendants"))
        .restoreOnDetach(args.has("--restore-on-detach"));
    boolean json = args.has("--json");
    GovernedWorkload w;
    try {
      w = b.start();
    } catch (NoSuchProcessException | AttachException e) {
      Log.of(io).error(e.getMessage());
      return 1;
    } catch (EnforcementException e) {
      return RunCommand.refused(io, e, json);
    }
    // the hook first: a signal right after the start line still gets the wrapper's one report
    Exits exits = Exits.install(io, w, true, json);
    RunCommand.printStart(io, w, "attached to");
    WorkloadReport r = w.awaitReport();
    exits.finished(r);
    return 0;
  }
}
