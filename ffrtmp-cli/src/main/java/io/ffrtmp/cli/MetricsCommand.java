package io.ffrtmp.cli;

import io.ffrtmp.Recovery;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ffrtmp metrics --listen HOST:PORT [--agent NAME]}: the running workloads of this host
 * and user, whoever governs them (the records {@code ffrtmp stats} reads), in Prometheus text
 * format until stopped — an exporter for agents that embed the library without metrics of their
 * own.
 */
final class MetricsCommand implements Command {
  static final Cli.Spec SPEC = new Cli.Spec("metrics",
      "Serve the running workloads' usage to Prometheus.",
      List.of("Serve, until SIGINT or SIGTERM, the running workloads of this host and user"
          + " (see 'ffrtmp list'), whichever wrapper or agent governs them, in Prometheus text"
          + " format at http://HOST:PORT/metrics: how many run (ffrtmp_jobs_active) and each"
          + " one's CPU and throttled seconds, memory and OOM kills (ffrtmp_workload_*, labelled"
          + " job_id and pid), read at every scrape. The job counters (ffrtmp_jobs_total, ...)"
          + " are an agent's own: 'ffrtmp watch --metrics-listen', or the library's"
          + " WorkloadMetrics in the agent."),
      List.of(Cli.Option.value("--listen", "HOST:PORT", null, "Where to serve, a loopback"
              + " address only (e.g. 127.0.0.1:9465; port 0: any free one, printed)."),
          RunCommand.AGENT),
      null, "",
      List.of("", "Example:", "  ffrtmp metrics --listen 127.0.0.1:9465", "",
          "Exit status: 0 when stopped; 2 for a usage error; 1 when the address cannot be"
              + " served."));

  @Override
  public Cli.Spec spec() {
    return SPEC;
  }

  @Override
  public int call(Cli.Parsed args, Io io) throws Exception {
    Log log = Log.of(io);
    if (!args.has("--listen")) {
      throw Cli.usage(SPEC, "Missing required option: '--listen=HOST:PORT'");
    }
    String v = String.valueOf(args.get("--listen"));
    InetSocketAddress at;
    try {
      at = PrometheusEndpoint.address(v);
    } catch (IllegalArgumentException e) {
      throw Cli.usage(SPEC, "Invalid value for --listen: '" + v + "': " + e.getMessage());
    }
    Recovery records = RunCommand.records(args, SPEC);
    CountDownLatch stop = new CountDownLatch(1);
    for (String s : List.of("INT", "TERM")) {
      WatchCommand.handle(s, sig -> stop.countDown(), log);
    }
    try (PrometheusEndpoint endpoint = PrometheusEndpoint.serveRecords(records, at)) {
      log.info("serving Prometheus metrics of the running workloads at http://"
          + WatchCommand.hostPort(at, endpoint.port()) + "/metrics");
      io.err().flush();
      stop.await();
    } catch (IOException e) {
      log.error("cannot serve metrics at " + v + ": " + e);
      return 1;
    }
    log.info("stopped serving metrics");
    io.err().flush();
    return 0;
  }
}
