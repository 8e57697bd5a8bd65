package io.ffrtmp.opentelemetry;

import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Usage;
import io.ffrtmp.WorkloadObserver;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.metrics.WorkloadMetrics;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Publishes the workloads of this JVM through the OpenTelemetry API (the application brings the
 * SDK and its exporter): the same totals as {@code ffrtmp-micrometer} under the same names
 * ({@code ffrtmp.jobs} with {@code state}, {@code ffrtmp.jobs.by.mode}, …), a duration histogram
 * {@code ffrtmp.job.duration} in seconds, and for each running workload its CPU time by {@code
 * cpu.mode} (as the semantic conventions' {@code process.cpu.time}), throttled time, memory in use
 * and memory limit, with the attributes {@code ffrtmp.job_id} and {@code process.pid} (their
 * points end with the workload, so their number is bounded by how many run at once).
 * docs/EXAMPLES.md lists every name.
 *
 * <pre>{@code
 * FfrtmpTelemetry telemetry = FfrtmpTelemetry.register(openTelemetry, WorkloadMetrics.start());
 * }</pre>
 *
 * <p>Everything but the histogram is observed when the SDK collects (its callbacks read the
 * {@link WorkloadMetrics}); the histogram records each report as it is delivered.
 */
public final class FfrtmpTelemetry implements AutoCloseable {
  /** The instrumentation scope's name. */
  public static final String SCOPE = "io.ffrtmp";

  private static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
  private static final AttributeKey<String> MODE = AttributeKey.stringKey("mode");
  private static final AttributeKey<String> EXIT = AttributeKey.stringKey("exit");
  private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  private static final AttributeKey<String> COMPLIANT = AttributeKey.stringKey("compliant");
  private static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("ffrtmp.job_id");
  private static final AttributeKey<Long> PID = AttributeKey.longKey("process.pid");
  private static final AttributeKey<String> CPU_MODE = AttributeKey.stringKey("cpu.mode");
  private static final List<Double> DURATION_BUCKETS = List.of(1.0, 10.0, 60.0, 300.0, 900.0,
      3600.0, 14400.0);

  private final List<AutoCloseable> instruments = new ArrayList<>();
  private final WorkloadObserver.Registration subscription;

  private FfrtmpTelemetry(Meter meter, WorkloadMetrics m) {
    instruments.add(meter.counterBuilder("ffrtmp.jobs").setUnit("{job}")
        .setDescription("Jobs by state: started (run and attach) and completed (ended, any"
            + " reason)")
        .buildWithCallback(o -> {
          o.record(m.started(WorkloadReport.Mode.RUN) + m.started(WorkloadReport.Mode.ATTACH),
              Attributes.of(STATE, "started"));
          o.record(m.ended(), Attributes.of(STATE, "completed"));
        }));
    instruments.add(meter.counterBuilder("ffrtmp.jobs.by.mode").setUnit("{job}")
        .setDescription("Jobs started, by how they came under governance")
        .buildWithCallback(o -> {
          for (WorkloadReport.Mode mode : WorkloadReport.Mode.values()) {
            o.record(m.started(mode), Attributes.of(MODE, mode.wireName()));
          }
        }));
    instruments.add(meter.counterBuilder("ffrtmp.jobs.by.exit").setUnit("{job}")
        .setDescription("Jobs ended, by exit status (unknown: adopted or detached)")
        .buildWithCallback(o -> m.endedByExit().forEach((exit, n) -> o.record(n,
            Attributes.of(EXIT, exit)))));
    instruments.add(meter.counterBuilder("ffrtmp.jobs.by.reason").setUnit("{job}")
        .setDescription("Jobs ended, by the report's exit_reason")
        .buildWithCallback(o -> {
          for (ExitReason reason : ExitReason.values()) {
            o.record(m.ended(reason), Attributes.of(REASON,
                reason.name().toLowerCase(Locale.ROOT)));
          }
        }));
    instruments.add(meter.counterBuilder("ffrtmp.jobs.recovered").setUnit("{job}")
        .setDescription("Jobs taken over from an earlier JVM")
        .buildWithCallback(o -> o.record(m.recovered())));
    instruments.add(meter.counterBuilder("ffrtmp.platform.sla").setUnit("{job}")
        .setDescription("Jobs ended, by platform SLA compliance")
        .buildWithCallback(o -> {
          o.record(m.platformSla(true), Attributes.of(COMPLIANT, "true"));
          o.record(m.platformSla(false), Attributes.of(COMPLIANT, "false"));
        }));
    instruments.add(meter.gaugeBuilder("ffrtmp.platform.sla.rate").setUnit("1")
        .setDescription("Share of ended jobs that were platform-SLA compliant (0-1)")
        .buildWithCallback(o -> {
          double rate = m.platformSlaRate();
          if (!Double.isNaN(rate)) {
            o.record(rate);
          }
        }));
    instruments.add(meter.upDownCounterBuilder("ffrtmp.jobs.active").setUnit("{job}")
        .setDescription("Jobs governed now").buildWithCallback(o -> o.record(m.activeCount())));
    instruments.add(meter.counterBuilder("ffrtmp.cpu.usage").ofDoubles().setUnit("s")
        .setDescription("CPU time (user and system) of every job, ended and running")
        .buildWithCallback(o -> o.record(m.cpuSeconds())));
    instruments.add(meter.counterBuilder("ffrtmp.cpu.throttled").ofDoubles().setUnit("s")
        .setDescription("Time every job was throttled by its CPU quota")
        .buildWithCallback(o -> o.record(m.cpuThrottledSeconds())));
    instruments.add(meter.counterBuilder("ffrtmp.oom.kills").setUnit("{kill}")
        .setDescription("OOM kills in ended jobs").buildWithCallback(o -> o.record(m.oomKills())));
    // each running workload's own points
    instruments.add(meter.counterBuilder("ffrtmp.workload.cpu.time").ofDoubles().setUnit("s")
        .setDescription("CPU time of a running job, by cpu.mode (user, system)")
        .buildWithCallback(o -> {
          for (WorkloadMetrics.Active a : m.active()) {
            Attributes id = id(a.workload());
            record(a.usage().cpuUserSec(), v -> o.record(v, id.toBuilder().put(CPU_MODE, "user")
                .build()));
            record(a.usage().cpuSystemSec(), v -> o.record(v, id.toBuilder()
                .put(CPU_MODE, "system").build()));
          }
        }));
    instruments.add(meter.counterBuilder("ffrtmp.workload.cpu.throttled").ofDoubles()
        .setUnit("s").setDescription("Time a running job was throttled by its CPU quota")
        .buildWithCallback(o -> perWorkload(m, Usage::cpuThrottledSec,
            (v, id) -> o.record(v.doubleValue(), id))));
    instruments.add(meter.upDownCounterBuilder("ffrtmp.workload.memory.usage").setUnit("By")
        .setDescription("Memory a running job uses now (its cgroup's)")
        .buildWithCallback(o -> perWorkload(m, Usage::memoryCurrentBytes,
            (v, id) -> o.record(v.longValue(), id))));
    instruments.add(meter.upDownCounterBuilder("ffrtmp.workload.memory.limit").setUnit("By")
        .setDescription("A running job's memory limit, where one is in force")
        .buildWithCallback(o -> {
          for (WorkloadMetrics.Active a : m.active()) {
            Long limit = a.memoryLimitBytes();
            if (limit != null) {
              o.record(limit, id(a.workload()));
            }
          }
        }));
    instruments.add(meter.counterBuilder("ffrtmp.workload.oom.kills").setUnit("{kill}")
        .setDescription("OOM kills in a running job's cgroup")
        .buildWithCallback(o -> perWorkload(m, Usage::oomKills,
            (v, id) -> o.record(v.longValue(), id))));
    DoubleHistogram duration = meter.histogramBuilder("ffrtmp.job.duration").setUnit("s")
        .setDescription("How long jobs ran, from the start (or adoption) to the end")
        .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
    subscription = m.subscribe(new WorkloadObserver() {
      @Override
      public void ended(WorkloadReport r) {
        duration.record(r.durationSec(), Attributes.of(MODE, r.mode().wireName()));
      }
    });
  }

  /**
   * Registers the instruments with an OpenTelemetry instance's meter provider (scope {@value
   * #SCOPE}).
   *
   * @param openTelemetry the application's OpenTelemetry (its SDK and exporters)
   * @param metrics the counts, usually {@link WorkloadMetrics#start()}
   * @return the registration; {@code close()} removes the instruments' callbacks
   */
  public static FfrtmpTelemetry register(OpenTelemetry openTelemetry, WorkloadMetrics metrics) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    Objects.requireNonNull(metrics, "metrics");
    return new FfrtmpTelemetry(openTelemetry.getMeter(SCOPE), metrics);
  }

  private static Attributes id(GovernedWorkload w) {
    return Attributes.of(JOB_ID, w.jobId(), PID, w.pid());
  }

  private interface Sink {
    void accept(Number value, Attributes id);
  }

  private static void perWorkload(WorkloadMetrics m,
      Function<Usage, @Nullable Number> field, Sink sink) {
    for (WorkloadMetrics.Active a : m.active()) {
      Number v = field.apply(a.usage());
      if (v != null) {
        sink.accept(v, id(a.workload()));
      }
    }
  }

  private static void record(@Nullable Double v, java.util.function.DoubleConsumer sink) {
    if (v != null) {
      sink.accept(v);
    }
  }

  /** Removes the instruments' callbacks and stops recording durations. */
  @Override
  public void close() {
    subscription.close();
    for (AutoCloseable c : instruments) {
      try {
        c.close();
      } catch (Exception e) {
        // an observable instrument's close does not throw
      }
    }
  }
}
