package io.ffrtmp.cli;

import io.ffrtmp.ExitReason;
import io.ffrtmp.Usage;
import io.ffrtmp.WorkloadObserver;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.metrics.WorkloadMetrics;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * {@code --metrics-listen}: the workloads of this JVM ({@link WorkloadMetrics}) in Prometheus
 * text format at {@code http://ADDR/metrics}, through the Prometheus Java client — the same names
 * as {@code ffrtmp-micrometer} with the Prometheus registry (the original wrapper's counters,
 * active jobs, the duration histogram, and each running workload's CPU, throttled time, memory
 * and limit under {@code job_id} and {@code pid}). Serves loopback addresses only: job ids and
 * usage are not for the network (a reverse proxy or an agent on the host exports further).
 */
public final class PrometheusEndpoint implements AutoCloseable {
  private static final double[] DURATION_BUCKETS = {1, 10, 60, 300, 900, 3600, 14400};

  private final HTTPServer server;
  private final WorkloadObserver.Registration subscription;

  private PrometheusEndpoint(HTTPServer server, WorkloadObserver.Registration subscription) {
    this.server = server;
    this.subscription = subscription;
  }

  /**
   * Parses {@code HOST:PORT} ({@code [::1]:PORT} for IPv6) into a loopback address.
   *
   * @param value the option's value
   * @return the address
   * @throws IllegalArgumentException naming what is wrong
   */
  public static InetSocketAddress address(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT, e.g. 127.0.0.1:9464");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the port is not a number", e);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("the port must be 0 to 65535 (0: any free one)");
    }
    InetAddress a;
    try {
      a = InetAddress.getByName(host);
    } catch (IOException e) {
      throw new IllegalArgumentException("unknown host " + host, e);
    }
    if (!a.isLoopbackAddress()) {
      throw new IllegalArgumentException("must be a loopback address (127.0.0.1, [::1],"
          + " localhost): job ids and usage are not served to the network; export further"
          + " from the host (a reverse proxy, an agent)");
    }
    return new InetSocketAddress(a, port);
  }

  /**
   * Serves the counts.
   *
   * @param m the counts
   * @param at a loopback address ({@link #address}); port 0 takes a free one
   * @return the running endpoint
   * @throws IOException when the address cannot be bound
   */
  public static PrometheusEndpoint serve(WorkloadMetrics m, InetSocketAddress at)
      throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(() -> snapshots(m));
    Histogram duration = Histogram.builder().name("ffrtmp_job_duration_seconds")
        .help("How long jobs ran, from the start (or adoption) to the end").unit(Unit.SECONDS)
        .labelNames("mode").classicOnly().classicUpperBounds(DURATION_BUCKETS)
        .register(registry);
    for (WorkloadReport.Mode mode : WorkloadReport.Mode.values()) {
      duration.labelValues(mode.wireName()); // present from the first scrape, at zero
    }
    WorkloadObserver.Registration sub = m.subscribe(new WorkloadObserver() {
      @Override
      public void ended(WorkloadReport r) {
        duration.labelValues(r.mode().wireName()).observe(r.durationSec());
      }
    });
    try {
      return new PrometheusEndpoint(start(registry, at), sub);
    } catch (IOException | RuntimeException e) {
      sub.close();
      throw e;
    }
  }

  /**
   * The port it listens on.
   *
   * @return the port (the one taken, for port 0)
   */
  public int port() {
    return server.getPort();
  }

  private static MetricSnapshots snapshots(WorkloadMetrics m) {
    List<MetricSnapshot> out = new ArrayList<>();
    out.add(counter("ffrtmp_jobs", "Jobs by state: started (run and attach) and completed"
        + " (ended, any reason)", null, Map.of(
            Labels.of("state", "started"), (double) (m.started(WorkloadReport.Mode.RUN)
                + m.started(WorkloadReport.Mode.ATTACH)),
            Labels.of("state", "completed"), (double) m.ended())));
    Map<Labels, Double> byMode = new java.util.LinkedHashMap<>();
    for (WorkloadReport.Mode mode : WorkloadReport.Mode.values()) {
      byMode.put(Labels.of("mode", mode.wireName()), (double) m.started(mode));
    }
    out.add(counter("ffrtmp_jobs_by_mode", "Jobs started, by how they came under governance",
        null, byMode));
    Map<Labels, Double> byExit = new java.util.LinkedHashMap<>();
    m.endedByExit().forEach((exit, n) -> byExit.put(Labels.of("exit", exit), (double) n));
    out.add(counter("ffrtmp_jobs_by_exit", "Jobs ended, by exit status (unknown: adopted or"
        + " detached)", null, byExit));
    Map<Labels, Double> byReason = new java.util.LinkedHashMap<>();
    for (ExitReason reason : ExitReason.values()) {
      byReason.put(Labels.of("reason", reason.name().toLowerCase(Locale.ROOT)),
          (double) m.ended(reason));
    }
    out.add(counter("ffrtmp_jobs_by_reason", "Jobs ended, by the report's exit_reason", null,
        byReason));
    out.add(counter("ffrtmp_jobs_recovered", "Jobs taken over from an earlier JVM", null,
        Map.of(Labels.EMPTY, (double) m.recovered())));
    out.add(counter("ffrtmp_platform_sla", "Jobs ended, by platform SLA compliance", null,
        Map.of(Labels.of("compliant", "true"), (double) m.platformSla(true),
            Labels.of("compliant", "false"), (double) m.platformSla(false))));
    double rate = m.platformSlaRate();
    if (!Double.isNaN(rate)) {
      out.add(gauge("ffrtmp_platform_sla_rate", "Share of ended jobs that were platform-SLA"
          + " compliant (0-1)", null, Map.of(Labels.EMPTY, rate)));
    }
    out.add(gauge("ffrtmp_jobs_active", "Jobs governed now", null,
        Map.of(Labels.EMPTY, (double) m.activeCount())));
    out.add(counter("ffrtmp_cpu_usage_seconds", "CPU time (user and system) of every job,"
        + " ended and running", Unit.SECONDS, Map.of(Labels.EMPTY, m.cpuSeconds())));
    out.add(counter("ffrtmp_cpu_throttled_seconds", "Time every job was throttled by its CPU"
        + " quota", Unit.SECONDS, Map.of(Labels.EMPTY, m.cpuThrottledSeconds())));
    out.add(counter("ffrtmp_oom_kills", "OOM kills in ended jobs", null,
        Map.of(Labels.EMPTY, (double) m.oomKills())));
    List<Running> running = new ArrayList<>();
    for (WorkloadMetrics.Active a : m.active()) {
      running.add(new Running(a.workload().jobId(), a.workload().pid(), a.usage(),
          a.memoryLimitBytes()));
    }
    perWorkload(running, out);
    return new MetricSnapshots(out);
  }

  /** A running workload's series: its job id, pid, usage now and memory limit in force. */
  record Running(String jobId, long pid, Usage usage, @Nullable Long memoryLimitBytes) {}

  /** Each running workload's series, labelled job_id and pid. */
  private static void perWorkload(List<Running> running, List<MetricSnapshot> out) {
    out.add(counter("ffrtmp_workload_cpu_usage_seconds", "CPU time (user and system) of a"
        + " running job", Unit.SECONDS, each(running, r -> r.usage().cpuSec())));
    out.add(counter("ffrtmp_workload_cpu_throttled_seconds", "Time a running job was"
        + " throttled by its CPU quota", Unit.SECONDS,
        each(running, r -> r.usage().cpuThrottledSec())));
    out.add(gauge("ffrtmp_workload_memory_usage_bytes", "Memory a running job uses now (its"
        + " cgroup's)", Unit.BYTES, each(running, r -> number(r.usage().memoryCurrentBytes()))));
    out.add(gauge("ffrtmp_workload_memory_limit_bytes", "A running job's memory limit, where"
        + " one is in force", Unit.BYTES, each(running, r -> number(r.memoryLimitBytes()))));
    out.add(counter("ffrtmp_workload_oom_kills", "OOM kills in a running job's cgroup", null,
        each(running, r -> number(r.usage().oomKills()))));
  }

  /**
   * Serves the running workloads of this host and user that a set of records names, whoever
   * governs them ({@code ffrtmp metrics}): how many run, and each one's series, read at every
   * scrape.
   *
   * @param records the records ({@code Workload.recovery()} or an agent's)
   * @param at a loopback address ({@link #address}); port 0 takes a free one
   * @return the running endpoint
   * @throws IOException when the address cannot be bound
   */
  public static PrometheusEndpoint serveRecords(io.ffrtmp.Recovery records, InetSocketAddress at)
      throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(() -> {
      List<MetricSnapshot> out = new ArrayList<>();
      List<Running> running = new ArrayList<>();
      for (io.ffrtmp.WorkloadUsage w : records.usage(null)) {
        running.add(new Running(w.jobId(), w.pid(), w.usage(), null));
      }
      out.add(gauge("ffrtmp_jobs_active", "Jobs governed now", null,
          Map.of(Labels.EMPTY, (double) running.size())));
      perWorkload(running, out);
      return new MetricSnapshots(out);
    });
    return new PrometheusEndpoint(start(registry, at), () -> { });
  }

  private static HTTPServer start(PrometheusRegistry registry, InetSocketAddress at)
      throws IOException {
    // the JDK's HTTP server writes a response in pieces; with Nagle's algorithm on, a client
    // that keeps its connection (Prometheus does) waits for its own delayed ACK: 40 ms a scrape
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    return HTTPServer.builder().inetAddress(at.getAddress()).port(at.getPort())
        .registry(registry).buildAndStart();
  }

  private static @Nullable Double number(@Nullable Long v) {
    return v == null ? null : v.doubleValue();
  }

  /** One point per running workload that has the value, labelled job_id and pid. */
  private static Map<Labels, Double> each(List<Running> running,
      Function<Running, @Nullable Double> value) {
    Map<Labels, Double> out = new java.util.LinkedHashMap<>();
    for (Running r : running) {
      Double v = value.apply(r);
      if (v != null) {
        out.put(Labels.of("job_id", r.jobId(), "pid", Long.toString(r.pid())), v);
      }
    }
    return out;
  }

  private static MetricSnapshot counter(String name, String help, @Nullable Unit unit,
      Map<Labels, Double> points) {
    CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
    if (unit != null) {
      b.unit(unit);
    }
    points.forEach((labels, v) -> b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
        .labels(labels).value(v).build()));
    return b.build();
  }

  private static MetricSnapshot gauge(String name, String help, @Nullable Unit unit,
      Map<Labels, Double> points) {
    GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
    if (unit != null) {
      b.unit(unit);
    }
    points.forEach((labels, v) -> b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
        .labels(labels).value(v).build()));
    return b.build();
  }

  /** Stops serving. */
  @Override
  public void close() {
    subscription.close();
    server.close();
  }
}
