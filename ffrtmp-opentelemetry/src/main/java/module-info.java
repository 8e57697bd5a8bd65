/**
 * OpenTelemetry metrics of ffrtmp's workloads, on the OpenTelemetry API only: {@link
 * io.ffrtmp.opentelemetry.FfrtmpTelemetry} over {@link io.ffrtmp.metrics.WorkloadMetrics}.
 */
@org.jspecify.annotations.NullMarked
module io.ffrtmp.opentelemetry {
  requires static transitive org.jspecify;
  requires transitive io.ffrtmp.core;
  requires transitive io.opentelemetry.api;

  exports io.ffrtmp.opentelemetry;
}
