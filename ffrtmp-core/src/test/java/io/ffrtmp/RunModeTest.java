package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.Host;
import io.ffrtmp.testing.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Run mode with real processes, under the nice-fallback backend (no cgroup needed). */
class RunModeTest {

  private static WorkloadReport run(ProcessBuilder pb, WorkloadBuilder b) throws Exception {
    return b.withStrategy("nice-fallback").start().awaitReport();
  }

  private static WorkloadBuilder sh(String script) {
    return Workload.run(new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true));
  }

  @Test
  void exitCodes_0_1_42_areReported() throws Exception {
    for (int code : new int[] {0, 1, 42}) {
      WorkloadReport r = sh("exit " + code).withStrategy("nice-fallback").start().awaitReport();
      assertEquals(code, r.exitCode());
      assertEquals(code == 0 ? ExitReason.SUCCESS : ExitReason.ERROR, r.exitReason());
      assertNull(r.signal());
      assertEquals("nice-fallback", r.strategy());
      assertNull(r.cgroupPath());
    }
  }

  @Test
  void deathBySigkill_reportsSignal() throws Exception {
    WorkloadReport r = sh("kill -KILL $$").withStrategy("nice-fallback").start().awaitReport();
    assertEquals(ExitReason.SIGNAL, r.exitReason());
    assertEquals("SIGKILL", r.signal());
    assertEquals(137, r.exitCode());
  }

  @Test
  void commandNotFound_failsTheStartLikeProcessBuilder_withTheReportOfIt() throws Exception {
    List<WorkloadEvent.Type> events = new CopyOnWriteArrayList<>();
    LaunchException e = org.junit.jupiter.api.Assertions.assertThrows(LaunchException.class,
        () -> Workload.run("ffrtmp-no-such-command-xyz", "arg")
            .withStrategy("nice-fallback")
            .withListener(ev -> events.add(ev.type()))
            .start());
    assertEquals(2, e.errno());
    assertEquals(127, e.exitCode());
    assertEquals("Cannot run program \"ffrtmp-no-such-command-xyz\": ENOENT (No such file or"
        + " directory)", e.getMessage());
    // it never ran: no RUNNING, and a report for the caller that keeps one per job
    assertEquals(List.of(WorkloadEvent.Type.STARTING, WorkloadEvent.Type.FAILED), events);
    WorkloadReport r = e.report().orElseThrow();
    assertEquals(127, r.exitCode());
    assertEquals(ExitReason.ERROR, r.exitReason());
    assertEquals(0, r.pid());
    assertTrue(r.warnings().contains(e.getMessage()), r.warnings().toString());
  }

  @Test
  void notExecutable_failsTheStartWith126(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("script"), "#!/bin/sh\nexit 0\n");
    LaunchException e = org.junit.jupiter.api.Assertions.assertThrows(LaunchException.class,
        () -> Workload.run(f.toString()).withStrategy("nice-fallback").start());
    assertEquals(13, e.errno());
    assertEquals(126, e.exitCode());
    assertEquals(126, e.report().orElseThrow().exitCode());
  }

  @Test
  void update_withoutCgroups_renicesEveryThread_andSaysACgroupLimitCannotChange()
      throws Exception {
    GovernedWorkload w = Workload.run("sleep", "30").withStrategy("nice-fallback").start();
    try {
      WorkloadUpdate u = w.update(c -> c.nice(6).cpuQuota(50));
      assertEquals(List.of("cpu_quota", "nice"),
          u.enforcement().stream().map(x -> x.constraint().key()).toList());
      assertEquals(EnforcementStatus.DEGRADED, u.enforcement().get(0).status());
      assertEquals(EnforcementStatus.APPLIED, u.enforcement().get(1).status(), u.toString());
      String stat = Files.readString(Path.of("/proc/" + w.pid() + "/stat"));
      assertEquals("6", stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
      org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> w.update(c -> { }), "nothing to change");
      org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> w.update(c -> c.cpuQuota(-1)), "out of range");
    } finally {
      w.terminate(Duration.ZERO);
    }
    WorkloadReport r = w.awaitReport(Duration.ofSeconds(10));
    assertEquals(1, r.updates().size(), r.toJson());
  }

  @Test
  void update_inStrictMode_putsTheNiceBack_whenACgroupLimitCannotChange() throws Exception {
    GovernedWorkload w = Workload.run("sleep", "30").withStrategy("nice-fallback").withNice(2)
        .requireEnforcement().start();
    try {
      EnforcementException e = org.junit.jupiter.api.Assertions.assertThrows(
          EnforcementException.class, () -> w.update(c -> c.nice(9).memoryLimitMb(64)));
      assertEquals(List.of("memory_limit_mb"),
          e.unenforced().stream().map(x -> x.constraint().key()).toList(), e.getMessage());
      String stat = Files.readString(Path.of("/proc/" + w.pid() + "/stat"));
      assertEquals("2", stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16],
          "the nice changed with it was put back");
    } finally {
      w.terminate(Duration.ZERO);
    }
  }

  @Test
  void aCgroupLimitWithoutTheBackendModule_saysWhichModuleIsMissing() throws Exception {
    // this module's tests run without ffrtmp-cgroups: nice-fallback is the only backend
    WorkloadReport r = Workload.run("/bin/true").withCpuQuota(50).start().awaitReport();
    assertEquals("nice-fallback", r.strategy());
    assertTrue(r.warnings().contains("Cannot enforce cpu_quota without cgroups, continuing"
        + " without it"), r.warnings().toString());
    assertTrue(r.warnings().contains("No cgroup backend on the class or module path: add"
        + " io.ffrtmp:ffrtmp-cgroups (the systemd, cgroup-v2 and cgroup-v1 backends)"),
        r.warnings().toString());
  }

  @Test
  void aCommandThatRuns_isStartedWhateverItDoesAtOnce() throws Exception {
    // the exec is what start() waits for, not the workload: one that ends at once with 127
    // itself (a shell whose own command was not found) is a started workload with its report
    WorkloadReport r = sh("exit 127").withStrategy("nice-fallback").start().awaitReport();
    assertEquals(127, r.exitCode());
    assertTrue(r.pid() > 0);
  }

  @Test
  void lifecycleEvents_startingRunningCompleted_andReportInLastEvent() throws Exception {
    List<WorkloadEvent> events = new CopyOnWriteArrayList<>();
    GovernedWorkload w =
        sh("exit 0").withStrategy("nice-fallback").withListener(events::add).start();
    WorkloadReport r = w.awaitReport();
    assertEquals(3, events.size(), events.toString());
    assertEquals(WorkloadEvent.Type.STARTING, events.get(0).type());
    assertEquals(WorkloadEvent.Type.RUNNING, events.get(1).type());
    assertEquals(w.pid(), events.get(1).pid());
    assertEquals(WorkloadEvent.Type.COMPLETED, events.get(2).type());
    assertEquals(r, events.get(2).report());
  }

  @Test
  void niceAndOomScore_areInForceAtTheFirstInstruction() throws Exception {
    // The workload's first act: read its own /proc/self/stat and oom_score_adj with shell
    // builtins (no child process involved).
    GovernedWorkload w =
        Workload.run(
                new ProcessBuilder(
                    "/bin/sh",
                    "-c",
                    "read -r s < /proc/self/stat; read -r o < /proc/self/oom_score_adj;"
                        + " echo \"$s\"; echo \"$o\""))
            .withStrategy("nice-fallback")
            .withNice(7)
            .withOomScore(345)
            .start();
    Process p = w.process().orElseThrow();
    String[] lines = new String(p.getInputStream().readAllBytes()).split("\n");
    WorkloadReport r = w.awaitReport();
    assertEquals(0, r.exitCode());
    String stat = lines[0];
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    assertEquals("7", f[19 - 3], "nice field of " + stat);
    // the keeper (the workload's parent, the JVM's child) started a new session: Ctrl-C at the
    // JVM's terminal reaches neither; the workload leads its own process group in it
    long keeper = Long.parseLong(f[4 - 3]);
    assertEquals(String.valueOf(keeper), f[6 - 3], "the keeper's new session, not the JVM's");
    assertEquals(String.valueOf(w.pid()), f[5 - 3], "own process group");
    assertEquals("345", lines[1]);
    assertEquals(EnforcementStatus.APPLIED, find(r, "nice").status());
    assertEquals(EnforcementStatus.APPLIED, find(r, "oom_score").status());
  }

  @Test
  void children_inheritNiceAndOomScore_andTheJvmIsTheParent() throws Exception {
    GovernedWorkload w =
        Workload.run(
                new ProcessBuilder(
                    "/bin/sh",
                    "-c",
                    "echo $PPID; cut -d' ' -f4 /proc/$PPID/stat;"
                        + " sh -c 'cat /proc/self/oom_score_adj; cut -d\" \" -f19 /proc/self/stat'"))
            .withStrategy("nice-fallback")
            .withNice(5)
            .withOomScore(200)
            .start();
    Process p = w.process().orElseThrow();
    String[] lines = new String(p.getInputStream().readAllBytes()).split("\n");
    assertEquals(0, w.awaitReport().exitCode());
    // the workload's parent is the keeper, which is the JVM's child (pgrep -P <JVM> finds it)
    assertTrue(!lines[0].equals(String.valueOf(w.pid())), "the keeper is another process");
    assertEquals(String.valueOf(ProcessHandle.current().pid()), lines[1],
        "the keeper is the JVM's child");
    assertEquals("200", lines[2]);
    assertEquals("5", lines[3]);
  }

  @Test
  void workloadThatForks_reportsItsOwnExit() throws Exception {
    WorkloadReport r = sh("sleep 0.1 & sleep 0.1 & wait; exit 3").withStrategy("nice-fallback")
        .start().awaitReport();
    assertEquals(3, r.exitCode());
  }

  @Test
  void runProcessBuilder_keepsDirectoryEnvironmentAndRedirects(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out.txt");
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", "pwd; echo \"$FFRTMP_TEST_VAR\"");
    pb.directory(dir.toFile());
    pb.environment().put("FFRTMP_TEST_VAR", "hello from env");
    pb.redirectOutput(out.toFile());
    WorkloadReport r = Workload.run(pb).withStrategy("nice-fallback").start().awaitReport();
    assertEquals(0, r.exitCode());
    assertEquals(List.of(dir.toRealPath().toString(), "hello from env"), Files.readAllLines(out));
  }

  @Test
  void mergeOutputIntoError_sendsStdoutToTheSameFileAsStderr(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2")
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    WorkloadReport r =
        Workload.run(pb).withStrategy("nice-fallback").mergeOutputIntoError().start().awaitReport();
    assertEquals(0, r.exitCode());
    assertEquals("", Files.readString(out));
    assertEquals("to-stdout\nto-stderr\n", Files.readString(err));
  }

  @Test
  void timeout_terminatesTheWholeGroup_withSigtermThenSigkill(@TempDir Path dir) throws Exception {
    Path childPid = dir.resolve("child.pid");
    // The workload ignores SIGTERM, so the grace period must end in SIGKILL; its child sleeps.
    GovernedWorkload w =
        sh("trap '' TERM; sleep 30 & echo $! > " + childPid + "; wait; wait; wait")
            .withStrategy("nice-fallback")
            .withTimeout(Duration.ofMillis(500), Duration.ofMillis(300))
            .start();
    WorkloadReport r = w.onExit().get(20, TimeUnit.SECONDS);
    assertEquals(ExitReason.TIMEOUT, r.exitReason());
    assertEquals("SIGKILL", r.signal());
    long child = Long.parseLong(Files.readString(childPid).trim());
    assertTrue(Host.awaitGone(child, 5000), "child sleep " + child + " was terminated too");
  }

  @Test
  void timeout_workloadThatStopsOnSigterm_reportsTimeoutAndSigterm() throws Exception {
    WorkloadReport r =
        Workload.run("sleep", "30")
            .withStrategy("nice-fallback")
            .withTimeout(Duration.ofMillis(300))
            .start()
            .onExit()
            .get(20, TimeUnit.SECONDS);
    assertEquals(ExitReason.TIMEOUT, r.exitReason());
    assertEquals("SIGTERM", r.signal());
    assertTrue(r.durationSec() < 10, "ended well before the 10 s grace: " + r.durationSec());
  }

  @Test
  void report_hasEveryKeyOfTheSpec_inOrder_andParsesAsJson() throws Exception {
    WorkloadReport r =
        Workload.run("/bin/true")
            .withCpuQuota(150)
            .withIntent(Intent.SOAK)
            .slaEligible(true)
            .withStrategy("nice-fallback")
            .start()
            .awaitReport();
    Map<String, Object> json = Json.object(r.toJson());
    assertEquals(
        List.of("job_id", "mode", "intent", "sla_eligible", "pid", "command", "strategy",
            "cgroup_path", "started_at", "ended_at", "duration_sec", "exit_code", "exit_reason",
            "signal", "constraints", "enforcement", "updates", "usage", "warnings",
            "platform_sla_compliant", "platform_sla_reason"),
        List.copyOf(json.keySet()));
    assertEquals("unknown", json.get("job_id"));
    assertEquals("run", json.get("mode"));
    assertEquals("soak", json.get("intent"));
    assertEquals(List.of("/bin/true"), json.get("command"));
    assertEquals(
        List.of("cpu_quota", "cpu_weight", "nice", "memory_limit_mb", "io_weight", "oom_score",
            "memory_high_mb", "swap_max_mb", "pids_max", "cpus", "memory_nodes",
            "io_max"),
        List.copyOf(((Map<?, ?>) json.get("constraints")).keySet()));
    assertEquals(
        List.of("cpu_user_sec", "cpu_system_sec", "cpu_throttled_sec", "memory_peak_bytes",
            "oom_kills", "io_read_bytes", "io_write_bytes", "memory_current_bytes",
            "swap_current_bytes", "pids_current", "pids_limit_hits", "memory_high_events",
            "pressure"),
        List.copyOf(((Map<?, ?>) json.get("usage")).keySet()));
    assertTrue(((Map<?, ?>) json.get("usage")).values().stream().allMatch(v -> v == null));
    assertEquals(List.of(), json.get("updates"));
    // cpu quota cannot be enforced without cgroups: degraded, warned, not SLA-compliant
    Enforcement quota = find(r, "cpu_quota");
    assertEquals(EnforcementStatus.DEGRADED, quota.status());
    assertFalse(r.platformSlaCompliant());
    assertEquals("constraints_not_enforced", r.platformSlaReason());
    assertTrue(r.warnings().contains("Cannot enforce cpu_quota without cgroups, continuing without it"));
    for (Object e : (List<?>) json.get("enforcement")) {
      assertEquals(List.of("constraint", "status", "mechanism", "detail"),
          List.copyOf(((Map<?, ?>) e).keySet()));
    }
    assertNotNull(json.get("duration_sec"));
  }

  @Test
  void strictMode_unenforceableConstraint_refusesToStart() {
    EnforcementException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            EnforcementException.class,
            () ->
                Workload.run("/bin/true")
                    .withMemoryLimitMb(64)
                    .withStrategy("nice-fallback")
                    .requireEnforcement()
                    .start());
    assertEquals(Constraint.MEMORY_LIMIT_MB, e.unenforced().get(0).constraint());
    assertTrue(e.getMessage().startsWith("strict mode: not started, nice-fallback cannot enforce memory_limit_mb"),
        e.getMessage());
  }

  @Test
  void strictMode_refusal_carriesTheReportOfTheStartThatNeverRan() throws Exception {
    EnforcementException e = org.junit.jupiter.api.Assertions.assertThrows(
        EnforcementException.class, () -> Workload.run("/bin/true").withJobId("refused-1")
            .withMemoryLimitMb(64).withStrategy("nice-fallback").requireEnforcement().start());
    assertEquals("nice-fallback", e.strategy());
    WorkloadReport r = e.report().orElseThrow();
    assertEquals("refused-1", r.jobId());
    assertEquals(WorkloadReport.Mode.RUN, r.mode());
    assertEquals(0, r.pid());
    assertEquals(List.of("/bin/true"), r.command());
    assertEquals(125, r.exitCode());
    assertEquals(ExitReason.ERROR, r.exitReason());
    assertEquals(List.of("memory_limit_mb"),
        r.enforcement().stream().map(x -> x.constraint().key()).toList());
    assertEquals(64, r.constraints().memoryLimitMb());
    assertTrue(r.warnings().contains(e.getMessage()), r.warnings().toString());
    assertFalse(r.platformSlaCompliant());
    assertEquals(125L, ((Number) Json.object(r.toJson()).get("exit_code")).longValue());
  }

  @Test
  void jobIdWithHostileCharacters_isKeptInTheReport() throws Exception {
    String id = "../evil\n\"id\"\u0001ü";
    WorkloadReport r = Workload.run("/bin/true").withJobId(id).withStrategy("nice-fallback")
        .start().awaitReport();
    assertEquals(id, r.jobId());
    assertEquals(id, Json.object(r.toJson()).get("job_id"));
  }

  static Enforcement find(WorkloadReport r, String constraint) {
    return r.enforcement().stream()
        .filter(e -> e.constraint().key().equals(constraint))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no enforcement entry " + constraint + " in " + r));
  }

  /**
   * {@code killRemainingAtEnd()}: a child the main process did not wait for is killed when it
   * ends (here by its process group: no cgroup backend in this module's tests); without it the
   * child lives on.
   */
  @Test
  void killRemainingAtEnd_killsTheChildTheMainProcessLeftBehind() throws Exception {
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c", "sleep 300 & echo $!"))
        .withJobId("left-behind").killRemainingAtEnd().start();
    long child = firstLineAsPid(w);
    WorkloadReport r = w.onExit().get(30, TimeUnit.SECONDS);
    try {
      assertTrue(Host.awaitGone(child, 5000), "the child was killed: " + r.toJson());
    } finally {
      Host.killQuietly(child);
    }
    GovernedWorkload kept = Workload.run(new ProcessBuilder("/bin/sh", "-c", "sleep 300 & echo $!"))
        .withJobId("left-behind-kept").start();
    long other = firstLineAsPid(kept);
    WorkloadReport k = kept.onExit().get(30, TimeUnit.SECONDS);
    try {
      assertTrue(Host.alive(other), "by default it lives on: " + k.toJson());
    } finally {
      Host.killQuietly(other);
    }
  }

  private static long firstLineAsPid(GovernedWorkload w) throws java.io.IOException {
    return Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(
        w.process().orElseThrow().getInputStream())).readLine().trim());
  }
}
