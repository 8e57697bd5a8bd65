package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scrape test's reader of the text format refuses what is not the format. */
class PrometheusFormatTest {
  private static final String GOOD = String.join("\n",
      "# HELP ffrtmp_jobs_total Jobs by state",
      "# TYPE ffrtmp_jobs_total counter",
      "ffrtmp_jobs_total{state=\"started\"} 3.0",
      "# TYPE ffrtmp_job_duration_seconds histogram",
      "ffrtmp_job_duration_seconds_bucket{mode=\"run\",le=\"+Inf\"} 2",
      "ffrtmp_job_duration_seconds_count{mode=\"run\"} 2",
      "# TYPE ffrtmp_workload_memory_usage_bytes gauge",
      "ffrtmp_workload_memory_usage_bytes{job_id=\"a \\\"b\\\"\\\\c\",pid=\"7\"} 6.7108864E7",
      "ffrtmp_workload_memory_usage_bytes{job_id=\"x\",pid=\"8\"} NaN 1712345678000",
      "");

  @Test
  void readsTheFormat() {
    Map<String, Double> s = Prometheus.parse(GOOD);
    assertEquals(3.0, s.get("ffrtmp_jobs_total{state=\"started\"}"));
    assertEquals(2.0, s.get("ffrtmp_job_duration_seconds_count{mode=\"run\"}"));
    assertEquals(67108864.0, s.get(
        "ffrtmp_workload_memory_usage_bytes{job_id=\"a \\\"b\\\"\\\\c\",pid=\"7\"}"));
    assertTrue(s.get("ffrtmp_workload_memory_usage_bytes{job_id=\"x\",pid=\"8\"}").isNaN());
  }

  @Test
  void refusesWhatIsNot() {
    for (String bad : new String[] {
        "ffrtmp_jobs_total 1", // no TYPE before it
        "# TYPE a counter\na_total{state=started} 1", // label value unquoted
        "# TYPE a counter\na_total 1,5", // not a number
        "# TYPE a counter\na_total{x=\"1\"}1", // no space before the value
        "# TYPE a counter\n# TYPE a gauge", // two types
        "# TYPE a counter\n\na_total 1", // an empty line inside
        "# TYPE a counter\na_total{x=\"a\nb\"} 1", // a raw newline in a value
        "# TYPE a countr"}) {
      assertThrows(AssertionError.class, () -> Prometheus.parse(bad), bad);
    }
  }
}
