package io.ffrtmp.cgroups.systemd;

import static io.ffrtmp.cgroups.systemd.SystemdVm.ROOT;
import static io.ffrtmp.cgroups.systemd.SystemdVm.cgroupOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.spi.Availability;
import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd backend for a normal user (uid 1600) with a lingering user manager, whose
 * {@code user@.service} delegates {@code cpu memory pids}: real limits without root. Run by
 * {@code src/test/vm/run-vm-suite.sh systemd} after {@link SystemdVmSuite}.
 */
class SystemdUserVmSuite {
  static final String MANAGER = "/user.slice/user-1600.slice/user@1600.service";
  static final Path SLICE = ROOT.resolve(MANAGER.substring(1)).resolve("ffrtmp.slice");
  private String job = "";

  @BeforeAll
  static void mustBeALingeringUser() {
    assertFalse(Host.isRoot(), "this suite runs as a normal user");
    Availability a = new SystemdStrategy().probe();
    assertTrue(a.usable(), "systemd usable: " + a.reason());
    assertTrue(a.reason().contains("user manager"), a.reason());
  }

  @AfterEach
  void nothingLeftBehind() throws Exception {
    SystemdVm.nothingLeftBehind(SLICE, job, true);
  }

  private String job(TestInfo info) {
    job = "sdu-" + info.getTestMethod().orElseThrow().getName();
    return job;
  }

  @Test
  void realLimitsWithoutRoot_ioWeightDegradedWithTheReason(TestInfo info) throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "cat /proc/self/cgroup; d=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup);"
                + " cat $d/cpu.max $d/memory.max"))
        .withJobId(id).withCpuQuota(20).withMemoryLimitMb(64).withIoWeight(50).start();
    String scope = MANAGER + "/ffrtmp.slice/ffrtmp-wrapper-" + id + ".scope";
    List<String> out = new BufferedReader(new InputStreamReader(
        w.process().orElseThrow().getInputStream(), StandardCharsets.UTF_8)).lines().toList();
    WorkloadReport r = w.onExit().get(120, TimeUnit.SECONDS);
    assertEquals(List.of("0::" + scope, "20000 100000", "67108864"), out, r.toJson());
    assertEquals("systemd", r.strategy());
    assertEquals(scope, r.cgroupPath());
    for (String c : List.of("cpu_quota", "memory_limit_mb")) {
      assertEquals(EnforcementStatus.APPLIED, r.enforcement().stream()
          .filter(e -> e.constraint().key().equals(c)).findFirst().orElseThrow().status(), r.toJson());
    }
    var io = r.enforcement().stream().filter(e -> e.constraint().key().equals("io_weight"))
        .findFirst().orElseThrow();
    assertEquals(EnforcementStatus.DEGRADED, io.status(), r.toJson());
  }

  /**
   * Strict mode under systemd: the scope exists before its limits can be read back, so the
   * refusal comes after placement — the waiting keeper is killed, the workload never runs, and
   * the scope goes.
   */
  @Test
  void strictMode_refusesAfterPlacement_theWorkloadNeverRuns(TestInfo info,
      @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path marker = tmp.resolve("ran");
    io.ffrtmp.EnforcementException e = org.junit.jupiter.api.Assertions.assertThrows(
        io.ffrtmp.EnforcementException.class, () -> Workload.run("touch", marker.toString())
            .withJobId(job(info)).withMemoryLimitMb(64).withIoWeight(50).requireEnforcement()
            .start());
    assertTrue(e.getMessage().contains("io_weight"), e.getMessage());
    Thread.sleep(500);
    assertFalse(java.nio.file.Files.exists(marker), "the workload never ran");
  }

  @Test
  void oomAt64Mb_withoutRoot(TestInfo info) throws Exception {
    WorkloadReport r = Workload.run("dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1")
        .withJobId(job(info)).withMemoryLimitMb(64).start().onExit().get(300, TimeUnit.SECONDS);
    assertEquals(ExitReason.OOM, r.exitReason(), r.toJson());
    assertTrue(r.usage().oomKills() >= 1, r.toJson());
  }

  /** A process of a delegated unit of the user's own manager goes back. */
  @Test
  void attach_ownProcess_andDetachWithRestore(TestInfo info) throws Exception {
    String id = job(info);
    String unit = "ffrtmp-attach-target.service";
    SystemdVm.sh("systemd-run", "--user", "--unit=" + unit, "-p", "Delegate=yes", "-p",
        "Type=simple", "sleep", "306");
    try {
      long pid = Long.parseLong(SystemdVm.sh("systemctl", "--user", "show", "-p", "MainPID",
          "--value", unit));
      String before = cgroupOf(pid);
      assertEquals("0::" + MANAGER + "/app.slice/" + unit, before);
      GovernedWorkload w = Workload.attach(pid).restoreOnDetach(true).withJobId(id)
          .withMemoryLimitMb(128).start();
      assertEquals("0::" + MANAGER + "/ffrtmp.slice/ffrtmp-wrapper-" + id + ".scope",
          cgroupOf(pid));
      WorkloadReport r = w.detach();
      assertEquals(before, cgroupOf(pid), r.toJson());
    } finally {
      SystemdVm.shAny("systemctl", "--user", "stop", unit);
    }
  }

  /**
   * A process in a system unit (this suite's own service) cannot be moved back by a user's
   * manager: detach says so, and the process runs on in its scope.
   */
  @Test
  void attach_processInASystemUnit_detachSaysWhyItStays(TestInfo info) throws Exception {
    String id = job(info);
    Process p = new ProcessBuilder("sleep", "307").start();
    try {
      GovernedWorkload w = Workload.attach(p.pid()).restoreOnDetach(true).withJobId(id)
          .withMemoryLimitMb(128).start();
      WorkloadReport r = w.detach();
      assertTrue(r.warnings().stream().anyMatch(x -> x.contains("Cannot move process "
          + p.pid() + " back") && x.contains("only delegated units take processes")),
          r.toJson());
      assertEquals("0::" + MANAGER + "/ffrtmp.slice/ffrtmp-wrapper-" + id + ".scope",
          cgroupOf(p.pid()), "left in its scope");
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  /**
   * An agent as a user service ({@code systemd-run --user}, a lingering user): each workload in
   * a scope of the user's manager, outside the agent's service, and an OOM kill seen in the
   * kernel's counter.
   */
  @Test
  void agentAsAUserService_scopesAndOom(TestInfo info, @TempDir Path tmp) throws Exception {
    String id = job(info);
    List<String> cmd = new ArrayList<>(List.of("systemd-run", "--user", "--wait", "--pipe",
        "--collect", "--unit=ffrtmp-user-agent"));
    cmd.addAll(ChildJvm.command(ChildJvm.classpath(), tmp,
        List.of("-Dffrtmp.test.memoryMb=64", "-Dffrtmp.test.jobId=" + id),
        "io.ffrtmp.testing.LaunchMain",
        List.of("0", "0", "dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1")));
    String out = SystemdVm.sh(cmd.toArray(new String[0]));
    String report = out.lines().filter(l -> l.startsWith("REPORT ")).findFirst()
        .orElseThrow(() -> new AssertionError("no report: " + out));
    assertTrue(report.contains("\"strategy\":\"systemd\""), report);
    assertTrue(report.contains("\"cgroup_path\":\"" + MANAGER + "/ffrtmp.slice/ffrtmp-wrapper-"
        + id + ".scope\""), report);
    assertTrue(report.contains("\"exit_reason\":\"oom\""), report);
  }
}
