package io.ffrtmp.opentelemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.metrics.WorkloadMetrics;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Real workloads (with the cgroup backends) published through the OpenTelemetry API to the SDK's
 * in-memory reader: what an exporter would get.
 */
class FfrtmpTelemetryTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static MetricData metric(Collection<MetricData> all, String name) {
    return all.stream().filter(d -> d.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in " + all.stream()
            .map(MetricData::getName).toList()));
  }

  /**
   * The value of a sum's or gauge's point with these attributes; NaN where there is none (a
   * metric without points is not collected at all).
   */
  private static double value(Collection<MetricData> all, String name, Attributes attributes) {
    Collection<? extends PointData> points = all.stream().filter(d -> d.getName().equals(name))
        .findFirst().map(d -> d.getData().getPoints()).orElse(List.of());
    for (PointData p : points) {
      if (p.getAttributes().equals(attributes)) {
        if (p instanceof io.opentelemetry.sdk.metrics.data.LongPointData l) {
          return l.getValue();
        }
        return ((io.opentelemetry.sdk.metrics.data.DoublePointData) p).getValue();
      }
    }
    return Double.NaN;
  }

  private static Attributes a(String key, String value) {
    return Attributes.of(AttributeKey.stringKey(key), value);
  }

  @Test
  void totalsHistogramAndEachRunningWorkloadsPoints() throws Exception {
    boolean root = Files.readString(Path.of("/proc/self/status")).lines()
        .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1]
        .equals("0");
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    try (SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader)
            .build();
        WorkloadMetrics metrics = WorkloadMetrics.start(Duration.ZERO);
        FfrtmpTelemetry telemetry = FfrtmpTelemetry.register(OpenTelemetrySdk.builder()
            .setMeterProvider(provider).build(), metrics)) {
      Workload.run("true").withJobId("ot-ok").start().awaitReport(WAIT);
      Workload.run("sh", "-c", "exit 3").withJobId("ot-three").start().awaitReport(WAIT);
      GovernedWorkload spin = Workload.run("sh", "-c", "while :; do :; done")
          .withJobId("ot-spin").withMemoryLimitMb(64).start();
      Attributes id = Attributes.of(AttributeKey.stringKey("ffrtmp.job_id"), "ot-spin",
          AttributeKey.longKey("process.pid"), spin.pid());
      WorkloadReport spun;
      try {
        Thread.sleep(500);
        Collection<MetricData> now = reader.collectAllMetrics();
        assertEquals(1.0, value(now, "ffrtmp.jobs.active", Attributes.empty()));
        double user = value(now, "ffrtmp.workload.cpu.time", id.toBuilder()
            .put(AttributeKey.stringKey("cpu.mode"), "user").build());
        assertTrue(user > 0.05, "its user CPU time: " + user);
        boolean applied = spin.enforcement().stream().anyMatch(e -> e.constraint()
            == io.ffrtmp.Constraint.MEMORY_LIMIT_MB && e.status() == EnforcementStatus.APPLIED);
        assertEquals(root, applied, "as root the memory limit is applied");
        double limit = value(now, "ffrtmp.workload.memory.limit", id);
        if (applied) {
          assertEquals(64.0 * 1024 * 1024, limit);
          double used = value(now, "ffrtmp.workload.memory.usage", id);
          assertTrue(used > 0 && used < limit, "memory in use: " + used);
        } else {
          assertTrue(Double.isNaN(limit), "no point for a limit not in force: " + limit);
        }
      } finally {
        spin.terminate(Duration.ZERO);
        spun = spin.awaitReport(WAIT);
      }
      Collection<MetricData> after = reader.collectAllMetrics();
      assertTrue(Double.isNaN(value(after, "ffrtmp.workload.cpu.time", id.toBuilder()
          .put(AttributeKey.stringKey("cpu.mode"), "user").build())), "its points end with it");
      assertEquals(0.0, value(after, "ffrtmp.jobs.active", Attributes.empty()));
      assertEquals(3.0, value(after, "ffrtmp.jobs", a("state", "started")));
      assertEquals(3.0, value(after, "ffrtmp.jobs", a("state", "completed")));
      assertEquals(3.0, value(after, "ffrtmp.jobs.by.mode", a("mode", "run")));
      assertEquals(1.0, value(after, "ffrtmp.jobs.by.exit", a("exit", "0")));
      assertEquals(1.0, value(after, "ffrtmp.jobs.by.reason", a("reason", "success")));
      assertEquals(1.0, value(after, "ffrtmp.jobs.by.reason", a("reason",
          spun.exitReason().name().toLowerCase(Locale.ROOT))));
      assertEquals(3.0, value(after, "ffrtmp.platform.sla", a("compliant", "true"))
          + value(after, "ffrtmp.platform.sla", a("compliant", "false")));
      assertTrue(value(after, "ffrtmp.cpu.usage", Attributes.empty()) > 0.05);
      List<HistogramPointData> durations = List.copyOf(metric(after, "ffrtmp.job.duration")
          .getHistogramData().getPoints());
      assertEquals(1, durations.size());
      assertEquals(a("mode", "run"), durations.get(0).getAttributes());
      assertEquals(3, durations.get(0).getCount());
      assertEquals(List.of(1.0, 10.0, 60.0, 300.0, 900.0, 3600.0, 14400.0),
          durations.get(0).getBoundaries());
      assertEquals("s", metric(after, "ffrtmp.job.duration").getUnit());
      assertEquals(FfrtmpTelemetry.SCOPE, metric(after, "ffrtmp.jobs")
          .getInstrumentationScopeInfo().getName());
    }
  }
}
