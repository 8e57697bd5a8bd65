package io.ffrtmp.junit.samples;

import static org.junit.jupiter.api.Assertions.fail;

import io.ffrtmp.junit.Governed;
import io.ffrtmp.junit.GovernedWorkloads;
import org.junit.jupiter.api.Test;

/** Tests whose memory limit an unprivileged user cannot have (run by GovernedExtensionTest). */
public class UnenforceableSample {
  @Test
  @Governed(memoryLimitMb = 64)
  void skippedWhereTheLimitCannotBeEnforced(GovernedWorkloads workloads) throws Exception {
    workloads.run("/bin/true");
    fail("started although its memory limit cannot be enforced");
  }

  @Test
  @Governed(memoryLimitMb = 64, unenforceable = Governed.Unenforceable.FAIL)
  void failedWhereTheLimitCannotBeEnforced(GovernedWorkloads workloads) throws Exception {
    workloads.run("/bin/true");
    fail("started although its memory limit cannot be enforced");
  }
}
