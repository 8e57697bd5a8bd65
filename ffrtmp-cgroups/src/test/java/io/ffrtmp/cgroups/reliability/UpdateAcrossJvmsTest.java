package io.ffrtmp.cgroups.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.Constraint;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.WorkloadUpdate;
import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Updates through the records ({@code Recovery.update}, what {@code ffrtmp update} does), with
 * the host's real cgroups (v1 here): of a workload another JVM governs — whose report then lists the update — and of one recovered
 * after its JVM was killed, whose report lists the updates of both.
 */
class UpdateAcrossJvmsTest {
  @TempDir Path tmp;
  private final List<Process> jvms = new ArrayList<>();
  private final List<Long> pids = new ArrayList<>();

  @BeforeEach
  void needsCgroups() {
    Host.require(Host.isRoot() && Files.isWritable(Path.of("/sys/fs/cgroup/cpu/cgroup.procs")),
        "needs root and a cgroup v1 cpu hierarchy for a quota to update");
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : jvms) {
      p.destroyForcibly().waitFor();
    }
    pids.forEach(Host::killQuietly);
  }

  private static Path stateDir() {
    return Path.of(System.getProperty("ffrtmp.state"));
  }

  private String job(String name) {
    return "update-" + ProcessHandle.current().pid() + "-" + name;
  }

  /** The workload's cgroup v1 cpu quota file, from its own /proc/<pid>/cgroup. */
  private static Path quotaFile(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
      String[] f = line.split(":", 3);
      if (List.of(f[1].split(",")).contains("cpu")) {
        return Path.of("/sys/fs/cgroup/cpu" + f[2], "cpu.cfs_quota_us");
      }
    }
    throw new AssertionError("no cpu cgroup for " + pid);
  }

  private Process agent(String id, BufferedReader[] out) throws Exception {
    Process a = ChildJvm.agent(tmp, stateDir(), id, List.of("-Dffrtmp.test.cpuQuota=20"),
        "sleep", "30");
    jvms.add(a);
    out[0] = new BufferedReader(new InputStreamReader(a.getInputStream(),
        StandardCharsets.UTF_8));
    return a;
  }

  private long pidOf(BufferedReader out) throws Exception {
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("PID ")) {
        long pid = Long.parseLong(line.substring(4).trim());
        pids.add(pid);
        return pid;
      }
    }
    throw new AssertionError("the agent started no workload");
  }

  @Test
  void anUpdateFromAnotherProcess_isEnforced_andItsGovernorsReportListsIt() throws Exception {
    String id = job("governed");
    BufferedReader[] out = new BufferedReader[1];
    agent(id, out);
    long pid = pidOf(out[0]);
    assertEquals("20000", Files.readString(quotaFile(pid)).trim());
    List<WorkloadUpdate> done = Workload.recovery().update(id, c -> c.cpuQuota(150).nice(3),
        false);
    assertEquals(1, done.size(), done.toString());
    assertTrue(done.get(0).enforced(), done.toString());
    assertEquals("150000", Files.readString(quotaFile(pid)).trim());
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    assertEquals("3", stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
    Host.killQuietly(pid);
    String report = null;
    for (String line; (line = out[0].readLine()) != null; ) {
      if (line.startsWith("REPORT ")) {
        report = line.substring(7);
        break;
      }
    }
    assertTrue(report != null && report.contains("\"updates\":[{\"at\":\"" + done.get(0).at()
        + "\",\"by\":" + ProcessHandle.current().pid() + ",\"requested\":{\"cpu_quota\":150,"
        + "\"nice\":3}"), "the governing JVM's report lists it: " + report);
  }

  @Test
  void aRecoveredWorkload_isUpdated_andItsReportListsTheUpdatesOfBothJvms() throws Exception {
    String id = job("recovered");
    BufferedReader[] out = new BufferedReader[1];
    Process a = agent(id, out);
    long pid = pidOf(out[0]);
    WorkloadUpdate first = Workload.recovery().update(id, c -> c.cpuQuota(150), false).get(0);
    a.destroyForcibly().waitFor();
    List<GovernedWorkload> found = Workload.recover(id);
    assertEquals(1, found.size(), found.toString());
    GovernedWorkload w = found.get(0);
    WorkloadUpdate second = w.update(c -> c.cpuQuota(250));
    assertTrue(second.enforced(), second.toString());
    assertEquals("250000", Files.readString(quotaFile(pid)).trim());
    Host.killQuietly(pid);
    WorkloadReport r = w.awaitReport(Duration.ofSeconds(10));
    assertEquals(List.of(first, second), r.updates());
    assertEquals(List.of(Map.of(Constraint.CPU_QUOTA, "150"), Map.of(Constraint.CPU_QUOTA, "250")),
        r.updates().stream().map(WorkloadUpdate::requested).toList());
  }
}
