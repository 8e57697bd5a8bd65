package io.ffrtmp.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.metrics.WorkloadMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Real workloads (with the cgroup backends, as an agent has them) published to Micrometer's
 * in-memory registry: the totals, the histogram, and a running workload's own meters, removed
 * when it ends. As root its memory limit is applied and read back; otherwise the workload runs
 * under nice-fallback and the limit's meter is absent (said so).
 */
class FfrtmpMeterBinderTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static double count(MeterRegistry r, String name, String... tags) {
    FunctionCounter c = r.find(name).tags(tags).functionCounter();
    assertNotNull(c, name + " " + String.join(",", tags) + " in " + r.getMeters().stream()
        .map(m -> m.getId().toString()).toList());
    return c.count();
  }

  @Test
  void totalsHistogramAndEachRunningWorkloadsOwnMeters() throws Exception {
    boolean root = Files.readString(Path.of("/proc/self/status")).lines()
        .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1]
        .equals("0");
    if (!root) {
      System.err.println("NOTE: not root: the workloads run under nice-fallback, so no memory"
          + " limit is in force and its meter is left out");
    }
    MeterRegistry registry = new SimpleMeterRegistry();
    try (WorkloadMetrics metrics = WorkloadMetrics.start(Duration.ZERO);
        FfrtmpMeterBinder binder = new FfrtmpMeterBinder(metrics)) {
      binder.bindTo(registry);
      Workload.run("true").withJobId("mm-ok").start().awaitReport(WAIT);
      Workload.run("sh", "-c", "exit 3").withJobId("mm-three").start().awaitReport(WAIT);
      GovernedWorkload spin = Workload.run("sh", "-c", "while :; do :; done")
          .withJobId("mm-spin").withMemoryLimitMb(64).withCpuQuota(50).start();
      String pid = Long.toString(spin.pid());
      WorkloadReport spun;
      try {
        assertEquals(1.0, registry.get("ffrtmp.jobs.active").gauge().value());
        Thread.sleep(500);
        double cpu = count(registry, "ffrtmp.workload.cpu.usage", "job_id", "mm-spin", "pid",
            pid);
        assertTrue(cpu > 0.05, "its CPU time: " + cpu);
        count(registry, "ffrtmp.workload.cpu.throttled", "job_id", "mm-spin", "pid", pid);
        Gauge limit = registry.find("ffrtmp.workload.memory.limit").tag("job_id", "mm-spin")
            .gauge();
        boolean applied = spin.enforcement().stream().anyMatch(e -> e.constraint()
            == io.ffrtmp.Constraint.MEMORY_LIMIT_MB && e.status() == EnforcementStatus.APPLIED);
        assertEquals(root, applied, "as root the memory limit is applied: " + spin.enforcement());
        if (applied) {
          assertNotNull(limit, "the limit in force has a meter");
          assertEquals(64.0 * 1024 * 1024, limit.value());
          double used = registry.get("ffrtmp.workload.memory.usage").tag("job_id", "mm-spin")
              .gauge().value();
          assertTrue(used > 0 && used < 64.0 * 1024 * 1024, "memory in use: " + used);
        } else {
          assertNull(limit, "no meter for a limit that is not in force");
        }
      } finally {
        spin.terminate(Duration.ZERO);
        spun = spin.awaitReport(WAIT);
      }
      // its own meters end with it; the totals keep what it did
      assertNull(registry.find("ffrtmp.workload.cpu.usage").tag("job_id", "mm-spin")
          .functionCounter(), "removed at its end");
      assertNull(registry.find("ffrtmp.workload.memory.usage").tag("job_id", "mm-spin")
          .gauge(), "removed at its end");
      assertEquals(0.0, registry.get("ffrtmp.jobs.active").gauge().value());
      assertEquals(3.0, count(registry, "ffrtmp.jobs", "state", "started"));
      assertEquals(3.0, count(registry, "ffrtmp.jobs", "state", "completed"));
      assertEquals(3.0, count(registry, "ffrtmp.jobs.by.mode", "mode", "run"));
      assertEquals(0.0, count(registry, "ffrtmp.jobs.by.mode", "mode", "attach"));
      assertEquals(1.0, count(registry, "ffrtmp.jobs.by.exit", "exit", "0"));
      assertEquals(1.0, count(registry, "ffrtmp.jobs.by.reason", "reason", "success"));
      assertEquals(1.0, count(registry, "ffrtmp.jobs.by.reason", "reason",
          spun.exitReason().name().toLowerCase(java.util.Locale.ROOT)));
      assertEquals(3.0, count(registry, "ffrtmp.platform.sla", "compliant", "true")
          + count(registry, "ffrtmp.platform.sla", "compliant", "false"));
      Timer duration = registry.get("ffrtmp.job.duration").tag("mode", "run").timer();
      assertEquals(3, duration.count());
      assertTrue(duration.totalTime(java.util.concurrent.TimeUnit.SECONDS) >= 0.5,
          "the spinner ran half a second: " + duration.totalTime(
              java.util.concurrent.TimeUnit.SECONDS));
      assertTrue(count(registry, "ffrtmp.cpu.usage") > 0.05, "the total keeps its CPU time");
    }
    // closed: a workload started now has no meters
    Workload.run("true").withJobId("mm-after").start().awaitReport(WAIT);
    assertEquals(3.0, count(registry, "ffrtmp.jobs", "state", "started"), "not counted");
  }
}
