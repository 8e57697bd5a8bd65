package io.ffrtmp.examples.cli;

import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadBuilder;
import io.ffrtmp.WorkloadReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code ffrtmp run [flags] -- <command> [args...]}. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run mode: spawn a new process under constraints.",
      "",
      "The workload inherits this terminal's stdin, stdout and stderr, runs in its own session"
          + " (Ctrl-C here does not reach it) and keeps running, still constrained, if the"
          + " wrapper exits. With --json, stdout carries only the report and the workload's"
          + " stdout goes to stderr, so `ffrtmp run --json -- cmd > report.json` is valid for jq."
    },
    footer = {
      "",
      "Exit status: the workload's exit status (128+N when killed by signal N); 127 when the"
          + " command is not found, 126 when it is not executable; 2 for a usage error; 125"
          + " when the wrapper itself fails or --strict refuses to start.",
      "",
      "Example:",
      "  ffrtmp run --job-id job-001 --cpu-quota 200 --memory-limit 4096 -- ffmpeg -i in.mp4 out.mp4"
    },
    sortOptions = false)
final class RunCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ConstraintOptions options = new ConstraintOptions();

  @CommandLine.Option(names = "--timeout", paramLabel = "SECONDS",
      description = "Terminate the whole workload after this many seconds (SIGTERM, then"
          + " SIGKILL after --grace).")
  Long timeoutSec;

  @CommandLine.Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "10",
      description = "Seconds between SIGTERM and SIGKILL for --timeout (default: ${DEFAULT-VALUE}).")
  long graceSec = 10;

  @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments.")
  List<String> command = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    WorkloadBuilder b = Workload.run(command);
    if (options.json) {
      // stdout belongs to the report: the workload's stdout goes to our stderr
      b.mergeOutputIntoError();
    }
    options.applyTo(b, spec.commandLine());
    if (timeoutSec != null) {
      ConstraintOptions.set(spec.commandLine(), "--timeout",
          () -> b.withTimeout(Duration.ofSeconds(timeoutSec), Duration.ofSeconds(graceSec)));
    }
    GovernedWorkload w;
    try {
      w = b.start();
    } catch (EnforcementException e) {
      Log.of(spec).error(e.getMessage());
      return 125;
    }
    // the hook first: a signal right after the start line still gets the wrapper's one report
    Exits exits = Exits.install(spec.commandLine(), w, false, options.json);
    printStart(spec.commandLine(), w, "started");
    WorkloadReport r = w.awaitReport();
    exits.finished(r);
    return r.exitCode() == null ? 0 : r.exitCode();
  }

  static void printEnd(CommandLine cl, GovernedWorkload w, WorkloadReport r, boolean json) {
    for (String warning : r.warnings()) {
      if (!w.warnings().contains(warning)) {
        Log.of(cl).warning(warning);
      }
    }
    if (json) {
      cl.getOut().println(r.toJson());
      cl.getOut().flush();
    } else {
      summary(cl, r);
    }
  }

  static void printStart(CommandLine cl, GovernedWorkload w, String verb) {
    for (String warning : w.warnings()) {
      Log.of(cl).warning(warning);
    }
    Log.of(cl).info(
        verb
            + " pid "
            + w.pid()
            + " job "
            + w.jobId()
            + " strategy "
            + w.strategy()
            + w.cgroupPath().map(p -> " cgroup " + p).orElse(""));
  }

  private static String sec(Double s) {
    return s == null ? "n/a" : String.format(Locale.ROOT, "%.3fs", s);
  }

  static void summary(CommandLine cl, WorkloadReport r) {
    Log.of(cl).info(
        String.format(
            Locale.ROOT,
            "job %s pid %d %s: exit_code=%s exit_reason=%s%s duration=%.3fs strategy=%s%s",
            r.jobId(),
            r.pid(),
            r.exitReason() == io.ffrtmp.ExitReason.DETACHED ? "detached" : "ended",
            r.exitCode(),
            r.exitReason().wireName(),
            r.signal() == null ? "" : " signal=" + r.signal(),
            r.durationSec(),
            r.strategy(),
            r.cgroupPath() == null ? "" : " cgroup=" + r.cgroupPath()));
    for (Enforcement e : r.enforcement()) {
      if (e.status() != EnforcementStatus.SKIPPED) {
        Log.of(cl).info("  " + e.constraint() + ": " + e.status().wireName() + " via " + e.mechanism()
            + " (" + e.detail() + ")");
      }
    }
    var u = r.usage();
    if (u.cpuUserSec() != null || u.memoryPeakBytes() != null) {
      Log.of(cl).info(
          "  usage: cpu_user="
              + sec(u.cpuUserSec())
              + " cpu_system="
              + sec(u.cpuSystemSec())
              + " cpu_throttled="
              + sec(u.cpuThrottledSec())
              + " memory_peak="
              + u.memoryPeakBytes()
              + " bytes oom_kills="
              + u.oomKills());
    }
    Log.of(cl).info("  platform_sla_compliant=" + r.platformSlaCompliant() + " ("
        + r.platformSlaReason() + ")");
  }
}
