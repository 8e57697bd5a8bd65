package io.ffrtmp.opentelemetrytest;

import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.metrics.WorkloadMetrics;
import io.ffrtmp.opentelemetry.FfrtmpTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;

/**
 * The OpenTelemetry module as a modular application uses it (started by {@code
 * ModulePathTest} with the library on the module path): one workload counted and collected.
 */
public final class ModulePathMain {
  private ModulePathMain() {}

  /**
   * Entry point.
   *
   * @param args none
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    try (SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader)
            .build();
        WorkloadMetrics metrics = WorkloadMetrics.start();
        FfrtmpTelemetry telemetry = FfrtmpTelemetry.register(OpenTelemetrySdk.builder()
            .setMeterProvider(provider).build(), metrics)) {
      WorkloadReport r = Workload.run("true").withJobId("module-path").withMemoryLimitMb(64)
          .start().awaitReport();
      System.out.println("MODULES " + FfrtmpTelemetry.class.getModule().getName() + " "
          + Workload.class.getModule().getName());
      System.out.println("STRATEGY " + r.strategy());
      Attributes completed = Attributes.of(AttributeKey.stringKey("state"), "completed");
      for (MetricData d : reader.collectAllMetrics()) {
        if (d.getName().equals("ffrtmp.jobs")) {
          for (LongPointData p : d.getLongSumData().getPoints()) {
            if (p.getAttributes().equals(completed)) {
              System.out.println("COMPLETED " + p.getValue());
            }
          }
        }
      }
    }
  }
}
