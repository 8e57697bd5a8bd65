package io.ffrtmp.cgroups.systemd;

import static io.ffrtmp.cgroups.systemd.SystemdVm.ROOT;
import static io.ffrtmp.cgroups.systemd.SystemdVm.cgroupOf;
import static io.ffrtmp.cgroups.systemd.SystemdVm.read;
import static io.ffrtmp.cgroups.systemd.SystemdVm.sh;
import static io.ffrtmp.cgroups.systemd.SystemdVm.shAny;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.KernelText;
import io.ffrtmp.cgroups.WatchChecks;
import io.ffrtmp.spi.Availability;
import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd backend against a real systemd (Debian's, PID 1) on a real cgroup v2 kernel, as
 * root, from inside an ordinary, non-delegated service — where a worker agent runs. Not run by
 * surefire: {@code src/test/vm/run-vm-suite.sh systemd} boots the VM and runs it there. Under
 * TCG, assertions are about what systemd and the kernel did, not about time.
 */
class SystemdVmSuite {
  static final Path SLICE = ROOT.resolve("ffrtmp.slice");
  private String job = "";

  @BeforeAll
  static void mustBeARealSystemdHost() throws Exception {
    Availability a = new SystemdStrategy().probe();
    assertTrue(a.usable(), "systemd usable: " + a.reason());
    assertTrue(a.reason().contains("system manager"), a.reason());
    assertTrue(Host.isRoot(), "the suite runs as root");
    // an ordinary service, as an agent's: not delegated, so cgroup-v2 could not work here
    assertEquals("0::/system.slice/ffrtmp-suite.service",
        cgroupOf(ProcessHandle.current().pid()));
    assertEquals("Delegate=no", sh("systemctl", "show", "-p", "Delegate", "ffrtmp-suite.service"));
    WorkloadReport r = Workload.run("true").withJobId("sd-selection").start()
        .awaitReport(Duration.ofSeconds(120));
    assertEquals("systemd", r.strategy(), "selected by priority: " + r.toJson());
  }

  @AfterEach
  void nothingLeftBehind() throws Exception {
    SystemdVm.nothingLeftBehind(SLICE, job, false);
  }

  private String job(TestInfo info) {
    job = "sd-" + info.getTestMethod().orElseThrow().getName();
    return job;
  }

  private static Enforcement entry(WorkloadReport r, String constraint) {
    return r.enforcement().stream().filter(e -> e.constraint().key().equals(constraint)).findFirst()
        .orElseThrow();
  }

  @Test
  void watch_adoptsAnotherUsersExecsIntoScopesWithinMilliseconds_skipsTheBlocked(TestInfo info)
      throws Exception {
    try (WatchChecks checks = new WatchChecks(job(info))) {
      checks.adoptsAnotherUsersExecsAndSkipsTheBlocked(5, 1000);
      for (var a : checks.adopted().values()) {
        String scope = a.workload().cgroupPath().orElseThrow();
        assertEquals("/ffrtmp.slice/ffrtmp-wrapper-" + job + "-" + a.workload().pid()
            + ".scope", scope);
        assertEquals("systemd", a.workload().strategy());
        assertEquals("MemoryMax=67108864", sh("systemctl", "show", "-p", "MemoryMax",
            scope.substring(scope.lastIndexOf('/') + 1)));
      }
    }
  }

  @Test
  void watch_neverAdoptsBlockedUsersDirsOrParents(TestInfo info) throws Exception {
    try (WatchChecks checks = new WatchChecks(job(info))) {
      checks.filtersNeverAdoptBlockedUsersDirsOrParents();
    }
  }

  /** A scope's process moved out behind systemd's back: the fault the check stands for. */
  @Test
  void watch_bringsBackADescendantFoundOutsideItsAncestorsScope(TestInfo info)
      throws Exception {
    try (WatchChecks checks = new WatchChecks(job(info))) {
      checks.aDescendantFoundOutsideItsAncestorsCgroupIsBroughtBack();
    }
  }

  @Test
  void watch_scanAdoptsWithinOneIntervalAndWhatRanBefore(TestInfo info) throws Exception {
    try (WatchChecks checks = new WatchChecks(job(info))) {
      // emulated: the adoption itself takes up to seconds
      checks.scanAdoptsWithinOneIntervalAndWhatRanBefore(Duration.ofSeconds(1), 10_000);
    }
  }

  @Test
  void watch_nineSecondJob_isGovernedForAllButItsFirstMoments(TestInfo info) throws Exception {
    try (WatchChecks checks = new WatchChecks(job(info))) {
      checks.nineSecondJobIsGovernedForAllButItsFirstMilliseconds(5_000);
    }
  }

  @Test
  void watch_shortExecsThatNoRuleNames_leaveNothingBehind(TestInfo info)
      throws Exception {
    try (WatchChecks checks = new WatchChecks(job(info))) {
      checks.shortExecsThatNoRuleNamesLeaveNothingBehind(300);
    }
  }

  @Test
  void watch_containsAMatchingForkBomb(TestInfo info) throws Exception {
    try (WatchChecks checks = new WatchChecks(job(info))) {
      // emulated: everything, the bomb included, 10 to 30 times as slow as on the host. Until
      // adopted, the bomb is in this suite's service, whose task limit (systemd's
      // DefaultTasksMax) it shares with this JVM and the guest's heartbeat: a process limit of
      // 2,500 let an escaped bomb use it up, and nothing in the service could fork any more
      checks.forkBombIsContainedByItsRulesPidsLimit(Duration.ofSeconds(60), 1000);
    }
  }

  @Test
  void limitsAsUnitProperties_inForceBeforeTheFirstInstruction(TestInfo info) throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "cat /proc/self/cgroup; d=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup);"
                + " cat $d/cpu.max $d/memory.max $d/cpu.weight"))
        .withJobId(id).withCpuQuota(50).withMemoryLimitMb(256).withCpuWeight(200).start();
    String scope = "/ffrtmp.slice/ffrtmp-wrapper-" + id + ".scope";
    assertEquals(scope, w.cgroupPath().orElseThrow());
    List<String> out = new BufferedReader(new InputStreamReader(
        w.process().orElseThrow().getInputStream(), StandardCharsets.UTF_8)).lines().toList();
    WorkloadReport r = w.onExit().get(120, TimeUnit.SECONDS);
    assertEquals(ExitReason.SUCCESS, r.exitReason(), r.toJson());
    assertEquals(List.of("0::" + scope, "50000 100000", "268435456", "200"), out,
        "placed and limited at its first instruction");
    assertEquals("systemd", r.strategy());
    assertEquals(scope, r.cgroupPath());
    Enforcement cpu = entry(r, "cpu_quota");
    assertEquals(EnforcementStatus.APPLIED, cpu.status(), r.toJson());
    assertEquals("systemd CPUQuotaPerSecUSec", cpu.mechanism());
    assertEquals(EnforcementStatus.APPLIED, entry(r, "memory_limit_mb").status(), r.toJson());
    assertEquals("systemd MemoryMax", entry(r, "memory_limit_mb").mechanism());
    assertEquals(EnforcementStatus.APPLIED, entry(r, "cpu_weight").status(), r.toJson());
    assertNotNull(r.usage().cpuUserSec(), "usage from the keeper's copy: " + r.toJson());
    assertNotNull(r.usage().memoryPeakBytes(), r.toJson());
  }

  @Test
  void update_setsTheScopesPropertiesAtRuntime_readBackFromItsFiles_andLiftsThem(TestInfo info)
      throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run("sleep", "120").withJobId(id).withCpuQuota(20)
        .withMemoryLimitMb(64).start();
    String unit = "ffrtmp-wrapper-" + id + ".scope";
    Path d = Path.of("/sys/fs/cgroup/ffrtmp.slice", unit);
    io.ffrtmp.WorkloadUpdate up = w.update(c -> c.cpuQuota(300).memoryLimitMb(128));
    assertTrue(up.enforced(), up.toString());
    assertEquals("300000 100000", Files.readString(d.resolve("cpu.max")).trim());
    assertEquals(Long.toString(128L << 20), Files.readString(d.resolve("memory.max")).trim());
    assertEquals(java.util.Set.of("CPUQuotaPerSecUSec=3s", "MemoryMax=134217728"),
        java.util.Set.copyOf(SystemdVm.sh(SystemdVm.systemctl(false, "show", "-p",
            "CPUQuotaPerSecUSec", "-p", "MemoryMax", unit)).lines().toList()),
        "systemd knows them: a daemon-reload or its own writes keep them");
    assertFalse(Files.exists(Path.of("/etc/systemd/system.control", unit + ".d")),
        "runtime only: nothing persisted under /etc");
    io.ffrtmp.Usage live = w.usage();
    assertTrue(live.memoryCurrentBytes() != null && live.memoryCurrentBytes() > 0
        && live.pressure() != null && live.pressure().memorySome() != null,
        "live usage from the scope's files: " + live.toJson());
    io.ffrtmp.WorkloadUpdate lift = w.update(c -> c.cpuQuota(0).memoryLimitMb(0));
    assertTrue(lift.enforced(), lift.toString());
    assertEquals("max 100000", Files.readString(d.resolve("cpu.max")).trim());
    assertEquals("max", Files.readString(d.resolve("memory.max")).trim());
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.onExit().get(120, TimeUnit.SECONDS);
    assertEquals(List.of(up, lift), r.updates(), r.toJson());
    assertEquals("systemd CPUQuotaPerSecUSec", r.updates().get(0).enforcement().get(0)
        .mechanism());
  }

  /**
   * The newer constraints as unit properties ({@code TasksMax}, {@code MemoryHigh}, {@code
   * MemorySwapMax}), read back from the scope's files; a fork storm under {@code TasksMax=64}
   * is refused by the kernel and counted; an update changes them at runtime and lifts them.
   */
  @Test
  void pidsMemoryHighAndSwap_asUnitProperties_theForkStormContained_updatedAndLifted(
      TestInfo info) throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            io.ffrtmp.cgroups.TestCgroups.FORK_STORM))
        .withJobId(id).withPidsMax(64).withMemoryHighMb(96).withSwapMaxMb(0)
        .withTimeout(Duration.ofSeconds(30), Duration.ZERO).start();
    assertEquals("survived", new BufferedReader(new InputStreamReader(
        w.process().orElseThrow().getInputStream(), StandardCharsets.UTF_8)).readLine());
    String unit = "ffrtmp-wrapper-" + id + ".scope";
    Path d = Path.of("/sys/fs/cgroup/ffrtmp.slice", unit);
    assertEquals("64", Files.readString(d.resolve("pids.max")).trim());
    assertEquals(Long.toString(96L << 20), Files.readString(d.resolve("memory.high")).trim());
    assertEquals("0", Files.readString(d.resolve("memory.swap.max")).trim());
    io.ffrtmp.Usage live = w.usage();
    assertTrue(live.pidsCurrent() != null && live.pidsCurrent() <= 64 && live.pidsCurrent() > 32,
        "tasks while it ran: " + live.toJson());
    assertTrue(live.pidsLimitHits() != null && live.pidsLimitHits() >= 1, live.toJson());
    io.ffrtmp.WorkloadUpdate up = w.update(c -> c.pidsMax(128).memoryHighMb(192).swapMaxMb(16));
    assertTrue(up.enforced(), up.toString());
    assertEquals("128", Files.readString(d.resolve("pids.max")).trim());
    assertEquals(Long.toString(192L << 20), Files.readString(d.resolve("memory.high")).trim());
    assertEquals(Long.toString(16L << 20), Files.readString(d.resolve("memory.swap.max")).trim());
    assertEquals(java.util.Set.of("TasksMax=128", "MemoryHigh=201326592",
        "MemorySwapMax=16777216"), java.util.Set.copyOf(SystemdVm.sh(SystemdVm.systemctl(false,
            "show", "-p", "TasksMax", "-p", "MemoryHigh", "-p", "MemorySwapMax", unit))
        .lines().toList()));
    io.ffrtmp.WorkloadUpdate lift = w.update(c -> c.pidsMax(0).memoryHighMb(0).swapMaxMb(-1));
    assertTrue(lift.enforced(), lift.toString());
    for (String f : List.of("pids.max", "memory.high", "memory.swap.max")) {
      assertEquals("max", Files.readString(d.resolve(f)).trim(), f);
    }
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.onExit().get(120, TimeUnit.SECONDS);
    assertEquals("systemd TasksMax", entry(r, "pids_max").mechanism());
    for (String c : List.of("pids_max", "memory_high_mb", "swap_max_mb")) {
      assertEquals(EnforcementStatus.APPLIED, entry(r, c).status(), r.toJson());
    }
    assertTrue(r.usage().pidsLimitHits() >= 1, "from the keeper's copy: " + r.toJson());
    assertEquals(List.of(up, lift), r.updates(), r.toJson());
  }

  /**
   * Block IO limits as the scope's {@code IOWriteBandwidthMax} (systemd is given the disk's
   * device node): 3 MiB written with {@code O_DIRECT} under 1 MiB/s take about 3 s; raised and
   * lifted while a longer write runs ({@code io.max} and {@code systemctl show} agree), which
   * then ends within seconds.
   */
  @Test
  void ioMax_asIoBandwidthProperties_throttles_andIsRaisedAndLiftedWhileItRuns(TestInfo info)
      throws Exception {
    String id = job(info);
    Path disk = Path.of("/run/ffrtmp-io");
    assertTrue(Files.isDirectory(disk), "the harness mounts a disk at " + disk);
    Path dir = Files.createTempDirectory(disk, "io-max");
    try {
      String dev = io.ffrtmp.cgroups.TestCgroups.diskOf(dir);
      WorkloadReport r = io.ffrtmp.cgroups.TestCgroups.threeMibAtOneMibPerSecond(id, dir);
      assertEquals("systemd IO{Read,Write}{Bandwidth,IOPS}Max", entry(r, "io_max").mechanism());

      GovernedWorkload w = Workload.run(
              io.ffrtmp.cgroups.TestCgroups.directWrite(dir.resolve("b.bin"), 1024))
          .withJobId(id + "-live").withIoMax(dev + " wbps=1M")
          .withTimeout(Duration.ofSeconds(180), Duration.ZERO).start();
      String unit = "ffrtmp-wrapper-" + id + "-live.scope";
      Path ioMax = Path.of("/sys/fs/cgroup/ffrtmp.slice", unit, "io.max");
      assertEquals(dev + " rbps=max wbps=1048576 riops=max wiops=max",
          Files.readString(ioMax).trim());
      io.ffrtmp.WorkloadUpdate raised = w.update(c -> c.ioMax(dev + " wbps=2M riops=1000"));
      assertTrue(raised.enforced(), raised.toJson());
      assertEquals(dev + " rbps=max wbps=2097152 riops=1000 wiops=max",
          Files.readString(ioMax).trim());
      List<String> shown = SystemdVm.sh(SystemdVm.systemctl(false, "show", "-p",
          "IOWriteBandwidthMax", "-p", "IOReadIOPSMax", unit)).lines().toList();
      assertTrue(shown.contains("IOWriteBandwidthMax=/dev/zram1 2097152")
          && shown.contains("IOReadIOPSMax=/dev/zram1 1000"), shown.toString());
      long t1 = System.nanoTime();
      io.ffrtmp.WorkloadUpdate lifted = w.update(c -> c.ioMax(""));
      assertTrue(lifted.enforced(), lifted.toJson());
      String left = Files.exists(ioMax) ? Files.readString(ioMax).trim() : "";
      assertEquals("", left);
      WorkloadReport l = w.onExit().get(120, TimeUnit.SECONDS);
      double after = (System.nanoTime() - t1) / 1e9;
      assertEquals(0, l.exitCode(), l.toJson());
      assertTrue(after < 60, "64 MiB took " + after + " s after the lift: " + l.toJson());
      assertEquals(List.of(raised, lifted), l.updates(), l.toJson());
    } finally {
      io.ffrtmp.cgroups.TestCgroups.deleteFlat(dir);
    }
  }

  /** cpuset as unit properties: AllowedCPUs and AllowedMemoryNodes, read back from the scope. */
  @Test
  void cpusAndMemoryNodes_asAllowedCpusAndNodes_readBackFromTheScope(TestInfo info)
      throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "grep Cpus_allowed_list /proc/self/status; sleep 30"))
        .withJobId(id).withCpus("1").withMemoryNodes("0")
        .withTimeout(Duration.ofSeconds(60), Duration.ZERO).start();
    assertEquals("Cpus_allowed_list:\t1", new BufferedReader(new InputStreamReader(
        w.process().orElseThrow().getInputStream(), StandardCharsets.UTF_8)).readLine());
    String unit = "ffrtmp-wrapper-" + id + ".scope";
    Path d = Path.of("/sys/fs/cgroup/ffrtmp.slice", unit);
    assertEquals("1", Files.readString(d.resolve("cpuset.cpus")).trim());
    assertEquals("0", Files.readString(d.resolve("cpuset.mems")).trim());
    assertEquals(java.util.Set.of("AllowedCPUs=1", "AllowedMemoryNodes=0"),
        java.util.Set.copyOf(SystemdVm.sh(SystemdVm.systemctl(false, "show", "-p",
            "AllowedCPUs", "-p", "AllowedMemoryNodes", unit)).lines().toList()));
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.onExit().get(60, TimeUnit.SECONDS);
    assertEquals(EnforcementStatus.APPLIED, entry(r, "cpus").status(), r.toJson());
    assertEquals("systemd AllowedCPUs", entry(r, "cpus").mechanism());
    assertEquals(EnforcementStatus.APPLIED, entry(r, "memory_nodes").status(), r.toJson());
  }

  /** CPUs changed while it runs: its tasks move at once; lifting gives it all again. */
  @Test
  void update_movesTheWorkloadToAnotherCpu_andLiftsTheSet(TestInfo info) throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run("sleep", "60").withJobId(id).withCpus("1")
        .withTimeout(Duration.ofSeconds(90), Duration.ZERO).start();
    java.util.function.Supplier<String> allowed =
        () -> io.ffrtmp.cgroups.TestCgroups.cpusAllowed(w.pid());
    assertEquals("1", allowed.get());
    io.ffrtmp.WorkloadUpdate moved = w.update(c -> c.cpus("0"));
    assertTrue(moved.enforced(), moved.toJson());
    assertEquals("0", allowed.get());
    assertEquals("0", Files.readString(Path.of("/sys/fs/cgroup/ffrtmp.slice", "ffrtmp-wrapper-" + id + ".scope").resolve("cpuset.cpus")).trim());
    io.ffrtmp.WorkloadUpdate lifted = w.update(c -> c.cpus(""));
    assertTrue(lifted.enforced(), lifted.toJson());
    assertEquals("0-1", allowed.get());
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.onExit().get(60, TimeUnit.SECONDS);
    assertEquals(List.of(moved, lifted), r.updates(), r.toJson());
  }

  /** A scope started without a CPU set gets one by an update: systemd enables cpuset for it. */
  @Test
  void update_confinesAScopeStartedWithoutACpuSet(TestInfo info) throws Exception {
    GovernedWorkload w = Workload.run("sleep", "60").withJobId(job(info))
        .withTimeout(Duration.ofSeconds(90), Duration.ZERO).start();
    io.ffrtmp.WorkloadUpdate u = w.update(c -> c.cpus("1"));
    assertTrue(u.enforced(), u.toJson());
    assertEquals("1", io.ffrtmp.cgroups.TestCgroups.cpusAllowed(w.pid()));
    w.terminate(Duration.ZERO);
    assertEquals(List.of(u), w.onExit().get(60, TimeUnit.SECONDS).updates());
  }

  /** A PSI trigger on the scope's {@code cpu.pressure}, closed by the caller. */
  @Test
  void pressureTrigger_onTheScope_fires_andClosesWhenAsked(TestInfo info) throws Exception {
    GovernedWorkload w = Workload.run("/bin/sh", "-c",
            "for i in 1 2 3 4; do (while :; do :; done) & done; wait")
        .withJobId(job(info)).withCpuQuota(100).withTimeout(Duration.ofSeconds(90), Duration.ZERO)
        .start();
    java.util.concurrent.CompletableFuture<io.ffrtmp.PressureEvent> first =
        new java.util.concurrent.CompletableFuture<>();
    io.ffrtmp.PressureWatch watch = w.onPressure(io.ffrtmp.PressureTrigger.of(
        io.ffrtmp.PressureTrigger.Resource.CPU, io.ffrtmp.PressureTrigger.Kind.SOME,
        Duration.ofMillis(100), Duration.ofSeconds(1)), first::complete);
    assertTrue(first.get(60, TimeUnit.SECONDS).pressure() != null);
    watch.close();
    assertFalse(watch.isActive());
    w.terminate(Duration.ZERO);
    assertEquals(ExitReason.SIGNAL, w.onExit().get(60, TimeUnit.SECONDS).exitReason());
  }

  @Test
  void oomKill_isReported_fromTheKernelsCounter_afterTheScopeIsGone(TestInfo info)
      throws Exception {
    WorkloadReport r = Workload.run("dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1")
        .withJobId(job(info)).withMemoryLimitMb(64).start().onExit().get(300, TimeUnit.SECONDS);
    assertEquals(ExitReason.OOM, r.exitReason(), r.toJson());
    assertTrue(r.usage().oomKills() >= 1, r.toJson());
    assertTrue(r.usage().memoryPeakBytes() <= 64L << 20, r.toJson());
  }

  @Test
  void timeout_killsTheWholeProcessTree(TestInfo info) throws Exception {
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "setsid sh -c 'trap \"\" TERM; sleep 303' & echo $!; sleep 304 & echo $!;"
                + " trap '' TERM; wait"))
        .withJobId(job(info)).withTimeout(Duration.ofSeconds(3), Duration.ofMillis(500)).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(
        w.process().orElseThrow().getInputStream(), StandardCharsets.UTF_8));
    List<Long> kids = List.of(Long.parseLong(out.readLine().trim()),
        Long.parseLong(out.readLine().trim()));
    WorkloadReport r = w.onExit().get(120, TimeUnit.SECONDS);
    assertEquals(ExitReason.TIMEOUT, r.exitReason(), r.toJson());
    for (long k : kids) {
      assertTrue(Host.awaitGone(k, 20_000), "member " + k + " killed");
    }
  }

  /** A root agent as an ordinary service: stopped, then SIGKILLed; its workload runs on. */
  @Test
  void agentServiceStoppedOrKilled_workloadRunsOnInItsScopeWithItsLimits(TestInfo info,
      @TempDir Path tmp) throws Exception {
    String id = job(info);
    for (String how : List.of("stop", "kill")) {
      String unit = "ffrtmp-agent-" + how + ".service";
      Path out = tmp.resolve(how + ".out");
      List<String> cmd = new ArrayList<>(List.of("systemd-run", "--unit=" + unit,
          "-p", "Type=simple", "-p", "StandardOutput=file:" + out, "--collect"));
      cmd.addAll(ChildJvm.command(ChildJvm.classpath(), tmp,
          List.of("-Dffrtmp.test.memoryMb=64", "-Dffrtmp.test.jobId=" + id + "-" + how),
          "io.ffrtmp.testing.LaunchMain", List.of("0", "0", "sleep", "301")));
      sh(cmd.toArray(new String[0]));
      long pid = awaitWorkloadPid(out);
      String scope = "/ffrtmp.slice/ffrtmp-wrapper-" + id + "-" + how + ".scope";
      assertEquals("0::" + scope, cgroupOf(pid));
      if (how.equals("stop")) {
        sh("systemctl", "stop", unit);
      } else {
        sh("systemctl", "kill", "-s", "KILL", unit);
        for (int i = 0; i < 600 && shAny("systemctl", "is-active", unit).equals("active"); i++) {
          Thread.sleep(100);
        }
      }
      assertFalse(shAny("systemctl", "is-active", unit).equals("active"), unit + " ended");
      Thread.sleep(1000);
      assertTrue(Host.alive(pid), "the workload outlived its agent's " + how);
      assertEquals("0::" + scope, cgroupOf(pid), "still in its scope");
      assertEquals("67108864", read(ROOT.resolve(scope.substring(1)).resolve("memory.max")));
      Host.killQuietly(pid);
      assertTrue(Host.awaitGone(pid, 20_000));
      shAny("systemctl", "reset-failed", unit);
    }
  }

  /**
   * A hardened unit, as a careful operator writes one: the guide's unit file, as properties;
   * and, where the build lies under {@code /tmp} (a clone there), its class path bound into the
   * unit, whose {@code /tmp} is its own.
   */
  static List<String> hardened() {
    List<String> p = new ArrayList<>(List.of("-p", "ProtectSystem=strict", "-p",
        "PrivateTmp=yes", "-p", "NoNewPrivileges=yes", "-p", "ProtectControlGroups=yes", "-p",
        "ProtectKernelTunables=yes", "-p", "RestrictSUIDSGID=yes", "-p",
        "StateDirectory=ffrtmp-agent"));
    for (String entry : ChildJvm.classpath().split(":")) {
      if (entry.startsWith("/tmp/")) {
        p.addAll(List.of("-p", "BindReadOnlyPaths=" + entry));
      }
    }
    return p;
  }

  /**
   * An agent in a hardened service (the operator guide's unit: its records in the unit's
   * {@code StateDirectory}, which {@code ProtectSystem=strict} leaves writable and a restart
   * keeps): the limits hold, the workload outlives the service's stop, and the service's next
   * run recovers it with its real exit status.
   */
  @Test
  void hardenedService_limitsHold_theWorkloadOutlivesItsStop_andTheNextRunRecoversIt(
      TestInfo info, @TempDir Path tmp) throws Exception {
    String id = job(info);
    List<String> jvm = List.of("-Djava.io.tmpdir=/tmp", "-Dffrtmp.state=/var/lib/ffrtmp-agent",
        "-Dffrtmp.test.memoryMb=64", "-Dffrtmp.test.jobId=" + id);
    Path out = tmp.resolve("first.out");
    List<String> first = new ArrayList<>(List.of("systemd-run", "--unit=ffrtmp-hardened-1",
        "-p", "Type=simple", "-p", "StandardOutput=file:" + out, "--collect"));
    first.addAll(hardened());
    first.addAll(ChildJvm.command(ChildJvm.classpath(), Path.of("/tmp"), jvm,
        "io.ffrtmp.testing.LaunchMain", List.of("0", "0", "sh", "-c", "sleep 6; exit 3")));
    sh(first.toArray(new String[0]));
    long pid = awaitWorkloadPid(out);
    String scope = "/ffrtmp.slice/ffrtmp-wrapper-" + id + ".scope";
    assertEquals("0::" + scope, cgroupOf(pid));
    assertEquals("67108864", read(ROOT.resolve(scope.substring(1)).resolve("memory.max")));
    sh("systemctl", "stop", "ffrtmp-hardened-1");
    assertTrue(Host.alive(pid), "the workload outlived its agent's stop");
    assertTrue(Host.awaitGone(pid, 60_000), "it ends by itself (exit 3), no agent running");
    Path again = tmp.resolve("second.out");
    List<String> second = new ArrayList<>(List.of("systemd-run", "--unit=ffrtmp-hardened-2",
        "--wait", "-p", "StandardOutput=file:" + again, "--collect"));
    second.addAll(hardened());
    second.addAll(ChildJvm.command(ChildJvm.classpath(), Path.of("/tmp"), jvm,
        "io.ffrtmp.testing.RecoverMain", List.of(id)));
    sh(second.toArray(new String[0]));
    String recovered = Files.readString(again);
    assertTrue(recovered.contains("RECOVERED 1\n"), recovered);
    assertTrue(recovered.contains("\"exit_code\":3,")
        && recovered.contains("\"strategy\":\"systemd\""), recovered);
  }

  /**
   * A watcher as the guide's unit runs it ({@code KillMode=process}, {@code Nice=-10}): what it
   * adopted outlives the service's stop, in its scope with its limit, and the service's next run
   * takes it back — {@code RECOVERED}, never adopted again — and reports its end.
   */
  @Test
  void watch_asAService_itsAdoptionOutlivesTheStop_andTheNextRunTakesItBack(TestInfo info,
      @TempDir Path tmp) throws Exception {
    String id = job(info);
    try (WatchChecks checks = new WatchChecks(id)) {
      List<String> jvm = List.of("-Djava.io.tmpdir=/tmp", "-Dffrtmp.state=" + tmp.resolve("state"));
      List<String> args = List.of(checks.name(), checks.agent(), "64", id + "-{pid}");
      Path out1 = tmp.resolve("first.out");
      Path out2 = tmp.resolve("second.out");
      try {
        sh(watchService("ffrtmp-watch-1", out1, jvm, args));
        awaitLine(out1, "WATCHING CONNECTOR");
        Process job = checks.start(checks.dir(), "300");
        String scope = "/ffrtmp.slice/ffrtmp-wrapper-" + id + "-" + job.pid() + ".scope";
        awaitLine(out1, "ADOPTED " + job.pid() + " " + scope);
        assertEquals("0::" + scope, cgroupOf(job.pid()));
        sh("systemctl", "stop", "ffrtmp-watch-1");
        assertTrue(job.isAlive(), "the adoption outlived the watcher's stop");
        assertEquals("0::" + scope, cgroupOf(job.pid()), "still in its scope");
        assertEquals("67108864", read(ROOT.resolve(scope.substring(1)).resolve("memory.max")));
        sh(watchService("ffrtmp-watch-2", out2, jvm, args));
        awaitLine(out2, "RECOVERED " + job.pid() + " " + scope);
        awaitLine(out2, "WATCHING CONNECTOR");
        job.destroy();
        awaitLine(out2, "ENDED " + job.pid());
        assertFalse(Files.readString(out2).contains("ADOPTED"), Files.readString(out2));
      } finally {
        shAny("systemctl", "stop", "ffrtmp-watch-1", "ffrtmp-watch-2");
      }
    }
  }

  /** {@code systemd-run} of a WatchMain service with the guide's unit's properties. */
  private static String[] watchService(String unit, Path out, List<String> jvm,
      List<String> args) {
    List<String> cmd = new ArrayList<>(List.of("systemd-run", "--unit=" + unit, "-p",
        "Type=simple", "-p", "KillMode=process", "-p", "Nice=-10", "-p",
        "StandardOutput=file:" + out, "--collect"));
    cmd.addAll(ChildJvm.command(ChildJvm.classpath(), Path.of("/tmp"), jvm,
        "io.ffrtmp.testing.WatchMain", args));
    return cmd.toArray(new String[0]);
  }

  /** Waits up to 120 s for a line of a service's output. */
  private static void awaitLine(Path out, String line) throws Exception {
    for (int i = 0; i < 1200; i++) {
      if (Files.exists(out) && Files.readAllLines(out).contains(line)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no line '" + line + "' in 120 s: " + (Files.exists(out)
        ? Files.readString(out) : "no output"));
  }

  /** The workload's pid from an agent's {@code PID <pid>} line (LaunchMain), within 120 s. */
  private static long awaitWorkloadPid(Path out) throws Exception {
    for (int i = 0; i < 1200; i++) {
      if (Files.exists(out)) {
        for (String line : Files.readAllLines(out)) {
          if (line.startsWith("PID ")) {
            return Long.parseLong(line.substring(4).trim());
          }
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the agent started no workload: " + (Files.exists(out)
        ? Files.readString(out) : "no output"));
  }

  /** From a delegated unit (systemd takes processes back into those), detach restores. */
  @Test
  void attach_intoAScope_andDetachWithRestore_movesItBackIntoADelegatedUnit(TestInfo info)
      throws Exception {
    String id = job(info);
    String unit = "ffrtmp-attach-target.service";
    sh("systemd-run", "--unit=" + unit, "-p", "Delegate=yes", "-p", "Type=simple", "sleep",
        "305");
    try {
      long pid = Long.parseLong(sh("systemctl", "show", "-p", "MainPID", "--value", unit));
      String before = cgroupOf(pid);
      assertEquals("0::/system.slice/" + unit, before);
      GovernedWorkload w = Workload.attach(pid).restoreOnDetach(true).withJobId(id)
          .withMemoryLimitMb(128).start();
      String scope = "/ffrtmp.slice/ffrtmp-wrapper-" + id + ".scope";
      assertEquals("0::" + scope, cgroupOf(pid));
      assertEquals("systemd", w.strategy());
      assertEquals("134217728", read(ROOT.resolve(scope.substring(1)).resolve("memory.max")));
      WorkloadReport r = w.detach();
      assertEquals(before, cgroupOf(pid), r.toJson());
    } finally {
      shAny("systemctl", "stop", unit);
    }
  }

  /**
   * From a unit that is not delegated (this suite's own service) systemd takes nothing back:
   * the process stays in its scope with its limits, and the report says why — nothing of
   * systemd's is written behind its back.
   */
  @Test
  void attach_fromANonDelegatedUnit_detachLeavesItInItsScopeAndSaysWhy(TestInfo info)
      throws Exception {
    String id = job(info);
    Process p = new ProcessBuilder("sleep", "308").start();
    try {
      GovernedWorkload w = Workload.attach(p.pid()).restoreOnDetach(true).withJobId(id)
          .withMemoryLimitMb(128).start();
      WorkloadReport r = w.detach();
      String scope = "/ffrtmp.slice/ffrtmp-wrapper-" + id + ".scope";
      assertEquals("0::" + scope, cgroupOf(p.pid()), r.toJson());
      assertTrue(r.warnings().stream().anyMatch(x -> x.contains("Cannot move process " + p.pid()
          + " back") && x.contains("only delegated units take processes")), r.toJson());
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  /**
   * The cause of the suites' freezes, checked where it lies (CgroupV2VmSuite says more): under
   * systemd the harness holds the kernel's static keys on with a service of its own, whose CPU
   * quota, CPU set and memory controller systemd keeps in force whatever the tests' units need.
   * Scopes with a CPU quota, a CPU set and a memory limit, started and ended ten times, must then
   * leave the kernel's code as it was, compared byte for byte while the first and the last run.
   * Without that service the first one rewrites it (systemd enables the root's cpuset for it, and
   * disables it again after the last).
   */
  @Test
  void scopesWithAQuotaACpuSetAndMemory_startedAndEnded_rewriteNoKernelCode(TestInfo info)
      throws Exception {
    String id = job(info);
    assertEquals("active", sh("systemctl", "is-active", "vm-static-keys.service"),
        "the harness holds the kernel's static keys");
    KernelText before = KernelText.now();
    List<String> changed = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      GovernedWorkload w = Workload.run("sleep", "60").withJobId(id).withCpuQuota(50)
          .withCpus("1").withMemoryLimitMb(64).withTimeout(Duration.ofSeconds(90), Duration.ZERO)
          .start();
      try {
        assertEquals("systemd", w.strategy());
        if (i == 0 || i == 9) {
          changed.addAll(before.changedIn(KernelText.now(), 10));
        }
      } finally {
        w.terminate(Duration.ZERO);
        w.onExit().get(60, TimeUnit.SECONDS);
      }
    }
    assertEquals(List.of(), changed, "the kernel's code was rewritten: a static key switched");
  }

  /**
   * Fifty starts of one job id at once, then fifty terminations at once: fifty scopes, and
   * every report arrives. Whatever goes wrong is collected, not thrown at the first problem: a
   * start that fails must not leave the others running, and a report that does not arrive is
   * described (the workload, its scope, the library's threads) so that a hang says where it is.
   */
  @Test
  void fiftyConcurrentStartsOfOneJobId_getFiftyScopes(TestInfo info) throws Exception {
    String id = job(info);
    ExecutorService pool = Executors.newFixedThreadPool(50);
    List<Future<GovernedWorkload>> starts = new ArrayList<>();
    List<GovernedWorkload> started = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        starts.add(pool.submit(() -> Workload.run("sleep", "250").withJobId(id)
            .withMemoryLimitMb(64).start()));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      for (Future<GovernedWorkload> f : starts) {
        try {
          started.add(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (ExecutionException e) {
          problems.add("start failed: " + e.getCause());
        } catch (TimeoutException e) {
          problems.add("start not done within 60 s");
        }
      }
      assertEquals(List.of(), problems, "every start succeeded");
      // all alive at once: fifty scopes, each workload in its own
      Set<String> scopes = new HashSet<>();
      for (GovernedWorkload w : started) {
        assertEquals("systemd", w.strategy());
        String scope = w.cgroupPath().orElseThrow();
        scopes.add(scope);
        assertEquals("0::" + scope, cgroupOf(w.pid()));
      }
      assertEquals(50, scopes.size(), scopes.toString());
    } finally {
      pool.shutdown();
      for (Future<GovernedWorkload> f : starts) {
        // a start still under way when the others were collected is terminated too
        try {
          GovernedWorkload late = f.get(30, TimeUnit.SECONDS);
          if (!started.contains(late)) {
            started.add(late);
          }
        } catch (ExecutionException | TimeoutException e) {
          // reported above
        }
      }
      for (GovernedWorkload w : started) {
        w.terminate(Duration.ZERO);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      List<String> notEnded = new ArrayList<>();
      for (GovernedWorkload w : started) {
        try {
          WorkloadReport r = w.onExit().get(Math.max(0, deadline - System.nanoTime()),
              TimeUnit.NANOSECONDS);
          if (r.exitReason() != ExitReason.SIGNAL) {
            problems.add("not ended by the signal: " + r.toJson());
          }
        } catch (TimeoutException e) {
          notEnded.add(SystemdVm.describe(w));
        }
      }
      if (!notEnded.isEmpty()) {
        problems.add(notEnded.size() + " of " + started.size() + " reports did not arrive"
            + " within 40 s of the terminations: " + notEnded + "\n" + SystemdVm.libraryThreads());
      }
    }
    assertEquals(List.of(), problems, "every workload terminated and reported");
  }

  @org.junit.jupiter.api.AfterAll
  static void noFailedUnits() throws Exception {
    assertEquals("", shAny("systemctl", "list-units", "--state=failed", "--plain", "--no-legend",
        "ffrtmp-wrapper-*"));
  }

  @Test
  void recovery_endedWhileNoAgentRan_andOomAfterRecovery(TestInfo info, @TempDir Path tmp)
      throws Exception {
    String id = job(info);
    Path state = Path.of(System.getProperty("ffrtmp.state"));
    long pid = ChildJvm.agentKilledAfterStart(tmp, state, id + "-a", List.of(), "sh", "-c",
        "sleep 1; exit 7");
    assertTrue(Host.awaitGone(pid, 60_000));
    Thread.sleep(1000);
    List<GovernedWorkload> a = Workload.recover(id + "-a");
    assertEquals(1, a.size());
    WorkloadReport ra = a.get(0).awaitReport(Duration.ofSeconds(60));
    assertEquals(7, ra.exitCode(), ra.toJson());
    assertEquals("systemd", ra.strategy());
    assertNotNull(ra.usage().cpuUserSec(), "usage from the keeper's copy: " + ra.toJson());

    ChildJvm.agentKilledAfterStart(tmp, state, id + "-b", List.of("-Dffrtmp.test.memoryMb=64"),
        "sh", "-c", "sleep 3; exec dd if=/dev/zero of=/dev/null bs=256M count=1");
    // the scope is found through systemd: a record whose cgroup path went wrong is corrected
    // (with the wrong path the OOM verdict, read from the keeper's copy of the scope's
    // counters, would be lost)
    String scope = "/ffrtmp.slice/ffrtmp-wrapper-" + id + "-b.scope";
    int tampered = 0;
    try (var files = Files.list(state)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".start")).toList()) {
        String text = Files.readString(f);
        if (text.contains("job_id=" + id + "-b\n")) {
          Files.writeString(f, text.replace(scope,
              "/ffrtmp.slice/ffrtmp-wrapper-" + id + "-moved.scope"));
          tampered++;
        }
      }
    }
    assertEquals(1, tampered, "one start record of " + id + "-b in " + state);
    List<GovernedWorkload> b = Workload.recover(id + "-b");
    assertEquals(1, b.size());
    assertEquals(scope, b.get(0).cgroupPath().orElseThrow(), "systemd's, not the record's");
    WorkloadReport rb = b.get(0).awaitReport(Duration.ofSeconds(200));
    assertEquals(ExitReason.OOM, rb.exitReason(), rb.toJson());
  }

  /**
   * A keeper killed in its scope while no agent runs: the workload, alone in the scope now, is
   * found by its recorded pid, watched to its end, reported {@code unknown} with the reason, and
   * the scope goes.
   */
  @Test
  void recovery_aKeeperKilledInItsScope_itsWorkloadIsWatchedToItsEnd_andTheScopeGoes(
      TestInfo info, @TempDir Path tmp) throws Exception {
    String id = job(info);
    Path state = Path.of(System.getProperty("ffrtmp.state"));
    long pid = ChildJvm.agentKilledAfterStart(tmp, state, id, List.of(), "sleep", "4");
    long keeper = ProcessHandle.of(pid).orElseThrow().parent().orElseThrow().pid();
    String unit = "ffrtmp-wrapper-" + id + ".scope";
    assertTrue(Files.readString(Path.of("/proc/" + keeper + "/cgroup")).contains(unit),
        "the keeper is in the scope");
    io.ffrtmp.testing.Keepers.kill(pid);
    io.ffrtmp.testing.Keepers.recoverAfterItsKeeperDied(id, pid, keeper, 3,
        Duration.ofSeconds(100));
    for (int i = 0; i < 300 && shAny("systemctl", "is-active", unit).equals("active"); i++) {
      Thread.sleep(100);
    }
    assertFalse(shAny("systemctl", "is-active", unit).equals("active"), unit + " gone");
  }

  @Test
  void noBus_probeSaysWhy_andTheAgentFallsBackWithTheWarning(@TempDir Path tmp)
      throws Exception {
    Availability a = new SystemdStrategy(CgroupFs.REAL, Path.of("/proc/self"),
        Path.of("/run/systemd/system"), Map.of("DBUS_SYSTEM_BUS_ADDRESS",
            "unix:path=/nonexistent/bus")).probe();
    assertFalse(a.usable());
    assertTrue(a.reason().contains("/nonexistent/bus"), a.reason());
    ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(ChildJvm.classpath(), tmp,
        "io.ffrtmp.testing.LaunchMain", List.of("0", "0", "true"))).redirectErrorStream(true);
    pb.environment().put("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    Process jvm = pb.start();
    String out = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(jvm.waitFor(200, TimeUnit.SECONDS));
    assertTrue(out.contains("WARNING No cgroup backend usable, using nice-fallback")
        && out.contains("systemd") && out.contains("/nonexistent/bus"), out);
    assertTrue(out.contains("\"strategy\":\"nice-fallback\""), out);
  }
}
