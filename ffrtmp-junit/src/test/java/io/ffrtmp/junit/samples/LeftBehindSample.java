package io.ffrtmp.junit.samples;

import static org.junit.jupiter.api.Assertions.fail;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.junit.Governed;
import io.ffrtmp.junit.GovernedWorkloads;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A failing test that leaves its workload running, with a daemon in a session of its own, and
 * a passing one whose workload ended but left a child behind (run by GovernedExtensionTest).
 */
@Governed(pidsMax = 64)
public class LeftBehindSample {
  /** The pids the tests saw, for GovernedExtensionTest to look for afterwards. */
  public static final List<Long> PIDS = new CopyOnWriteArrayList<>();

  @Test
  void failsWhileItsWorkloadRuns(GovernedWorkloads workloads) throws Exception {
    GovernedWorkload w = workloads.run(new ProcessBuilder("/bin/sh", "-c",
        "setsid sleep 300 & echo $!; echo $$; exec sleep 300"));
    BufferedReader out = new BufferedReader(new InputStreamReader(
        w.process().orElseThrow().getInputStream()));
    PIDS.add(Long.parseLong(out.readLine().trim()));
    PIDS.add(Long.parseLong(out.readLine().trim()));
    fail("this test fails with its workload still running");
  }

  @Test
  void passesAfterItsWorkloadEnded(GovernedWorkloads workloads) throws Exception {
    GovernedWorkload w = workloads.run(new ProcessBuilder("/bin/sh", "-c",
        "sleep 300 & echo $!"));
    PIDS.add(Long.parseLong(new BufferedReader(new InputStreamReader(
        w.process().orElseThrow().getInputStream())).readLine().trim()));
    w.awaitReport();
  }
}
