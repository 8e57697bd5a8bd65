/**
 * Micrometer metrics of ffrtmp's workloads: {@link io.ffrtmp.micrometer.FfrtmpMeterBinder}, a
 * {@code MeterBinder} over {@link io.ffrtmp.metrics.WorkloadMetrics}.
 */
@org.jspecify.annotations.NullMarked
module io.ffrtmp.micrometer {
  requires static transitive org.jspecify;
  requires transitive io.ffrtmp.core;
  requires transitive micrometer.core;

  exports io.ffrtmp.micrometer;
}
