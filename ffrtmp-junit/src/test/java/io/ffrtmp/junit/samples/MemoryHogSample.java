package io.ffrtmp.junit.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ffrtmp.ExitReason;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.junit.Governed;
import io.ffrtmp.junit.GovernedWorkloads;
import org.junit.jupiter.api.Test;

/** A suite's test under a memory limit (run by GovernedExtensionTest, not by surefire). */
public class MemoryHogSample {
  @Test
  @Governed(memoryLimitMb = 64)
  void aHogIsOomKilled(GovernedWorkloads workloads) throws Exception {
    WorkloadReport r = workloads.run(new ProcessBuilder("/bin/sh", "-c",
        "head -c 256m /dev/zero | tail > /dev/null")).awaitReport();
    assertEquals(ExitReason.OOM, r.exitReason(), r.toJson());
  }
}
