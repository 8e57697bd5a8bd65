package io.ffrtmp.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.metrics.WorkloadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The binder's meters as Micrometer's Prometheus registry writes them: the names docs/EXAMPLES.md
 * lists, which the CLI's endpoint (CliWatchIT) serves too — one dashboard for both.
 */
class PrometheusNamesTest {
  /** The metric families of a scrape: each sample's name without labels. */
  private static Set<String> families(String scrape) {
    Set<String> out = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
        out.add(line.substring(0, end));
      }
    }
    return out;
  }

  @Test
  void theNamesAreTheDocumentedOnes() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (WorkloadMetrics metrics = WorkloadMetrics.start(Duration.ZERO);
        FfrtmpMeterBinder binder = new FfrtmpMeterBinder(metrics)) {
      binder.bindTo(registry);
      Workload.run("true").withJobId("pn-done").start().awaitReport(Duration.ofSeconds(60));
      GovernedWorkload running = Workload.run("sleep", "30").withJobId("pn-running").start();
      try {
        Set<String> names = families(registry.scrape());
        for (String expected : List.of("ffrtmp_jobs_total", "ffrtmp_jobs_by_mode_total",
            "ffrtmp_jobs_by_exit_total", "ffrtmp_jobs_by_reason_total",
            "ffrtmp_jobs_recovered_total", "ffrtmp_platform_sla_total",
            "ffrtmp_platform_sla_rate", "ffrtmp_jobs_active", "ffrtmp_job_duration_seconds_bucket",
            "ffrtmp_job_duration_seconds_count", "ffrtmp_job_duration_seconds_sum",
            "ffrtmp_cpu_usage_seconds_total", "ffrtmp_cpu_throttled_seconds_total",
            "ffrtmp_oom_kills_total", "ffrtmp_workload_cpu_usage_seconds_total",
            "ffrtmp_workload_cpu_throttled_seconds_total", "ffrtmp_workload_memory_usage_bytes",
            "ffrtmp_workload_oom_kills_total")) {
          assertTrue(names.contains(expected), expected + " not in " + names);
        }
        assertTrue(registry.scrape().contains("ffrtmp_jobs_total{state=\"completed\"} 1.0"),
            registry.scrape());
      } finally {
        running.terminate(Duration.ZERO);
        running.awaitReport(Duration.ofSeconds(60));
      }
      assertEquals(0, registry.scrape().lines()
          .filter(l -> l.contains("job_id=\"pn-running\"")).count(), "its series ended with it");
    }
  }
}
