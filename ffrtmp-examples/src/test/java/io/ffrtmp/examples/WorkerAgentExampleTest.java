package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.ExitReason;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.spi.CgroupNames;
import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the worker-agent example: N concurrent jobs, each under its own limits, all reported.
 * The job ids carry this JVM's pid: cgroups are the host's, and a workload of the same job id
 * elsewhere on the host (another build, another test) would hold the plain name, so that ours
 * got the {@code -2} suffix.
 */
class WorkerAgentExampleTest {
  private static final String PREFIX = "agent-" + ProcessHandle.current().pid() + "-job-";

  @Test
  void fourConcurrentJobs_eachReportedWithItsOwnCgroup() throws Exception {
    List<WorkloadReport> reports =
        WorkerAgentExample.runJobs(PREFIX, 4, List.of("/bin/sh", "-c", "sleep 0.3"));
    assertEquals(4, reports.size());
    Set<Long> pids = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      WorkloadReport r = reports.get(i);
      assertEquals(PREFIX + i, r.jobId());
      assertEquals(ExitReason.SUCCESS, r.exitReason(), r.toJson());
      assertEquals(128, r.constraints().memoryLimitMb());
      assertTrue(r.durationSec() >= 0.3, r.toJson());
      pids.add(r.pid());
      if (r.cgroupPath() != null) {
        assertTrue(r.cgroupPath().endsWith("/" + CgroupNames.forJob(PREFIX + i)),
            r.cgroupPath());
      }
    }
    assertEquals(4, pids.size(), "four distinct processes");
  }

  @Test
  void killedWithSigkill_theRestartedAgentRecoversItsJob_withTheRealExitStatus(@TempDir Path tmp)
      throws Exception {
    List<String> state = List.of("-Dffrtmp.state=" + tmp.resolve("state"));
    Process agent = new ProcessBuilder(ChildJvm.command(ChildJvm.classpath(), tmp, state,
        "io.ffrtmp.examples.WorkerAgentExample", List.of("--job-prefix", PREFIX, "1", "sh", "-c", "sleep 2; exit 3")))
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream(),
        StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.startsWith("STARTED ")) {
      // log lines before it
    }
    assertTrue(line != null, "the agent started its job");
    agent.destroyForcibly().waitFor(); // kill -9 of the agent's JVM; the job runs on

    Process restarted = new ProcessBuilder(ChildJvm.command(ChildJvm.classpath(), tmp, state,
        "io.ffrtmp.examples.WorkerAgentExample", List.of("--recover")))
        .redirectErrorStream(true).start();
    String all = new String(restarted.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(restarted.waitFor(60, TimeUnit.SECONDS), all);
    String report = all.lines().filter(l -> l.startsWith("RECOVERED ")).findFirst()
        .orElseThrow(() -> new AssertionError("nothing recovered: " + all)).substring(10);
    Map<String, Object> r = Json.object(report);
    assertEquals(PREFIX + "0", r.get("job_id"));
    assertEquals(3L, ((Number) r.get("exit_code")).longValue(), report);
    assertEquals("error", r.get("exit_reason"));
  }
}
