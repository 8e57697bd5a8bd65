package io.ffrtmp.cli;

import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernanceBuilder;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.LaunchException;
import io.ffrtmp.Recovery;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadBuilder;
import io.ffrtmp.WorkloadReport;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** {@code ffrtmp run [flags] -- <command> [args...]}. */
final class RunCommand implements Command {
  /** {@code --agent} of run and attach (before SPEC, which uses it). */
  static final Cli.Option AGENT = Cli.Option.value("--agent", "NAME", null, "Keep the"
      + " workload's records with this agent's: only 'wait' and 'list' with the same --agent see"
      + " it (letters, digits, '.', '_', '-'; default: the default records).");

  static final Cli.Spec SPEC = new Cli.Spec("run",
      "Run a command under constraints.",
      List.of("Run mode: spawn a new process under constraints.",
          "",
          "The workload inherits this terminal's stdin, stdout and stderr, runs in its own session"
              + " (Ctrl-C here does not reach it) and keeps running, still constrained, if the"
              + " wrapper exits. With --json, stdout carries only the report and the workload's"
              + " stdout goes to stderr, so `ffrtmp run --json -- cmd > report.json` is valid for"
              + " jq."),
      options(),
      "COMMAND", "The command and its arguments.",
      List.of("",
          "Exit status: the workload's exit status (128+N when killed by signal N); 127 when the"
              + " command is not found, 126 when it is not executable; 2 for a usage error; 125"
              + " when the wrapper itself fails or --strict refuses to start.",
          "",
          "Example:",
          "  ffrtmp run --job-id job-001 --cpu-quota 200 --memory-limit 4096 -- ffmpeg -i in.mp4"
              + " out.mp4"));

  private static List<Cli.Option> options() {
    List<Cli.Option> all = new ArrayList<>(ConstraintOptions.OPTIONS);
    all.add(Cli.Option.value("--timeout", "SECONDS", null, "Terminate the whole workload after"
        + " this many seconds (SIGTERM, then SIGKILL after --grace); decimals and the units s,"
        + " m, h, d as in GNU timeout (1.5, 90s, 2h); 0: no timeout."));
    all.add(Cli.Option.value("--grace", "SECONDS", "10",
        "Seconds between SIGTERM and SIGKILL for --timeout, in the same form (default: 10)."));
    all.add(AGENT);
    return List.copyOf(all);
  }

  @Override
  public Cli.Spec spec() {
    return SPEC;
  }

  @Override
  public int call(Cli.Parsed args, Io io) throws Exception {
    if (args.operands().get(0).isEmpty()) {
      throw Cli.usage(SPEC, "Invalid value for COMMAND: the command's name is empty");
    }
    ProcessBuilder pb = new ProcessBuilder(args.operands()).inheritIO();
    EndingSignals.forWorkload(pb.environment());
    // its records stay until the report is printed: see Exits.finished
    WorkloadBuilder b = Workload.run(pb).withAcknowledgement();
    boolean json = args.has("--json");
    if (json) {
      // stdout belongs to the report: the workload's stdout goes to our stderr
      b.mergeOutputIntoError();
    }
    ConstraintOptions.applyTo(b, args, SPEC);
    withAgent(b, args, SPEC);
    if (args.has("--grace") && !args.has("--timeout")) {
      throw Cli.usage(SPEC, "Invalid value for --grace: it is the time between SIGTERM and"
          + " SIGKILL at a --timeout, and there is no --timeout");
    }
    if (args.has("--timeout")) {
      Duration timeout = args.duration("--timeout");
      Duration grace = args.duration("--grace");
      if (!timeout.isZero()) {
        b.withTimeout(timeout, grace);
      }
    }
    GovernedWorkload w;
    try {
      w = b.start();
    } catch (EnforcementException e) {
      return refused(io, e, json);
    } catch (LaunchException e) {
      // nothing ran: no "started" line, the error, and the report of the failed start
      Log.of(io).error(String.valueOf(e.getMessage()));
      e.report().ifPresent(r -> ended(io, r, json));
      return e.exitCode();
    }
    // the hook first: a signal right after the start line still gets the wrapper's one report
    Exits exits = Exits.install(io, w, false, json);
    printStart(io, w, "started");
    WorkloadReport r = w.awaitReport();
    exits.finished(r);
    return r.exitCode() == null ? 0 : r.exitCode();
  }

  /** Applies {@code --agent}, if given. */
  static void withAgent(GovernanceBuilder<?> b, Cli.Parsed args, Cli.Spec spec) {
    if (args.has("--agent")) {
      try {
        b.withAgent(String.valueOf(args.get("--agent")));
      } catch (IllegalArgumentException e) {
        throw Cli.usage(spec, "Invalid value for --agent: " + e.getMessage());
      }
    }
  }

  /**
   * The records named by {@code --agent}, or the default ones.
   *
   * @throws Cli.UsageException for a name the library refuses
   */
  static Recovery records(Cli.Parsed args, Cli.Spec spec) {
    if (!args.has("--agent")) {
      return Workload.recovery();
    }
    try {
      return Workload.recovery(String.valueOf(args.get("--agent")));
    } catch (IllegalArgumentException e) {
      throw Cli.usage(spec, "Invalid value for --agent: " + e.getMessage());
    }
  }

  /**
   * Strict mode refused the start: the error, and with {@code --json} the refusal's report (a
   * script reading reports gets one for every start).
   *
   * @return 125
   */
  static int refused(Io io, EnforcementException e, boolean json) {
    Log.of(io).error(e.getMessage());
    e.report().ifPresent(r -> ended(io, r, json));
    return 125;
  }

  /** A start that did not happen: its report with {@code --json}, and the job line. */
  private static void ended(Io io, WorkloadReport r, boolean json) {
    if (json) {
      io.out().println(r.toJson());
      io.out().flush();
    }
    Log.of(io).info(jobLine(r));
  }

  static void printEnd(Io io, GovernedWorkload w, WorkloadReport r, boolean json) {
    for (String warning : r.warnings()) {
      if (!w.warnings().contains(warning)) {
        Log.of(io).warning(warning);
      }
    }
    if (json) {
      io.out().println(r.toJson());
      io.out().flush();
    } else {
      summary(io, r);
    }
    Log.of(io).info(jobLine(r));
  }

  /**
   * The original wrapper's one grep-able line per job (its {@code LogSummary}), with its keys,
   * so that an operator's log searches and alerts keep working: {@code JOB <id> | intent=<i> |
   * sla=COMPLIANT|VIOLATION | reason=<platform SLA reason> | runtime=<whole seconds>s |
   * exit=<code, -1 when unknown> | pid=<pid>}.
   */
  static String jobLine(WorkloadReport r) {
    return "JOB " + r.jobId() + " | intent=" + r.intent().wireName() + " | sla="
        + (r.platformSlaCompliant() ? "COMPLIANT" : "VIOLATION") + " | reason="
        + r.platformSlaReason() + " | runtime="
        + BigDecimal.valueOf(r.durationSec()).setScale(0, RoundingMode.HALF_EVEN).toPlainString()
        + "s | exit=" + (r.exitCode() == null ? -1 : r.exitCode()) + " | pid=" + r.pid();
  }

  static void printStart(Io io, GovernedWorkload w, String verb) {
    for (String warning : w.warnings()) {
      Log.of(io).warning(warning);
    }
    Log.of(io).info(
        verb
            + " pid "
            + w.pid()
            + " job "
            + w.jobId()
            + " strategy "
            + w.strategy()
            + w.cgroupPath().map(p -> " cgroup " + p).orElse(""));
  }

  private static String sec(@Nullable Double s) {
    return s == null ? "n/a" : seconds(s) + "s";
  }

  /**
   * {@code String.format(Locale.ROOT, "%.3f", s)} without {@link java.util.Formatter}, whose
   * first use (locale data, decimal symbols) costs a fresh JVM several milliseconds.
   */
  static String seconds(double s) {
    if (!Double.isFinite(s)) {
      return Double.toString(s);
    }
    return BigDecimal.valueOf(s).setScale(3, RoundingMode.HALF_UP).toPlainString();
  }

  static void summary(Io io, WorkloadReport r) {
    Log.of(io).info("job " + r.jobId() + " pid " + r.pid() + " "
        + (r.exitReason() == ExitReason.DETACHED ? "detached" : "ended")
        + ": exit_code=" + r.exitCode() + " exit_reason=" + r.exitReason().wireName()
        + (r.signal() == null ? "" : " signal=" + r.signal())
        + " duration=" + seconds(r.durationSec()) + "s strategy=" + r.strategy()
        + (r.cgroupPath() == null ? "" : " cgroup=" + r.cgroupPath()));
    for (Enforcement e : r.enforcement()) {
      if (e.status() != EnforcementStatus.SKIPPED) {
        Log.of(io).info("  " + e.constraint() + ": " + e.status().wireName() + " via "
            + e.mechanism() + " (" + e.detail() + ")");
      }
    }
    var u = r.usage();
    if (u.cpuUserSec() != null || u.memoryPeakBytes() != null) {
      Log.of(io).info(
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
    Log.of(io).info("  platform_sla_compliant=" + r.platformSlaCompliant() + " ("
        + r.platformSlaReason() + ")");
  }
}
