package io.ffrtmp.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** A workload's keeper killed while no agent runs, and what recovery must make of it. */
public final class Keepers {
  private Keepers() {}

  /**
   * Kills the keeper of a workload (its parent) with SIGKILL and waits until it is gone.
   *
   * @param workloadPid the workload
   * @return the keeper's pid
   * @throws InterruptedException if interrupted
   */
  public static long kill(long workloadPid) throws InterruptedException {
    long keeper = ProcessHandle.of(workloadPid).orElseThrow().parent().orElseThrow().pid();
    Host.killQuietly(keeper);
    assertTrue(Host.awaitGone(keeper, 20_000), "keeper " + keeper + " gone");
    return keeper;
  }

  /**
   * Recovers the one workload of a job whose keeper was killed: the recorded workload, watched
   * to its end, reported {@code unknown} with the reason, never "never ran".
   *
   * @param jobId the job
   * @param pid the workload's pid
   * @param keeper the killed keeper's pid
   * @param atLeastSec how long it ran at least (it was watched to its end)
   * @param wait how long to wait for the report
   * @return the report
   * @throws Exception on failure
   */
  public static WorkloadReport recoverAfterItsKeeperDied(String jobId, long pid, long keeper,
      double atLeastSec, Duration wait) throws Exception {
    List<GovernedWorkload> found = Workload.recover(jobId);
    assertEquals(1, found.size(), "one workload of " + jobId);
    assertEquals(pid, found.get(0).pid(), "the recorded workload");
    WorkloadReport r = found.get(0).awaitReport(wait);
    assertEquals(ExitReason.UNKNOWN, r.exitReason(), r.toJson());
    assertNull(r.exitCode(), "never an invented code");
    assertTrue(r.warnings().stream().anyMatch(w -> w.contains("keeper (pid " + keeper
        + ") was killed")), r.toJson());
    assertTrue(r.warnings().stream().noneMatch(w -> w.contains("never ran")), r.toJson());
    assertTrue(r.durationSec() >= atLeastSec, "watched to its end: " + r.toJson());
    return r;
  }

  /**
   * Starts, as uid 65534, a process whose command line carries a keeper's exit record path
   * (what any user can read in a keeper's {@code /proc/<pid>/cmdline}).
   *
   * @param exitFile the path
   * @return the impostor ({@code sh} running {@code sleep 30})
   * @throws IOException if it cannot be started
   */
  public static Process impostor(String exitFile) throws IOException {
    return new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
        "sh", "-c", "sleep 30", "keeper", exitFile).start();
  }
}
