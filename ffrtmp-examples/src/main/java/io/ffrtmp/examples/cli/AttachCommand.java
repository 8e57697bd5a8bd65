package io.ffrtmp.examples.cli;

import io.ffrtmp.AttachBuilder;
import io.ffrtmp.AttachException;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.NoSuchProcessException;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code ffrtmp attach --pid <PID> [flags]}. */
@Command(
    name = "attach",
    mixinStandardHelpOptions = true,
    description = {
      "Attach mode: govern an existing process without restarting or signalling it.",
      "",
      "The process (and by default its existing descendants) moves into the workload's cgroup;"
          + " nice is applied to every thread, the OOM score to every process. The wrapper"
          + " watches until the process exits and prints the report; Ctrl-C or SIGTERM detaches"
          + " instead (the process runs on, still in its cgroup with its limits) and prints the"
          + " report with exit_reason detached."
    },
    footer = {
      "",
      "Exit status: 0 when the process was watched to its end or detached; 1 when the process"
          + " does not exist or cannot be adopted; 2 for a usage error; 125 when the wrapper"
          + " itself fails.",
      "",
      "Example:",
      "  ffrtmp attach --pid 12345 --job-id legacy-12345 --cpu-quota 100"
    },
    sortOptions = false)
final class AttachCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--pid", required = true, paramLabel = "PID", description = "PID to attach.")
  long pid;

  @Mixin ConstraintOptions options = new ConstraintOptions();

  @Option(names = "--no-descendants",
      description = "Adopt only the process, not its existing descendants.")
  boolean noDescendants;

  @Option(names = "--restore-on-detach",
      description = "On detach, put back the original cgroups, nice values and OOM score.")
  boolean restore;

  @Override
  public Integer call() throws Exception {
    AttachBuilder b;
    try {
      b = Workload.attach(pid);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "Invalid value for --pid: " + e.getMessage());
    }
    options.applyTo(b, spec.commandLine());
    b.withDescendants(!noDescendants).restoreOnDetach(restore);
    GovernedWorkload w;
    try {
      w = b.start();
    } catch (NoSuchProcessException | AttachException e) {
      Log.of(spec).error(e.getMessage());
      return 1;
    } catch (EnforcementException e) {
      Log.of(spec).error(e.getMessage());
      return 125;
    }
    // the hook first: a signal right after the start line still gets the wrapper's one report
    Exits exits = Exits.install(spec.commandLine(), w, true, options.json);
    RunCommand.printStart(spec.commandLine(), w, "attached to");
    WorkloadReport r = w.awaitReport();
    exits.finished(r);
    return 0;
  }
}
