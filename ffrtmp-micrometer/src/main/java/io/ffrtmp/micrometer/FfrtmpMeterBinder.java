package io.ffrtmp.micrometer;

import io.ffrtmp.Constraints;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Usage;
import io.ffrtmp.WorkloadObserver;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.metrics.WorkloadMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Publishes the workloads of this JVM to Micrometer: the original wrapper's counters ({@code
 * ffrtmp_jobs_total{state}}, {@code ffrtmp_jobs_by_mode_total}, {@code
 * ffrtmp_jobs_by_exit_total}, {@code ffrtmp_platform_sla_total}, {@code ffrtmp_platform_sla_rate}
 * as the Prometheus registry names them), active jobs, a duration histogram, CPU and throttled
 * time, OOM kills, and for each running workload its CPU, throttled time, memory and memory limit
 * under the tags {@code job_id} and {@code pid} (cAdvisor's {@code container_*} in spirit; the
 * series are removed when the workload ends, so their number is bounded by how many run at once).
 * docs/EXAMPLES.md lists every name beside cAdvisor's and OpenTelemetry's.
 *
 * <pre>{@code
 * FfrtmpMeterBinder binder = new FfrtmpMeterBinder(WorkloadMetrics.start());
 * binder.bindTo(registry);
 * }</pre>
 *
 * <p>Counters and gauges read the {@link WorkloadMetrics} when the registry asks (a scrape): a
 * start or an end costs a few atomic additions, plus registering or removing the workload's own
 * meters. {@link #perWorkload(boolean) perWorkload(false)} leaves the per-workload meters out.
 */
public final class FfrtmpMeterBinder implements MeterBinder, AutoCloseable {
  /** The duration histogram's buckets: a transcode takes seconds to hours. */
  private static final Duration[] DURATION_BUCKETS = {Duration.ofSeconds(1),
      Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(5),
      Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(4)};

  private final WorkloadMetrics metrics;
  private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
  private final Map<GovernedWorkload, List<Meter>> perWorkloadMeters = new ConcurrentHashMap<>();
  private final Map<String, GovernedWorkload> byKey = new ConcurrentHashMap<>();
  private volatile boolean perWorkload = true;
  private final WorkloadObserver.Registration subscription;

  /**
   * A binder of these counts.
   *
   * @param metrics the counts, usually {@link WorkloadMetrics#start()}
   */
  public FfrtmpMeterBinder(WorkloadMetrics metrics) {
    this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
    this.subscription = metrics.subscribe(new WorkloadObserver() {
      @Override
      public void governed(GovernedWorkload w, WorkloadReport.Mode mode, Constraints c,
          boolean recovered) {
        for (MeterRegistry r : registries) {
          addWorkload(r, w, c);
        }
      }

      @Override
      public void ended(WorkloadReport report) {
        for (MeterRegistry r : registries) {
          durationTimer(r, report.mode()).record(Duration.ofNanos(
              (long) (report.durationSec() * 1e9)));
        }
        GovernedWorkload w = byKey.remove(key(report.jobId(), report.pid()));
        if (w != null) {
          removeWorkload(w);
        }
      }
    });
  }

  /**
   * Whether each running workload has meters of its own (default true).
   *
   * @param enabled false to publish only the totals
   * @return this binder
   */
  public FfrtmpMeterBinder perWorkload(boolean enabled) {
    this.perWorkload = enabled;
    return this;
  }

  @Override
  public void bindTo(MeterRegistry r) {
    registries.add(r);
    WorkloadMetrics m = metrics;
    counter(r, "ffrtmp.jobs", "Jobs by state: started (run and attach) and completed (ended,"
        + " any reason)", Tags.of("state", "started"),
        x -> x.started(WorkloadReport.Mode.RUN) + x.started(WorkloadReport.Mode.ATTACH));
    counter(r, "ffrtmp.jobs", "Jobs by state: started (run and attach) and completed (ended,"
        + " any reason)", Tags.of("state", "completed"), WorkloadMetrics::ended);
    for (WorkloadReport.Mode mode : WorkloadReport.Mode.values()) {
      counter(r, "ffrtmp.jobs.by.mode", "Jobs started, by how they came under governance",
          Tags.of("mode", mode.wireName()), x -> x.started(mode));
    }
    for (String exit : List.of("0", "non_zero", "unknown")) {
      counter(r, "ffrtmp.jobs.by.exit", "Jobs ended, by exit status (unknown: adopted or"
          + " detached)", Tags.of("exit", exit), x -> x.endedByExit().get(exit));
    }
    for (ExitReason reason : ExitReason.values()) {
      counter(r, "ffrtmp.jobs.by.reason", "Jobs ended, by the report's exit_reason",
          Tags.of("reason", reason.name().toLowerCase(Locale.ROOT)), x -> x.ended(reason));
    }
    counter(r, "ffrtmp.jobs.recovered", "Jobs taken over from an earlier JVM", Tags.empty(),
        WorkloadMetrics::recovered);
    for (boolean compliant : new boolean[] {true, false}) {
      counter(r, "ffrtmp.platform.sla", "Jobs ended, by platform SLA compliance",
          Tags.of("compliant", Boolean.toString(compliant)), x -> x.platformSla(compliant));
    }
    Gauge.builder("ffrtmp.platform.sla.rate", m, WorkloadMetrics::platformSlaRate)
        .description("Share of ended jobs that were platform-SLA compliant (0-1)").register(r);
    Gauge.builder("ffrtmp.jobs.active", m, WorkloadMetrics::activeCount)
        .description("Jobs governed now").register(r);
    FunctionCounter.builder("ffrtmp.cpu.usage", m, WorkloadMetrics::cpuSeconds)
        .baseUnit("seconds")
        .description("CPU time (user and system) of every job, ended and running").register(r);
    FunctionCounter.builder("ffrtmp.cpu.throttled", m, WorkloadMetrics::cpuThrottledSeconds)
        .baseUnit("seconds")
        .description("Time every job was throttled by its CPU quota").register(r);
    counter(r, "ffrtmp.oom.kills", "OOM kills in ended jobs", Tags.empty(),
        WorkloadMetrics::oomKills);
    for (WorkloadReport.Mode mode : WorkloadReport.Mode.values()) {
      durationTimer(r, mode);
    }
    for (WorkloadMetrics.Active a : m.active()) {
      addWorkload(r, a.workload(), a.constraints());
    }
  }

  private void counter(MeterRegistry r, String name, String description, Tags tags,
      ToDoubleFunction<WorkloadMetrics> f) {
    FunctionCounter.builder(name, metrics, f).tags(tags).description(description).register(r);
  }

  private static Timer durationTimer(MeterRegistry r, WorkloadReport.Mode mode) {
    return Timer.builder("ffrtmp.job.duration").description("How long jobs ran, from the start"
        + " (or adoption) to the end").tag("mode", mode.wireName())
        .serviceLevelObjectives(DURATION_BUCKETS).register(r);
  }

  private static String key(String jobId, long pid) {
    return jobId + '\0' + pid;
  }

  private void addWorkload(MeterRegistry r, GovernedWorkload w, Constraints c) {
    if (!perWorkload) {
      return;
    }
    byKey.put(key(w.jobId(), w.pid()), w);
    Tags tags = Tags.of("job_id", w.jobId(), "pid", Long.toString(w.pid()));
    List<Meter> meters = perWorkloadMeters.computeIfAbsent(w, k -> new CopyOnWriteArrayList<>());
    meters.add(FunctionCounter.builder("ffrtmp.workload.cpu.usage", w,
            x -> value(usage(x), Usage::cpuSec))
        .tags(tags).baseUnit("seconds")
        .description("CPU time (user and system) of a running job").register(r));
    meters.add(FunctionCounter.builder("ffrtmp.workload.cpu.throttled", w,
            x -> value(usage(x), Usage::cpuThrottledSec))
        .tags(tags).baseUnit("seconds")
        .description("Time a running job was throttled by its CPU quota").register(r));
    meters.add(Gauge.builder("ffrtmp.workload.memory.usage", w,
            x -> value(usage(x), Usage::memoryCurrentBytes))
        .tags(tags).baseUnit(BaseUnits.BYTES)
        .description("Memory a running job uses now (its cgroup's)").register(r));
    meters.add(FunctionCounter.builder("ffrtmp.workload.oom.kills", w,
            x -> value(usage(x), Usage::oomKills))
        .tags(tags).description("OOM kills in a running job's cgroup").register(r));
    Long limit = WorkloadMetrics.memoryLimitBytes(w, c);
    if (limit != null) {
      meters.add(Gauge.builder("ffrtmp.workload.memory.limit", w, x -> limit)
          .tags(tags).baseUnit(BaseUnits.BYTES)
          .description("A running job's memory limit, where one is in force").register(r));
    }
  }

  private void removeWorkload(GovernedWorkload w) {
    List<Meter> meters = perWorkloadMeters.remove(w);
    if (meters == null) {
      return;
    }
    for (MeterRegistry r : registries) {
      for (Meter meter : meters) {
        r.remove(meter);
      }
    }
  }

  private Usage usage(GovernedWorkload w) {
    return metrics.active(w).map(WorkloadMetrics.Active::usage).orElse(Usage.UNKNOWN);
  }

  private static <T extends @Nullable Object> double value(Usage u,
      java.util.function.Function<Usage, @Nullable T> f) {
    T v = f.apply(u);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** Stops publishing new workloads' meters and removes the running ones'. */
  @Override
  public void close() {
    subscription.close();
    new ArrayList<>(perWorkloadMeters.keySet()).forEach(this::removeWorkload);
  }
}
