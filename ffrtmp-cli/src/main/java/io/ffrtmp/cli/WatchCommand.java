package io.ffrtmp.cli;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Intent;
import io.ffrtmp.WatchBuilder;
import io.ffrtmp.WatchListener;
import io.ffrtmp.WatchRule;
import io.ffrtmp.Watcher;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.metrics.WorkloadMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import sun.misc.Signal;

/**
 * {@code ffrtmp watch [--config FILE] [--target NAMES] [flags]}: the original wrapper's
 * production mode — adopt every matching process as it starts, until stopped.
 */
final class WatchCommand implements Command {
  private static final String DEFAULT_JOB_ID = "auto-{comm}-{pid}";

  static final Cli.Spec SPEC = new Cli.Spec("watch",
      "Adopt matching processes the moment they start.",
      List.of("Watch mode: govern every process a rule names — by default the commands ffmpeg"
          + " and gst-launch-1.0 — as it starts, in attach mode, each one a workload of its"
          + " own (its cgroup, limits, record and report), and what already runs at the start.",
          "",
          "As root the kernel's process-events connector reports each exec as it happens (a"
              + " process is governed milliseconds after it starts); otherwise /proc is scanned"
              + " every --scan-interval (the first line says which, and why). A process that a"
              + " rule names and a filter refuses is reported as skipped, with the reason; its"
              + " children are governed with it (they are in its cgroup), never adopted again.",
          "",
          "Rules come from --config (the original wrapper's watch-config.yaml, as it is) or, for"
              + " the simple case, from --target and the limit flags. SIGHUP reads the file"
              + " again: the new rules apply to processes that start from then on; what is"
              + " governed keeps its limits (change them with 'ffrtmp update'). SIGINT or"
              + " SIGTERM stops watching and leaves what was adopted governed, in its cgroup"
              + " with its limits (--restore-on-stop puts it back instead); the next watcher of"
              + " the same --agent takes them back rather than adopting them again.",
          "",
          "Prints one line per event on standard output — adopted, recovered, skipped, ended —"
              + " and, for each workload that ends, the original wrapper's JOB line on standard"
              + " error; with --json, one JSON document per event (JSON Lines)."),
      options(),
      null, "",
      List.of("",
          "Exit status: 0 when stopped by a signal; 1 when --discovery connector cannot be"
              + " used; 2 for a usage error or an invalid --config (the key and line named);"
              + " 125 when the watcher itself fails.",
          "",
          "Examples:",
          "  ffrtmp watch --target ffmpeg --cpu-quota 200 --memory-limit 4096",
          "  ffrtmp watch --config /etc/ffrtmp/watch-config.yaml --json"));

  private static List<Cli.Option> options() {
    List<Cli.Option> all = new ArrayList<>();
    all.add(Cli.Option.value("--config", "FILE", null, "The rules: the original wrapper's"
        + " watch-config.yaml (see the operator guide). With it, the limit flags are the"
        + " defaults under its default_limits."));
    all.add(Cli.Option.value("--watch-config", "FILE", null, "The original wrapper's name for"
        + " --config."));
    all.add(Cli.Option.value("--target", "NAMES", null, "Command names to adopt, separated by"
        + " commas (default: ffmpeg,gst-launch-1.0; with --config, its target_commands)."));
    all.add(Cli.Option.value("--scan-interval", "DURATION", null, "How often /proc is scanned"
        + " where the connector cannot be used, e.g. 500ms, 2s (default: 1s; with --config,"
        + " its scan_interval, else 10s as the original)."));
    all.add(Cli.Option.value("--discovery", "MODE", "auto", "auto (the connector where it can"
        + " be used, else the scan), connector (fail without it) or scan (default: auto)."));
    for (Cli.Option o : ConstraintOptions.OPTIONS) {
      if (ConstraintOptions.FLAGS.containsValue(o.name())) {
        all.add(o);
      }
    }
    all.add(Cli.Option.value("--job-id", "PATTERN", DEFAULT_JOB_ID, "Job id of each adopted"
        + " process: {comm} {pid} {ppid} {uid} {user} {rule} are replaced (default: "
        + DEFAULT_JOB_ID + ")."));
    all.add(Cli.Option.value("--intent", "INTENT", "production",
        "production|test|experiment|soak (default: production)."));
    all.add(Cli.Option.flag("--sla-eligible", "Mark adopted processes SLA-worthy."));
    all.add(Cli.Option.value("--agent", "NAME", WatchBuilder.DEFAULT_AGENT, "Keep the adoptions'"
        + " records with this agent's: the next watcher of the agent takes them back, and"
        + " 'ffrtmp list --agent NAME' shows them (default: " + WatchBuilder.DEFAULT_AGENT
        + ")."));
    all.add(Cli.Option.flag("--restore-on-stop", "When stopped, detach every adopted process"
        + " and put back its cgroups, nice value and OOM score."));
    all.add(Cli.Option.flag("--json", "Print each event as one JSON document (JSON Lines)."));
    all.add(Cli.Option.value("--metrics-listen", "HOST:PORT", null, "Serve Prometheus metrics"
        + " of the adoptions at http://HOST:PORT/metrics, on a loopback address only (e.g."
        + " 127.0.0.1:9464; port 0: any free one, printed)."));
    return List.copyOf(all);
  }

  @Override
  public Cli.Spec spec() {
    return SPEC;
  }

  @Override
  public int call(Cli.Parsed args, Io io) throws Exception {
    Log log = Log.of(io);
    boolean json = args.has("--json");
    if (args.has("--config") && args.has("--watch-config")) {
      throw Cli.usage(SPEC, "Invalid value for --watch-config: give --config or"
          + " --watch-config, not both");
    }
    String config = args.has("--config") ? args.get("--config") : args.get("--watch-config");
    Constraints defaults = defaults(args);
    Supplier<WatchRule.Builder> base = base(args);
    Watcher.Discovery discovery = discovery(args);
    Duration interval = args.has("--scan-interval") ? interval(args) : null;
    Rules rules = rules(config, args, defaults, base);
    // the range is the builder's; a value from the file is refused naming the file's key
    String intervalFrom = interval != null ? "--scan-interval" : "--config's scan_interval";
    Duration scan = interval != null ? interval
        : rules.interval() != null ? rules.interval() : Duration.ofSeconds(1);
    String agent = String.valueOf(args.get("--agent"));
    java.net.InetSocketAddress metricsAt = null;
    if (args.has("--metrics-listen")) {
      String v = String.valueOf(args.get("--metrics-listen"));
      try {
        metricsAt = PrometheusEndpoint.address(v);
      } catch (IllegalArgumentException e) {
        throw Cli.usage(SPEC, "Invalid value for --metrics-listen: '" + v + "': "
            + e.getMessage());
      }
    }
    WatchBuilder b = Workload.watch(rules.rules()).withDiscovery(discovery)
        .restoreOnStop(args.has("--restore-on-stop")).withListener(new Printer(io, json));
    ConstraintOptions.set(SPEC, intervalFrom, () -> b.withScanInterval(scan));
    ConstraintOptions.set(SPEC, "--agent", () -> b.withAgent(agent));
    // counting before the watcher starts: what it recovers is counted too
    WorkloadMetrics metrics = metricsAt == null ? null : WorkloadMetrics.start();
    PrometheusEndpoint endpoint = null;
    Watcher w;
    try {
      if (metrics != null && metricsAt != null) {
        try {
          endpoint = PrometheusEndpoint.serve(metrics, metricsAt);
        } catch (IOException e) {
          log.error("cannot serve metrics at " + args.get("--metrics-listen") + ": " + e);
          return 1;
        }
        log.info("serving Prometheus metrics at http://" + hostPort(metricsAt, endpoint.port())
            + "/metrics");
      }
      w = b.start();
    } catch (IOException e) {
      log.error(e.getMessage());
      close(endpoint, metrics);
      return 1;
    } catch (RuntimeException e) {
      close(endpoint, metrics);
      throw e;
    }
    // SIGINT and SIGTERM (and SIGHUP without a file to read again) stop the watcher here, not
    // through the JVM's shutdown: the command then ends normally, with exit status 0
    CountDownLatch stop = new CountDownLatch(1);
    List<String> stopSignals = new ArrayList<>(List.of("INT", "TERM"));
    if (config == null) {
      stopSignals.add("HUP");
    } else {
      String file = config;
      handle("HUP", s -> reload(w, file, args, defaults, base, log), log);
    }
    for (String s : stopSignals) {
      handle(s, sig -> stop.countDown(), log);
    }
    log.info("watching for " + names(rules.rules()) + " with " + w.discoveryDetail()
        + "; agent " + agent);
    io.err().flush();
    stop.await();
    w.stop();
    close(endpoint, metrics);
    int left = w.governed().size();
    log.info("stopped watching; " + (args.has("--restore-on-stop")
        ? "what was adopted is detached and restored"
        : left + " workload" + (left == 1 ? "" : "s") + " left governed (the next watcher of"
            + " agent " + agent + " takes them back)"));
    io.out().flush();
    io.err().flush();
    return 0;
  }

  private static void close(@Nullable PrometheusEndpoint endpoint,
      @Nullable WorkloadMetrics metrics) {
    if (endpoint != null) {
      endpoint.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }

  static String hostPort(java.net.InetSocketAddress at, int port) {
    String host = at.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  static void handle(String signal, sun.misc.SignalHandler handler, Log log) {
    try {
      Signal.handle(new Signal(signal), handler);
    } catch (IllegalArgumentException e) {
      log.warning("SIG" + signal + " cannot be handled here (" + e.getMessage() + ")");
    }
  }

  private static void reload(Watcher w, String file, Cli.Parsed args, Constraints defaults,
      Supplier<WatchRule.Builder> base, Log log) {
    try {
      Rules r = rules(file, args, defaults, base);
      w.reload(r.rules());
      log.info("reloaded " + file + ": watching for " + names(r.rules())
          + " (the scan interval stays; restart to change it)");
    } catch (Cli.UsageException e) {
      log.error("not reloaded, the rules stay as they were: " + e.getMessage());
    }
  }

  private static String names(List<WatchRule> rules) {
    List<String> out = new ArrayList<>();
    rules.forEach(r -> out.add(r.name()));
    return String.join(", ", out);
  }

  /** The rules and the file's scan interval (null without a file). */
  private record Rules(List<WatchRule> rules, @Nullable Duration interval) {}

  private static Rules rules(@Nullable String config, Cli.Parsed args, Constraints defaults,
      Supplier<WatchRule.Builder> base) {
    if (config == null) {
      String targets = args.has("--target") ? String.valueOf(args.get("--target"))
          : String.join(",", WatchConfig.DEFAULT_TARGETS);
      List<WatchRule> rules = new ArrayList<>();
      for (String t : targets.split(",")) {
        String name = t.trim();
        ConstraintOptions.set(SPEC, "--target", () -> rules.add(base.get().name(name)
            .commands(List.of(name)).constraints(defaults).build()));
      }
      return new Rules(rules, null);
    }
    if (args.has("--target")) {
      throw Cli.usage(SPEC, "Invalid value for --target: the targets come from --config's"
          + " target_commands");
    }
    try {
      WatchConfig.Parsed p = WatchConfig.read(Path.of(config), defaults, base);
      return new Rules(p.rules(), p.scanInterval());
    } catch (WatchConfig.Invalid e) {
      throw Cli.usage(SPEC, "Invalid --config: " + e.getMessage());
    } catch (IOException e) {
      throw Cli.usage(SPEC, "Invalid --config: cannot read " + config + ": " + e);
    }
  }

  private static Constraints defaults(Cli.Parsed args) {
    Constraints.Builder b = Constraints.builder();
    for (Map.Entry<Constraint, String> e : ConstraintOptions.FLAGS.entrySet()) {
      String flag = e.getValue();
      if (!args.has(flag)) {
        continue;
      }
      Constraint c = e.getKey();
      if (c.isText()) {
        String v = String.valueOf(args.get(flag));
        ConstraintOptions.set(SPEC, flag, () -> b.setText(c, v));
      } else {
        long v = args.longValue(flag);
        ConstraintOptions.set(SPEC, flag, () -> b.set(c, v));
      }
    }
    return b.build();
  }

  private static Supplier<WatchRule.Builder> base(Cli.Parsed args) {
    String jobId = String.valueOf(args.get("--job-id"));
    String intent = String.valueOf(args.get("--intent"));
    boolean sla = args.has("--sla-eligible");
    // checked once here, so that a bad value is a usage error before anything starts
    ConstraintOptions.set(SPEC, "--job-id", () -> WatchRule.forCommands("x").jobId(jobId));
    ConstraintOptions.set(SPEC, "--intent", () -> Intent.parse(intent));
    return () -> WatchRule.builder().jobId(jobId).intent(Intent.parse(intent)).slaEligible(sla);
  }

  private static Watcher.Discovery discovery(Cli.Parsed args) {
    String v = String.valueOf(args.get("--discovery"));
    return switch (v) {
      case "auto" -> Watcher.Discovery.AUTO;
      case "connector" -> Watcher.Discovery.CONNECTOR;
      case "scan" -> Watcher.Discovery.SCAN;
      default -> throw Cli.usage(SPEC, "Invalid value for --discovery: '" + Log.printable(v)
          + "' (allowed: auto, connector, scan)");
    };
  }

  private static Duration interval(Cli.Parsed args) {
    String v = String.valueOf(args.get("--scan-interval"));
    try {
      return WatchConfig.goDuration(v.trim());
    } catch (IllegalArgumentException e) {
      throw Cli.usage(SPEC, "Invalid value for --scan-interval: " + Log.printable(e.getMessage()));
    }
  }

  /** Prints each event: a line, or a JSON document. */
  private static final class Printer implements WatchListener {
    private final Io io;
    private final boolean json;

    Printer(Io io, boolean json) {
      this.io = io;
      this.json = json;
    }

    @Override
    public void adopted(GovernedWorkload w, WatchRule rule, Duration sinceExec) {
      for (String warning : w.warnings()) {
        Log.of(io).warning(warning);
      }
      double ms = sinceExec.toNanos() / 1e6;
      if (json) {
        line("{\"event\":\"adopted\",\"pid\":" + w.pid() + ",\"job_id\":" + quote(w.jobId())
            + ",\"rule\":" + quote(rule.name()) + ",\"since_exec_ms\":"
            + RunCommand.seconds(ms) + ",\"strategy\":" + quote(w.strategy()) + ",\"cgroup\":"
            + w.cgroupPath().map(WatchCommand::quote).orElse("null") + "}");
      } else {
        line("adopted pid " + w.pid() + " job " + Log.printable(w.jobId()) + " (rule "
            + Log.printable(rule.name()) + ") " + RunCommand.seconds(ms) + " ms after its exec,"
            + " strategy " + w.strategy() + w.cgroupPath().map(p -> " cgroup " + p).orElse(""));
      }
    }

    @Override
    public void recovered(GovernedWorkload w) {
      if (json) {
        line("{\"event\":\"recovered\",\"pid\":" + w.pid() + ",\"job_id\":" + quote(w.jobId())
            + ",\"strategy\":" + quote(w.strategy()) + ",\"cgroup\":"
            + w.cgroupPath().map(WatchCommand::quote).orElse("null") + "}");
      } else {
        line("recovered pid " + w.pid() + " job " + Log.printable(w.jobId()) + " strategy "
            + w.strategy() + w.cgroupPath().map(p -> " cgroup " + p).orElse(""));
      }
    }

    @Override
    public void skipped(long pid, String command, String reason) {
      if (json) {
        line("{\"event\":\"skipped\",\"pid\":" + pid + ",\"command\":" + quote(command)
            + ",\"reason\":" + quote(reason) + "}");
      } else {
        line("skipped pid " + pid + " (" + Log.printable(command) + "): "
            + Log.printable(reason));
      }
    }

    @Override
    public void ended(WorkloadReport r) {
      if (json) {
        line("{\"event\":\"ended\",\"report\":" + r.toJson() + "}");
      } else {
        line("ended pid " + r.pid() + " job " + Log.printable(r.jobId()) + ": exit_reason="
            + r.exitReason().wireName() + " duration=" + RunCommand.seconds(r.durationSec())
            + "s");
      }
      Log.of(io).info(RunCommand.jobLine(r));
      io.err().flush();
    }

    /** On standard error, as an adoption's warnings: standard output keeps to the events. */
    @Override
    public void warning(String message) {
      Log.of(io).warning(message);
      io.err().flush();
    }

    private void line(String s) {
      io.out().println(s);
      io.out().flush();
    }
  }

  /** A JSON string. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
