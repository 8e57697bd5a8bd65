package io.ffrtmp.micrometertest;

import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.metrics.WorkloadMetrics;
import io.ffrtmp.micrometer.FfrtmpMeterBinder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The Micrometer module as a modular application uses it (started by {@code ModulePathTest}
 * with the library on the module path): one workload counted and published.
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
    MeterRegistry registry = new SimpleMeterRegistry();
    try (WorkloadMetrics metrics = WorkloadMetrics.start();
        FfrtmpMeterBinder binder = new FfrtmpMeterBinder(metrics)) {
      binder.bindTo(registry);
      WorkloadReport r = Workload.run("true").withJobId("module-path").withMemoryLimitMb(64)
          .start().awaitReport();
      System.out.println("MODULES " + FfrtmpMeterBinder.class.getModule().getName() + " "
          + Workload.class.getModule().getName());
      System.out.println("STRATEGY " + r.strategy());
      System.out.println("COMPLETED " + registry.get("ffrtmp.jobs").tag("state", "completed")
          .functionCounter().count());
    }
  }
}
