package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.ExitReason;
import io.ffrtmp.WorkloadReport;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Runs the worker-agent example: N concurrent jobs, each under its own limits, all reported. */
class WorkerAgentExampleTest {
  @Test
  void fourConcurrentJobs_eachReportedWithItsOwnCgroup() throws Exception {
    List<WorkloadReport> reports =
        WorkerAgentExample.runJobs(4, List.of("/bin/sh", "-c", "sleep 0.3"));
    assertEquals(4, reports.size());
    Set<Long> pids = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      WorkloadReport r = reports.get(i);
      assertEquals("agent-job-" + i, r.jobId());
      assertEquals(ExitReason.SUCCESS, r.exitReason(), r.toJson());
      assertEquals(128, r.constraints().memoryLimitMb());
      assertTrue(r.durationSec() >= 0.3, r.toJson());
      pids.add(r.pid());
      if (r.cgroupPath() != null) {
        assertTrue(r.cgroupPath().endsWith("ffrtmp-wrapper-agent-job-" + i), r.cgroupPath());
      }
    }
    assertEquals(4, pids.size(), "four distinct processes");
  }
}
