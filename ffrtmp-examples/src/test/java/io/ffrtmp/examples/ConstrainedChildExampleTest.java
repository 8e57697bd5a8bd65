package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.ExitReason;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import org.junit.jupiter.api.Test;

/**
 * Example: a test suite that constrains a child process ("this child must survive with 64 MB").
 * Where the host cannot enforce a memory limit (no cgroups, no root), the test says so and
 * checks only the exit.
 */
class ConstrainedChildExampleTest {
  @Test
  void childSurvivesWith64Mb() throws Exception {
    WorkloadReport r =
        Workload.run("dd", "if=/dev/zero", "of=/dev/null", "bs=16M", "count=4")
            .withJobId("child-under-test")
            .withMemoryLimitMb(64)
            .start()
            .awaitReport();
    assertEquals(ExitReason.SUCCESS, r.exitReason(), r.toJson());
    boolean enforced = r.enforcement().stream()
        .anyMatch(e -> e.constraint().key().equals("memory_limit_mb")
            && e.status() == EnforcementStatus.APPLIED);
    if (enforced) {
      assertTrue(r.usage().memoryPeakBytes() <= 64L << 20, r.toJson());
      assertEquals(0L, r.usage().oomKills());
    } else {
      System.err.println("memory limit not enforced on this host: " + r.warnings());
    }
  }
}
