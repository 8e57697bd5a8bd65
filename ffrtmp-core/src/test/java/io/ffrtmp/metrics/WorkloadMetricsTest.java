package io.ffrtmp.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.Constraints;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadObserver;
import io.ffrtmp.WorkloadReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Real workloads counted: started, running with their usage, ended by reason and exit. */
class WorkloadMetricsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void countsWhatStartsAfter_byModeReasonExitAndSla_andTheRunningOnesWithTheirUsage()
      throws Exception {
    GovernedWorkload before = Workload.run("sleep", "30").withJobId("wm-before").start();
    List<String> heard = new ArrayList<>();
    try (WorkloadMetrics m = WorkloadMetrics.start(Duration.ZERO);
        WorkloadObserver.Registration failing = Workload.observe(new WorkloadObserver() {
          @Override
          public void ended(WorkloadReport report) {
            throw new IllegalStateException("an observer that fails changes nothing");
          }
        });
        WorkloadObserver.Registration sub = m.subscribe(new WorkloadObserver() {
          @Override
          public void governed(GovernedWorkload w, WorkloadReport.Mode mode, Constraints c,
              boolean recovered) {
            heard.add("governed " + w.jobId() + " " + mode + " " + c.nice());
          }

          @Override
          public void ended(WorkloadReport r) {
            heard.add("ended " + r.jobId() + " " + r.exitReason());
          }
        })) {
      WorkloadReport ok = Workload.run("true").withJobId("wm-ok").start().awaitReport(WAIT);
      // counted before the report is delivered: no wait here
      assertEquals(1, m.ended(ExitReason.SUCCESS));
      assertEquals(ExitReason.SUCCESS, ok.exitReason());
      Workload.run("sh", "-c", "exit 3").withJobId("wm-three").start().awaitReport(WAIT);
      GovernedWorkload running = Workload.run("sh", "-c", "while :; do :; done")
          .withJobId("wm-spin").withNice(5).start();
      // an attach of a process of the test's own
      Process p = new ProcessBuilder("sleep", "30").start();
      GovernedWorkload attached = Workload.attach(p.pid()).withJobId("wm-attached").start();
      try {
        assertEquals(2, m.activeCount(), "the spinner and the attached sleep");
        Thread.sleep(300);
        WorkloadMetrics.Active spin = m.active().stream()
            .filter(a -> a.workload().jobId().equals("wm-spin")).findFirst().orElseThrow();
        assertEquals(WorkloadReport.Mode.RUN, spin.mode());
        assertEquals(5, spin.constraints().nice());
        assertTrue(spin.usage().cpuUserSec() != null && spin.usage().cpuUserSec() > 0.05,
            "live CPU time: " + spin.usage());
        assertTrue(m.cpuSeconds() >= spin.usage().cpuUserSec(), "totals include the running");
        assertEquals(WorkloadReport.Mode.ATTACH, m.active().stream()
            .filter(a -> a.workload().jobId().equals("wm-attached")).findFirst().orElseThrow()
            .mode());
      } finally {
        running.terminate(Duration.ZERO);
        p.destroy();
      }
      WorkloadReport spun = running.awaitReport(WAIT);
      attached.awaitReport(WAIT);
      assertEquals(0, m.activeCount());
      assertEquals(3, m.started(WorkloadReport.Mode.RUN));
      assertEquals(1, m.started(WorkloadReport.Mode.ATTACH));
      assertEquals(0, m.recovered());
      assertEquals(4, m.ended());
      assertEquals(1, m.ended(ExitReason.ERROR), "exit 3");
      // a killed process has no exit status; an adopted one's is never known
      long killedUnknown = spun.exitCode() == null ? 1 : 0;
      assertEquals(Map.of("0", 1L, "non_zero", 2L - killedUnknown, "unknown", 1L + killedUnknown),
          m.endedByExit());
      assertEquals(m.ended(), m.platformSla(true) + m.platformSla(false));
      assertTrue(m.cpuSeconds() > 0.05, "the spinner's CPU stays counted after its end: " + spun.usage());
      assertTrue(heard.contains("governed wm-spin RUN 5"), heard.toString());
      assertTrue(heard.contains("ended wm-ok SUCCESS"), heard.toString());
      assertTrue(heard.stream().noneMatch(h -> h.contains("wm-before")), "started before");
    } finally {
      before.terminate(Duration.ZERO);
      before.awaitReport(WAIT);
    }
  }
}
