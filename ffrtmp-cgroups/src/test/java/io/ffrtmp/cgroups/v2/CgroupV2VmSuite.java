package io.ffrtmp.cgroups.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.ControlFiles;
import io.ffrtmp.cgroups.KernelText;
import io.ffrtmp.cgroups.MemberSignals;
import io.ffrtmp.cgroups.TestCgroups;
import io.ffrtmp.cgroups.WatchChecks;
import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cgroup-v2 backend against a real cgroup v2 kernel. Not run by surefire (the name does not
 * end in Test): {@code src/test/vm/run-vm-suite.sh v2} boots a throwaway v2 kernel under qemu and
 * runs this class inside it, as root in the root cgroup. Under TCG, assertions are about what
 * the kernel accepted and counted, not about wall-clock ratios. The harness bounds each test
 * and lifecycle method (a hang fails that test, with a thread dump, and the suite goes on).
 */
class CgroupV2VmSuite {
  static final Path ROOT = Path.of("/sys/fs/cgroup");
  private String job = "";

  @BeforeAll
  static void mustBeARealV2Kernel() {
    var availability = new CgroupV2Strategy().probe();
    // inside the VM this must hold: a skip here would hide a broken harness
    assertTrue(availability.usable(), "cgroup-v2 usable: " + availability.reason());
    assertTrue(Host.isRoot(), "the VM suite runs as root");
  }

  @AfterEach
  void nothingLeftBehind() throws Exception {
    List<Path> left = new ArrayList<>();
    for (int attempt = 0; attempt < 500; attempt++) {
      left.clear();
      try (Stream<Path> s = Files.list(ROOT)) {
        s.filter(p -> p.getFileName().toString().startsWith("ffrtmp-wrapper-" + job))
            .forEach(left::add);
      }
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(10); // deferred removals of busy cgroups run in the background
    }
    for (Path p : left) {
      MemberSignals.signalMembers(CgroupFs.REAL, p.resolve("cgroup.procs"), 9, 0);
      TestCgroups.remove(CgroupFs.REAL, List.of(p), Duration.ofSeconds(5));
    }
    assertEquals(List.of(), left, "cgroups left behind");
  }

  private String job(TestInfo info) {
    job = "v2-" + info.getTestMethod().orElseThrow().getName();
    return job;
  }

  private static String read(Path p) throws Exception {
    return Files.readString(p).trim();
  }

  @Test
  void watch_adoptsAnotherUsersExecsWithinMilliseconds_skipsTheBlocked(TestInfo info)
      throws Exception {
    try (WatchChecks checks = new WatchChecks(job(info))) {
      checks.adoptsAnotherUsersExecsAndSkipsTheBlocked(5, 1000);
      for (var a : checks.adopted().values()) {
        Path cgroup = ROOT.resolve(a.workload().cgroupPath().orElseThrow().substring(1));
        assertEquals("67108864", read(cgroup.resolve("memory.max")));
      }
    }
  }

  @Test
  void watch_neverAdoptsBlockedUsersDirsOrParents(TestInfo info) throws Exception {
    try (WatchChecks checks = new WatchChecks(job(info))) {
      checks.filtersNeverAdoptBlockedUsersDirsOrParents();
    }
  }

  @Test
  void watch_bringsBackADescendantFoundOutsideItsAncestorsCgroup(TestInfo info)
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
      // emulated: everything, the bomb included, 10 to 30 times as slow as on the host
      checks.forkBombIsContainedByItsRulesPidsLimit(Duration.ofSeconds(60), 2500);
    }
  }

  @Test
  void limits_areWrittenAndAcceptedByTheKernel_beforeTheFirstInstruction(TestInfo info)
      throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "read -r cg < /proc/self/cgroup; echo \"$cg\"; d=/sys/fs/cgroup${cg#0::};"
                + " cat $d/cpu.max $d/cpu.weight $d/memory.max $d/memory.oom.group"))
        .withJobId(id).withCpuQuota(20).withCpuWeight(200).withMemoryLimitMb(64).start();
    String out = new String(w.process().orElseThrow().getInputStream().readAllBytes());
    WorkloadReport r = w.awaitReport();
    assertEquals("cgroup-v2", r.strategy(), r.toJson());
    assertEquals("/ffrtmp-wrapper-" + id, r.cgroupPath());
    assertEquals("0::/ffrtmp-wrapper-" + id + "\n20000 100000\n200\n67108864\n1\n", out);
    assertEquals(0, r.exitCode());
    for (String c : List.of("cpu_quota", "cpu_weight", "memory_limit_mb")) {
      assertTrue(r.enforcement().stream().anyMatch(e -> e.constraint().key().equals(c)
          && e.status() == EnforcementStatus.APPLIED), c + " applied: " + r.toJson());
    }
    assertTrue(Host.awaitGoneDir(ROOT.resolve("ffrtmp-wrapper-" + id), 5000), "removed after exit");
  }

  @Test
  void update_raisesAndLiftsCpuMaxAndMemoryMax_readBack_belowUsageOnlyWhenAllowed(
      TestInfo info) throws Exception {
    String id = job(info);
    // 16 MB of anonymous memory held by the shell (a variable), then it waits
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "x=$(head -c 16000000 /dev/zero | tr '\\0' a); echo held; sleep 60"))
        .withJobId(id).withCpuQuota(20).withMemoryLimitMb(64).start();
    assertEquals("held", new BufferedReader(new InputStreamReader(
        w.process().orElseThrow().getInputStream())).readLine());
    Path d = ROOT.resolve("ffrtmp-wrapper-" + id);
    io.ffrtmp.WorkloadUpdate up = w.update(c -> c.cpuQuota(300).memoryLimitMb(128));
    assertTrue(up.enforced(), up.toString());
    assertEquals("300000 100000", Files.readString(d.resolve("cpu.max")).trim());
    assertEquals(Long.toString(128L << 20), Files.readString(d.resolve("memory.max")).trim());
    io.ffrtmp.WorkloadUpdate lift = w.update(c -> c.cpuQuota(0).memoryLimitMb(0));
    assertTrue(lift.enforced(), lift.toString());
    assertEquals("max 100000", Files.readString(d.resolve("cpu.max")).trim());
    assertEquals("max", Files.readString(d.resolve("memory.max")).trim());
    // below what it uses: refused, the limit kept — unless asked for, then the kernel OOM-kills
    io.ffrtmp.WorkloadUpdate refused = w.update(c -> c.memoryLimitMb(4));
    assertEquals(EnforcementStatus.FAILED, refused.enforcement().get(0).status(),
        refused.toString());
    assertTrue(refused.enforcement().get(0).detail().startsWith("not lowered: the workload"
        + " uses "), refused.toString());
    assertEquals("max", Files.readString(d.resolve("memory.max")).trim());
    io.ffrtmp.WorkloadUpdate allowed = w.update(c -> c.memoryLimitMb(4).allowMemoryBelowUsage());
    WorkloadReport r = w.onExit().get(30, TimeUnit.SECONDS);
    assertEquals(ExitReason.OOM, r.exitReason(), "the choice made: " + allowed + " " + r.toJson());
    assertEquals(List.of(up, lift, refused, allowed), r.updates(), r.toJson());
  }

  private static io.ffrtmp.Enforcement entry(WorkloadReport r, String constraint) {
    return r.enforcement().stream().filter(e -> e.constraint().key().equals(constraint)).findFirst()
        .orElseThrow();
  }

  /**
   * A PSI trigger on {@code cpu.pressure}: four busy loops under one core stall each other; the
   * kernel wakes the watcher (no polling), the action raises the quota (an agent giving a
   * starving job more CPU), and the watch ends with the workload.
   */
  @Test
  void pressureTrigger_firesWhenItsTasksStall_theActionRaisesTheQuota_theWatchEndsWithIt(
      TestInfo info) throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run("/bin/sh", "-c",
            "for i in 1 2 3 4; do (while :; do :; done) & done; wait")
        .withJobId(id).withCpuQuota(100).withTimeout(Duration.ofSeconds(90), Duration.ZERO)
        .start();
    java.util.concurrent.CompletableFuture<io.ffrtmp.PressureEvent> first =
        new java.util.concurrent.CompletableFuture<>();
    io.ffrtmp.PressureTrigger trigger = io.ffrtmp.PressureTrigger.of(
        io.ffrtmp.PressureTrigger.Resource.CPU, io.ffrtmp.PressureTrigger.Kind.SOME,
        Duration.ofMillis(100), Duration.ofSeconds(1));
    io.ffrtmp.PressureWatch watch = w.onPressure(trigger, e -> {
      if (first.complete(e)) {
        try {
          w.update(c -> c.cpuQuota(200));
        } catch (io.ffrtmp.EnforcementException x) {
          throw new IllegalStateException(x);
        }
      }
    });
    io.ffrtmp.PressureEvent e = first.get(60, TimeUnit.SECONDS);
    assertEquals(id, e.jobId());
    assertEquals(trigger, e.trigger());
    assertTrue(e.pressure() != null && e.pressure().cpuSome() != null
        && e.pressure().cpuSome().totalUsec() > 0, String.valueOf(e.pressure()));
    Path d = ROOT.resolve("ffrtmp-wrapper-" + id);
    for (int i = 0; i < 500 && !read(d.resolve("cpu.max")).equals("200000 100000"); i++) {
      Thread.sleep(10);
    }
    assertEquals("200000 100000", read(d.resolve("cpu.max")), "the action's update");
    assertTrue(watch.isActive());
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.onExit().get(60, TimeUnit.SECONDS);
    assertFalse(watch.isActive(), "closed with the workload");
    assertEquals(List.of("200"), r.updates().stream()
        .map(u -> u.requested().get(io.ffrtmp.Constraint.CPU_QUOTA)).toList(), r.toJson());
  }

  /** cpuset: confined to CPU 1 and memory node 0 from its first instruction. */
  @Test
  void cpusAndMemoryNodes_confineTheWorkload_fromItsFirstInstruction(TestInfo info)
      throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "grep -E 'Cpus_allowed_list|Mems_allowed_list' /proc/self/status;"
                + " read -r cg < /proc/self/cgroup; d=/sys/fs/cgroup${cg#0::};"
                + " cat $d/cpuset.cpus $d/cpuset.mems"))
        .withJobId(id).withCpus("1").withMemoryNodes("0").start();
    List<String> out = new BufferedReader(new InputStreamReader(
        w.process().orElseThrow().getInputStream())).lines().toList();
    WorkloadReport r = w.awaitReport();
    assertEquals(List.of("Cpus_allowed_list:\t1", "Mems_allowed_list:\t0", "1", "0"), out,
        r.toJson());
    assertEquals(EnforcementStatus.APPLIED, entry(r, "cpus").status(), r.toJson());
    assertEquals(EnforcementStatus.APPLIED, entry(r, "memory_nodes").status(), r.toJson());
    assertTrue(r.toJson().contains("\"cpus\":\"1\",\"memory_nodes\":\"0\",\"io_max\":\"\"}"), r.toJson());
  }

  /** CPUs changed while it runs: its tasks move at once; lifting gives it all again. */
  @Test
  void update_movesTheWorkloadToAnotherCpu_andLiftsTheSet(TestInfo info) throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run("sleep", "60").withJobId(id).withCpus("1")
        .withTimeout(Duration.ofSeconds(90), Duration.ZERO).start();
    java.util.function.Supplier<String> allowed =
        () -> TestCgroups.cpusAllowed(w.pid());
    assertEquals("1", allowed.get());
    io.ffrtmp.WorkloadUpdate moved = w.update(c -> c.cpus("0"));
    assertTrue(moved.enforced(), moved.toJson());
    assertEquals("0", allowed.get());
    assertEquals("0", Files.readString(ROOT.resolve("ffrtmp-wrapper-" + id).resolve("cpuset.cpus")).trim());
    io.ffrtmp.WorkloadUpdate lifted = w.update(c -> c.cpus(""));
    assertTrue(lifted.enforced(), lifted.toJson());
    assertEquals("0-1", allowed.get());
    // a populated cpuset cannot be emptied: the parent's effective set stands for "all"
    assertEquals(read(ROOT.resolve("cpuset.cpus.effective")),
        read(ROOT.resolve("ffrtmp-wrapper-" + id).resolve("cpuset.cpus")));
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.onExit().get(60, TimeUnit.SECONDS);
    assertEquals(List.of(moved, lifted), r.updates(), r.toJson());
  }

  /** Where the harness mounts a disk (ext4 on a zram device) for the IO-limit tests. */
  static final Path IO_DISK = Path.of("/run/ffrtmp-io");

  /**
   * {@code io.max}: 3 MiB written with {@code O_DIRECT} to a file on the test disk under {@code
   * wbps=1M} takes about 3 s; the device is given by the file's directory. Then a write of 64
   * MiB under the same limit is raised and lifted while it runs ({@code io.max} shows each
   * state) and ends within seconds of the lift; the report lists both updates.
   */
  @Test
  void ioMax_throttlesDirectWrites_andIsRaisedAndLiftedWhileTheyRun(TestInfo info)
      throws Exception {
    String id = job(info);
    assertTrue(Files.isDirectory(IO_DISK), "the harness mounts a disk at " + IO_DISK);
    Path dir = Files.createTempDirectory(IO_DISK, "io-max");
    try {
      String disk = TestCgroups.diskOf(dir);
      WorkloadReport r = TestCgroups.threeMibAtOneMibPerSecond(id, dir);
      assertEquals("io.max", entry(r, "io_max").mechanism());
      assertEquals(disk + " wbps=1048576", entry(r, "io_max").detail(), r.toJson());

      GovernedWorkload w = Workload.run(TestCgroups.directWrite(dir.resolve("b.bin"), 1024))
          .withJobId(id + "-live").withIoMax(disk + " wbps=1M")
          .withTimeout(Duration.ofSeconds(180), Duration.ZERO).start();
      Path ioMax = ROOT.resolve("ffrtmp-wrapper-" + id + "-live").resolve("io.max");
      assertEquals(disk + " rbps=max wbps=1048576 riops=max wiops=max", read(ioMax));
      io.ffrtmp.WorkloadUpdate raised = w.update(c -> c.ioMax(disk + " wbps=2M riops=1000"));
      assertTrue(raised.enforced(), raised.toJson());
      assertEquals(disk + " rbps=max wbps=2097152 riops=1000 wiops=max", read(ioMax));
      long t1 = System.nanoTime();
      io.ffrtmp.WorkloadUpdate lifted = w.update(c -> c.ioMax(""));
      assertTrue(lifted.enforced(), lifted.toJson());
      assertEquals("", read(ioMax));
      WorkloadReport l = w.onExit().get(120, TimeUnit.SECONDS);
      double after = (System.nanoTime() - t1) / 1e9;
      assertEquals(0, l.exitCode(), l.toJson());
      assertTrue(after < 60, "64 MiB took " + after + " s after the lift: " + l.toJson());
      assertEquals(List.of(raised, lifted), l.updates(), l.toJson());
    } finally {
      TestCgroups.deleteFlat(dir);
    }
  }

  /** A fork storm under {@code pids.max = 64}: refused by the kernel, counted, contained. */
  @Test
  void pidsMax64_aForkStormIsContained_counted_andTheLimitUpdatable(TestInfo info)
      throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            TestCgroups.FORK_STORM))
        .withJobId(id).withPidsMax(64).withTimeout(Duration.ofSeconds(30), Duration.ZERO)
        .start();
    assertEquals("survived", new BufferedReader(new InputStreamReader(
        w.process().orElseThrow().getInputStream())).readLine());
    Path d = ROOT.resolve("ffrtmp-wrapper-" + id);
    assertEquals("64", read(d.resolve("pids.max")));
    io.ffrtmp.Usage live = w.usage();
    assertTrue(live.pidsCurrent() != null && live.pidsCurrent() <= 64 && live.pidsCurrent() > 32,
        "tasks while it ran: " + live.toJson());
    io.ffrtmp.WorkloadUpdate lift = w.update(c -> c.pidsMax(0));
    assertTrue(lift.enforced(), lift.toString());
    assertEquals("max", read(d.resolve("pids.max")));
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.onExit().get(60, TimeUnit.SECONDS);
    assertEquals(EnforcementStatus.APPLIED, entry(r, "pids_max").status(), r.toJson());
    assertTrue(r.usage().pidsLimitHits() >= 1, "from the keeper's copy: " + r.toJson());
  }

  /**
   * {@code memory.high} throttles and reclaims instead of killing: 48 MB of anonymous memory
   * under a high limit of 16 MiB (no swap: nothing to reclaim it to) is held back, counted in
   * {@code memory.events high}, and never OOM-killed — where {@code memory.max} of the same
   * size kills it ({@link #allocation256MbUnder64Mb_isOom_withTheKernelsCounter}).
   */
  @Test
  void memoryHigh_throttlesWithoutAnOomKill_andCountsTheEvents(TestInfo info) throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run("/bin/sh", "-c",
            "x=$(head -c 48000000 /dev/zero | tr '\\0' a); echo held")
        .withJobId(id).withMemoryHighMb(16).withMemoryLimitMb(256)
        .withTimeout(Duration.ofSeconds(6), Duration.ZERO).start();
    Path d = ROOT.resolve("ffrtmp-wrapper-" + id);
    assertEquals(Long.toString(16L << 20), read(d.resolve("memory.high")));
    WorkloadReport r = w.onExit().get(120, TimeUnit.SECONDS);
    assertEquals(EnforcementStatus.APPLIED, entry(r, "memory_high_mb").status(), r.toJson());
    assertTrue(r.exitReason() == ExitReason.TIMEOUT || r.exitReason() == ExitReason.SUCCESS,
        "throttled, not killed by the OOM killer: " + r.toJson());
    assertEquals(0L, r.usage().oomKills(), r.toJson());
    assertTrue(r.usage().memoryHighEvents() >= 1, r.toJson());
  }

  /**
   * With swap on (the harness's zram device, switched on for this test only), a memory limit
   * alone lets the workload overflow into swap; {@code swap_max_mb = 0} makes the same limit a
   * real one (OOM).
   */
  @Test
  void swapMax0_makesTheMemoryLimitHard_whereSwapWouldOtherwiseTakeTheOverflow(TestInfo info)
      throws Exception {
    Path zram = Path.of("/dev/zram0");
    assertTrue(Files.exists(zram), "the harness prepares /dev/zram0 as swap");
    assertEquals(0, new ProcessBuilder("swapon", zram.toString()).inheritIO().start().waitFor());
    try {
      String script = "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo held; sleep 60";
      GovernedWorkload swaps = Workload.run(new ProcessBuilder("/bin/sh", "-c", script))
          .withJobId(job(info) + "-swaps").withMemoryLimitMb(32)
          .withTimeout(Duration.ofSeconds(60), Duration.ZERO).start();
      String said = new BufferedReader(new InputStreamReader(
          swaps.process().orElseThrow().getInputStream())).readLine();
      if (!"held".equals(said)) {
        WorkloadReport early = swaps.onExit().get(60, TimeUnit.SECONDS);
        throw new AssertionError("it did not hold 64 MB with swap: " + early.toJson() + "\n"
            + Files.readString(Path.of("/proc/swaps")) + Files.readString(Path.of("/proc/meminfo"))
                .lines().filter(l -> l.startsWith("Swap")).toList());
      }
      io.ffrtmp.Usage live = swaps.usage();
      swaps.terminate(Duration.ZERO);
      WorkloadReport s = swaps.onExit().get(60, TimeUnit.SECONDS);
      assertTrue(live.swapCurrentBytes() != null && live.swapCurrentBytes() > 16L << 20,
          "overflowed into swap: " + live.toJson());
      assertEquals(0L, s.usage().oomKills(), s.toJson());
      WorkloadReport hard = Workload.run(new ProcessBuilder("/bin/sh", "-c", script))
          .withJobId(job(info) + "-hard").withMemoryLimitMb(32).withSwapMaxMb(0)
          .withTimeout(Duration.ofSeconds(60), Duration.ZERO).start()
          .onExit().get(60, TimeUnit.SECONDS);
      assertEquals(EnforcementStatus.APPLIED, entry(hard, "swap_max_mb").status(), hard.toJson());
      assertEquals("memory.swap.max", entry(hard, "swap_max_mb").mechanism());
      assertEquals(ExitReason.OOM, hard.exitReason(), hard.toJson());
    } finally {
      new ProcessBuilder("swapoff", zram.toString()).inheritIO().start().waitFor();
    }
  }

  @Test
  void usage_live_carriesPressure_risingForFourLoopsUnderOneCore(TestInfo info)
      throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run("/bin/sh", "-c",
            "for i in 1 2 3 4; do (while :; do :; done) & done; wait")
        .withJobId(id).withCpuQuota(100).start();
    Thread.sleep(1500);
    io.ffrtmp.Usage a = w.usage();
    Thread.sleep(1500);
    io.ffrtmp.Usage b = w.usage();
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.onExit().get(60, TimeUnit.SECONDS);
    assertTrue(a.pressure() != null && a.pressure().cpuSome() != null, a.toJson());
    io.ffrtmp.Pressure.Stall first = a.pressure().cpuSome();
    io.ffrtmp.Pressure.Stall later = b.pressure().cpuSome();
    assertTrue(later.totalUsec() > first.totalUsec() + 500_000, "four loops on one core's"
        + " worth stall most of the time: " + a.toJson() + " then " + b.toJson());
    assertTrue(later.avg10() > 10, b.toJson());
    assertTrue(b.cpuThrottledSec() > 0, b.toJson());
    assertTrue(b.memoryCurrentBytes() > 0, b.toJson());
    assertTrue(b.pidsCurrent() == null || b.pidsCurrent() >= 5, "the shell and its four loops"
        + " (where the pids controller is on): " + b.toJson());
    assertTrue(r.usage().pressure() != null && r.usage().pressure().cpuSome() != null
        && r.usage().pressure().cpuSome().totalUsec() >= later.totalUsec(),
        "the final report's pressure, from the keeper's copy: " + r.toJson());
  }

  @Test
  void timeout_mainDiesFirst_theEscapedMemberIgnoringSigtermIsKilledToo(TestInfo info)
      throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "setsid sh -c 'trap \"\" TERM; sleep 62' & echo $!; wait"))
        .withJobId(id).withTimeout(Duration.ofSeconds(1), Duration.ofSeconds(120)).start();
    long escaped = Long.parseLong(new BufferedReader(new InputStreamReader(
        w.process().orElseThrow().getInputStream())).readLine().trim());
    WorkloadReport r = w.onExit().get(60, TimeUnit.SECONDS);
    assertEquals(ExitReason.TIMEOUT, r.exitReason());
    assertTrue(Host.awaitGone(escaped, 20_000), "killed long before the 120 s grace");
    assertTrue(Host.awaitGoneDir(ROOT.resolve("ffrtmp-wrapper-" + id), 20_000));
  }

  @Test
  void busyCgroup_isRemovedOnceEmpty_whileTheJvmRuns(TestInfo info) throws Exception {
    String id = job(info);
    WorkloadReport r = Workload.run("/bin/sh", "-c", "sleep 4 & exit 0").withJobId(id)
        .withMemoryLimitMb(64).start().awaitReport();
    assertEquals(ExitReason.SUCCESS, r.exitReason(), r.toJson());
    assertTrue(Host.awaitGoneDir(ROOT.resolve("ffrtmp-wrapper-" + id), 60_000),
        "collected once the background child has exited, by this still running JVM");
  }

  @Test
  void ioWeight_withoutIocostEnabled_isReportedDegraded_notApplied(TestInfo info)
      throws Exception {
    String qos = Files.exists(ROOT.resolve("io.cost.qos")) ? read(ROOT.resolve("io.cost.qos")) : "";
    org.junit.jupiter.api.Assumptions.assumeFalse(qos.contains("enable=1"),
        "iocost is enabled on this kernel: io.weight would take effect");
    String id = job(info);
    WorkloadReport r = Workload.run("/bin/true").withJobId(id).withIoWeight(50).start()
        .awaitReport();
    var io = r.enforcement().stream().filter(e -> e.constraint().key().equals("io_weight"))
        .findFirst().orElseThrow();
    assertEquals(EnforcementStatus.DEGRADED, io.status(), r.toJson());
    assertTrue(io.detail().contains("iocost") || io.detail().contains("neither"), io.detail());
  }

  private static long startAndKillTheAgent(Path tmp, String jobId, List<String> jvmArgs,
      String... command) throws Exception {
    return ChildJvm.agentKilledAfterStart(tmp, Path.of(System.getProperty("ffrtmp.state")),
        jobId, jvmArgs, command);
  }

  @Test
  void recovery_endedWhileNoAgentRan_andOomAfterRecovery(TestInfo info, @TempDir Path tmp)
      throws Exception {
    String id = job(info);
    long pid = startAndKillTheAgent(tmp, id + "-a", List.of(), "sh", "-c", "sleep 1; exit 7");
    assertTrue(Host.awaitGone(pid, 60_000));
    Thread.sleep(1000);
    List<GovernedWorkload> a = Workload.recover(id + "-a");
    assertEquals(1, a.size());
    WorkloadReport ra = a.get(0).awaitReport(Duration.ofSeconds(60));
    assertEquals(7, ra.exitCode(), ra.toJson());
    assertEquals("cgroup-v2", ra.strategy());
    assertTrue(ra.usage().cpuUserSec() != null, "usage from the keeper's copy: " + ra.toJson());

    startAndKillTheAgent(tmp, id + "-b", List.of("-Dffrtmp.test.memoryMb=64"), "sh", "-c",
        "sleep 2; exec dd if=/dev/zero of=/dev/null bs=256M count=1");
    List<GovernedWorkload> b = Workload.recover(id + "-b");
    assertEquals(1, b.size());
    WorkloadReport rb = b.get(0).awaitReport(Duration.ofSeconds(120));
    assertEquals(ExitReason.OOM, rb.exitReason(), rb.toJson());
    assertTrue(Host.awaitGoneDir(ROOT.resolve("ffrtmp-wrapper-" + id + "-a"), 20_000));
    assertTrue(Host.awaitGoneDir(ROOT.resolve("ffrtmp-wrapper-" + id + "-b"), 20_000));
  }

  /**
   * A keeper killed while no agent runs: its workload is found by its recorded pid, watched to
   * its end, reported {@code unknown} with the reason, and its cgroup released.
   */
  @Test
  void recovery_aKilledKeeper_itsWorkloadIsWatchedToItsEnd_andItsCgroupReleased(TestInfo info,
      @TempDir Path tmp) throws Exception {
    String id = job(info);
    long pid = startAndKillTheAgent(tmp, id, List.of("-Dffrtmp.test.memoryMb=64"), "sleep",
        "3");
    long keeper = io.ffrtmp.testing.Keepers.kill(pid);
    io.ffrtmp.testing.Keepers.recoverAfterItsKeeperDied(id, pid, keeper, 2,
        Duration.ofSeconds(60));
    assertTrue(Host.awaitGoneDir(ROOT.resolve("ffrtmp-wrapper-" + id), 20_000));
  }

  @Test
  void workloadAndItsChildren_areAllInTheCgroup(TestInfo info) throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "sleep 30 & echo $!; sh -c 'exec sleep 30' & echo $!; wait"))
        .withJobId(id).withMemoryLimitMb(128).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(
        w.process().orElseThrow().getInputStream()));
    List<Long> kids = List.of(Long.parseLong(out.readLine()), Long.parseLong(out.readLine()));
    String procs = read(ROOT.resolve("ffrtmp-wrapper-" + id).resolve("cgroup.procs"));
    for (long pid : List.of(w.pid(), kids.get(0), kids.get(1))) {
      assertEquals("0::/ffrtmp-wrapper-" + id, read(Path.of("/proc/" + pid + "/cgroup")));
      assertTrue(procs.lines().anyMatch(l -> l.equals(Long.toString(pid))), procs);
    }
    // born there (clone3 into the cgroup): the keeper, the workload's parent, never moved
    long keeper = ProcessHandle.of(w.pid()).orElseThrow().parent().orElseThrow().pid();
    assertEquals(read(Path.of("/proc/self/cgroup")), read(Path.of("/proc/" + keeper + "/cgroup")),
        "the keeper stays in the JVM's cgroup");
    assertTrue(procs.lines().noneMatch(l -> l.equals(Long.toString(keeper))), procs);
    kids.forEach(Host::killQuietly);
    WorkloadReport r = w.onExit().get(60, TimeUnit.SECONDS);
    assertEquals(ExitReason.SUCCESS, r.exitReason());
  }

  @Test
  void allocation256MbUnder64Mb_isOom_withTheKernelsCounter(TestInfo info) throws Exception {
    WorkloadReport r = Workload.run("dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1")
        .withJobId(job(info)).withMemoryLimitMb(64).start().onExit().get(300, TimeUnit.SECONDS);
    assertEquals(ExitReason.OOM, r.exitReason(), r.toJson());
    assertEquals("SIGKILL", r.signal());
    assertTrue(r.usage().oomKills() >= 1, r.toJson());
    assertTrue(r.usage().memoryPeakBytes() <= 64L << 20, r.toJson());
  }

  @Test
  void cpuHogUnderQuota20_isThrottled_andItsCgroupIsGoneAfterExit(TestInfo info)
      throws Exception {
    String id = job(info);
    GovernedWorkload w = Workload.run("/bin/sh", "-c", "while :; do :; done")
        .withJobId(id).withCpuQuota(20).withTimeout(Duration.ofSeconds(3), Duration.ZERO).start();
    Path dir = ROOT.resolve("ffrtmp-wrapper-" + id);
    Thread.sleep(1500);
    long throttled = ControlFiles.keyed(Files.readString(dir.resolve("cpu.stat")), "nr_throttled");
    WorkloadReport r = w.onExit().get(120, TimeUnit.SECONDS);
    assertTrue(throttled > 0, "nr_throttled " + throttled);
    assertTrue(r.usage().cpuThrottledSec() > 0, r.toJson());
    assertEquals(ExitReason.TIMEOUT, r.exitReason());
    assertTrue(Host.awaitGoneDir(dir, 5000), "cgroup removed after exit");
  }

  @Test
  void timeout_killsEveryMember_throughCgroupKill(TestInfo info) throws Exception {
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "setsid sh -c 'trap \"\" TERM; sleep 60' & echo $!; trap '' TERM; sleep 60"))
        .withJobId(job(info)).withTimeout(Duration.ofSeconds(2), Duration.ofMillis(500)).start();
    long escaped = Long.parseLong(new BufferedReader(new InputStreamReader(
        w.process().orElseThrow().getInputStream())).readLine().trim());
    WorkloadReport r = w.onExit().get(120, TimeUnit.SECONDS);
    assertEquals(ExitReason.TIMEOUT, r.exitReason());
    assertTrue(Host.awaitGone(escaped, 10_000), "the child outside the process group was killed");
  }

  @Test
  void attach_movesTheProcessIntoTheCgroup_andNoticesItsExit(TestInfo info) throws Exception {
    String id = job(info);
    Process p = new ProcessBuilder("sleep", "30").start();
    try {
      GovernedWorkload w = Workload.attach(p.pid()).withJobId(id).withCpuQuota(50).start();
      assertEquals("0::/ffrtmp-wrapper-" + id, read(Path.of("/proc/" + p.pid() + "/cgroup")));
      p.destroy();
      WorkloadReport r = w.onExit().get(60, TimeUnit.SECONDS);
      assertEquals(ExitReason.UNKNOWN, r.exitReason());
      assertEquals("cgroup-v2", r.strategy());
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  @Test
  void attach_aProcessTree_andAMemoryHogUnderASmallLimit_isOom(TestInfo info) throws Exception {
    String id = job(info);
    Process p = new ProcessBuilder("/bin/sh", "-c",
        "sleep 60 & read x; exec dd if=/dev/zero of=/dev/null bs=256M count=1").start();
    try {
      long kid = -1;
      for (int i = 0; i < 500 && kid < 0; i++) {
        kid = p.descendants().findFirst().map(ProcessHandle::pid).orElse(-1L);
        Thread.sleep(10);
      }
      GovernedWorkload w = Workload.attach(p.pid()).withJobId(id).withMemoryLimitMb(64).start();
      assertEquals("0::/ffrtmp-wrapper-" + id, read(Path.of("/proc/" + kid + "/cgroup")),
          "the existing child was adopted too");
      p.getOutputStream().write('\n');
      p.getOutputStream().flush();
      WorkloadReport r = w.onExit().get(300, TimeUnit.SECONDS);
      assertEquals(ExitReason.OOM, r.exitReason(), r.toJson());
      assertTrue(r.usage().oomKills() >= 1, r.toJson());
      Host.killQuietly(kid);
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
    }
  }

  @Test
  void attach_threeRapidCyclesWithRestore_andNiceOnEveryThread(TestInfo info, @TempDir Path tmp)
      throws Exception {
    String id = job(info);
    Process jvm = new ProcessBuilder(ChildJvm.command(ChildJvm.classpath(), tmp,
        "io.ffrtmp.testing.Threads", List.of("4"))).start();
    try {
      assertEquals("READY", new BufferedReader(new InputStreamReader(jvm.getInputStream()))
          .readLine());
      String before = read(Path.of("/proc/" + jvm.pid() + "/cgroup"));
      for (int i = 0; i < 3; i++) {
        GovernedWorkload w = Workload.attach(jvm.pid()).withJobId(id).withCpuQuota(50)
            .withNice(6).restoreOnDetach(true).start();
        assertEquals("0::/ffrtmp-wrapper-" + id, read(Path.of("/proc/" + jvm.pid() + "/cgroup")));
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + jvm.pid() + "/task"))) {
          for (Path t : (Iterable<Path>) tasks::iterator) {
            String st = Files.readString(t.resolve("stat"));
            assertEquals("6", st.substring(st.lastIndexOf(')') + 2).split(" ")[19 - 3],
                "nice of thread " + t.getFileName());
          }
        }
        assertEquals(ExitReason.DETACHED, w.detach().exitReason());
        assertEquals(before, read(Path.of("/proc/" + jvm.pid() + "/cgroup")), "cgroup restored");
      }
      assertTrue(jvm.isAlive(), "alive and unharmed after three cycles");
      String st = read(Path.of("/proc/" + jvm.pid() + "/stat"));
      assertEquals("0", st.substring(st.lastIndexOf(')') + 2).split(" ")[19 - 3], "nice restored");
    } finally {
      jvm.destroyForcibly().waitFor();
    }
  }

  @Test
  void hundredSequentialRuns_leaveNoCgroupBehind(TestInfo info) throws Exception {
    String id = job(info);
    for (int i = 0; i < 100; i++) {
      WorkloadReport r = Workload.run("/bin/true").withJobId(id).withCpuQuota(100)
          .withMemoryLimitMb(64).start().awaitReport();
      assertEquals(0, r.exitCode());
      assertEquals(List.of(), r.warnings());
    }
    try (Stream<Path> s = Files.list(ROOT)) {
      assertEquals(0, s.filter(p -> p.getFileName().toString().startsWith("ffrtmp-wrapper-" + id))
          .count());
    }
  }

  @Test
  void staleCgroups_emptyCollected_populatedLeftAlone(TestInfo info) throws Exception {
    String id = job(info);
    Path empty = ROOT.resolve("ffrtmp-wrapper-" + id + "-empty");
    Path populated = ROOT.resolve("ffrtmp-wrapper-" + id + "-populated");
    Files.createDirectory(empty);
    Files.createDirectory(populated);
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    try {
      Files.writeString(populated.resolve("cgroup.procs"), Long.toString(sleeper.pid()));
      FileTime old = FileTime.from(Instant.now().minus(Duration.ofMinutes(5)));
      Files.setLastModifiedTime(empty, old);
      Files.setLastModifiedTime(populated, old);
      var g = new CgroupV2Strategy().prepare(new io.ffrtmp.spi.GovernanceRequest(id + "-next",
          io.ffrtmp.Constraints.DEFAULTS, false, null));
      assertEquals(List.of(), g.release());
      assertFalse(Files.exists(empty), "empty stale cgroup collected");
      assertTrue(Files.exists(populated), "populated cgroup left alone");
    } finally {
      sleeper.destroyForcibly().waitFor();
      TestCgroups.remove(CgroupFs.REAL, List.of(populated), Duration.ofSeconds(5));
    }
  }

  // ---- the emulator's freeze: no test rewrites the kernel's code ----------------------------

  /**
   * The cause of the suites' freezes, checked where it lies: switching one of the kernel's static
   * keys rewrites the kernel's code while it runs, and under qemu's TCG that now and then froze
   * the guest for good (run-vm-suite.sh, "the kernel's static keys"). The harness holds on, from
   * boot, the keys that cgroups switch; so cgroups with a CPU quota, a cpuset and a memory
   * controller, made and removed 100 times with the vCPUs busy, must leave the kernel's code as
   * it was — compared byte for byte while the first and the last of them exist. Without the
   * holder the first one already rewrites it (the cpuset keys, the memory cgroups' socket key;
   * the quota's key in update_curr unless a quota was set before), and a loop like this one
   * froze the guest.
   */
  @Test
  void cgroupsWithAQuotaACpusetAndMemory_madeAndRemovedWithBusyCpus_rewriteNoKernelCode()
      throws Exception {
    Path held = ROOT.resolve("vm-static-keys");
    assertTrue(Files.isDirectory(held), "the harness holds the kernel's static keys in " + held);
    Path cg = ROOT.resolve("ffrtmp-test-static-keys");
    KernelText before = KernelText.now();
    List<String> changed = new ArrayList<>();
    List<Process> busy = KernelText.busyLoops();
    try {
      Files.writeString(ROOT.resolve("cgroup.subtree_control"), "+cpu +cpuset +memory");
      for (int i = 0; i < 100; i++) {
        Files.createDirectory(cg);
        Files.writeString(cg.resolve("cpu.max"), "50000 100000");
        if (i == 0 || i == 99) {
          changed.addAll(before.changedIn(KernelText.now(), 10));
        }
        Files.writeString(cg.resolve("cpu.max"), "max");
        Files.delete(cg);
      }
    } finally {
      KernelText.endLoops(busy);
      Files.deleteIfExists(cg);
    }
    assertEquals(List.of(), changed, "the kernel's code was rewritten: a static key switched");
  }

  // ---- unprivileged users -------------------------------------------------------------------

  private static List<String> asNobody(Path tmp, String cp, List<String> jvmArgs, String... cmd) {
    List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534",
        "--clear-groups", "--"));
    List<String> args = new ArrayList<>(List.of("0", "0"));
    args.addAll(List.of(cmd));
    c.addAll(ChildJvm.command(cp, tmp, jvmArgs, "io.ffrtmp.testing.LaunchMain", args));
    return c;
  }

  private static String worldReadableCp(Path tmp) throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
    return ChildJvm.worldReadableClasspath(Files.createDirectory(tmp.resolve("cp")));
  }

  @Test
  void unprivilegedUserWithADelegatedSubtree_getsEnforcement(@TempDir Path tmp) throws Exception {
    job = "deleg";
    String cp = worldReadableCp(tmp);
    // make sure the root hands cpu and memory down (a run as root in the root cgroup does this)
    Workload.run("/bin/true").withJobId("deleg-warmup").start().awaitReport();
    Path deleg = ROOT.resolve("ffrtmp-test-delegated");
    Files.createDirectory(deleg);
    try {
      for (String f : List.of("", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads")) {
        Path p = f.isEmpty() ? deleg : deleg.resolve(f);
        Files.setAttribute(p, "unix:uid", 65534);
        Files.setAttribute(p, "unix:gid", 65534);
      }
      List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c",
          "echo $$ > " + deleg.resolve("cgroup.procs") + " && exec \"$@\"", "sh"));
      cmd.addAll(asNobody(tmp, cp, List.of("-Dffrtmp.test.memoryMb=96"), "/bin/sh", "-c",
          "read -r cg < /proc/self/cgroup; echo CG $cg; cat /sys/fs/cgroup${cg#0::}/memory.max"));
      Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertTrue(p.waitFor(300, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), out);
      assertTrue(out.contains("CG 0::/ffrtmp-test-delegated/ffrtmp-wrapper-child-jvm\n"), out);
      assertTrue(out.lines().anyMatch(l -> l.equals("100663296")), "memory.max as the user: " + out);
      assertTrue(out.contains("\"strategy\":\"cgroup-v2\""), out);
      assertTrue(!out.contains("WARNING"), out);
    } finally {
      Path sup = deleg.resolve(CgroupV2Strategy.SUPERVISOR_LEAF);
      List<Path> dirs = new ArrayList<>();
      try (Stream<Path> s = Files.list(deleg)) {
        s.filter(Files::isDirectory).forEach(dirs::add);
      }
      dirs.add(deleg);
      assertEquals(List.of(), TestCgroups.remove(CgroupFs.REAL, dirs, Duration.ofSeconds(5)),
          "delegated subtree removed (" + sup + " included)");
    }
  }

  @Test
  void unprivilegedUserWithoutDelegation_degradesWithTheWarning(@TempDir Path tmp) throws Exception {
    job = "nodeleg";
    String cp = worldReadableCp(tmp);
    Process p = new ProcessBuilder(asNobody(tmp, cp, List.of("-Dffrtmp.test.memoryMb=96"),
            "/bin/true")).directory(tmp.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(300, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("WARNING Cannot create cgroup (permission denied)"), out);
    assertTrue(out.contains("\"strategy\":\"nice-fallback\""), out);
    assertTrue(out.contains("\"status\":\"degraded\""), out);
  }

  // ---- an agent in a container: a cgroup namespace whose root is a container's cgroup -------

  /**
   * Runs {@code LaunchMain} with a 64 MB limit "in a container": in a cgroup {@code /<ctr>} of
   * its own (controllers handed down by the root), in new mount and cgroup namespaces, so that
   * {@code /proc/self/cgroup} reads {@code 0::/} and {@code /sys/fs/cgroup} (mounted anew, {@code
   * ro} if asked) is the container's cgroup — which, unlike the machine's root, is not exempt
   * from the no-internal-processes rule. The JVM is {@code exec}ed (the container's only
   * process) unless a shell stays beside it (a shell as PID 1). Returns what it printed.
   */
  private String inContainer(Path tmp, String ctr, boolean readOnly, boolean shellBeside)
      throws Exception {
    Path dir = ROOT.resolve(ctr);
    job = ctr;
    Files.writeString(ROOT.resolve("cgroup.subtree_control"), "+cpu +memory");
    Files.createDirectory(dir);
    try {
      List<String> java = ChildJvm.command(ChildJvm.classpath(), tmp,
          List.of("-Dffrtmp.test.memoryMb=64", "-Dffrtmp.test.jobId=" + ctr),
          "io.ffrtmp.testing.LaunchMain", List.of("0", "0", "/bin/true"));
      String javaLine = String.join(" ", java.stream().map(a -> "'" + a + "'").toList());
      String inner = "umount -l /sys/fs/cgroup && mount -t cgroup2 " + (readOnly ? "-o ro " : "")
          + "none /sys/fs/cgroup && cat /proc/self/cgroup && "
          + (shellBeside ? javaLine + "; echo shell-beside-done" : "exec " + javaLine);
      String outer = "echo $$ > " + dir.resolve("cgroup.procs") + " && exec unshare --mount"
          + " --propagation private --cgroup sh -c \"" + inner + "\"";
      Process p = new ProcessBuilder("sh", "-c", outer).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertTrue(p.waitFor(100, TimeUnit.SECONDS), out);
      assertEquals(0, p.exitValue(), out);
      assertTrue(out.startsWith("0::/\n"), "in its own cgroup namespace: " + out);
      return out;
    } finally {
      List<Path> dirs = new ArrayList<>();
      try (Stream<Path> s = Files.walk(dir)) {
        s.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder())
            .forEach(dirs::add);
      }
      for (Path d : dirs) {
        MemberSignals.signalMembers(CgroupFs.REAL, d.resolve("cgroup.procs"), 9, 0);
      }
      assertEquals(List.of(), TestCgroups.remove(CgroupFs.REAL, dirs, Duration.ofSeconds(5)),
          "the container's cgroups removed");
    }
  }

  private static String reportOf(String out) {
    return out.lines().filter(l -> l.startsWith("REPORT ")).findFirst()
        .orElseThrow(() -> new AssertionError("no report: " + out)).substring(7);
  }

  /** The JVM alone in the container: it moves into a leaf, and the limits are enforced. */
  @Test
  void container_theJvmAlone_enforcesItsLimits(@TempDir Path tmp) throws Exception {
    String report = reportOf(inContainer(tmp, "ctr-alone", false, false));
    assertTrue(report.contains("\"strategy\":\"cgroup-v2\""), report);
    assertTrue(report.contains("\"cgroup_path\":\"/ffrtmp-wrapper-ctr-alone\""), report);
    assertTrue(report.contains("{\"constraint\":\"memory_limit_mb\",\"status\":\"applied\""),
        report);
  }

  /** A shell beside the JVM: honest degradation, and the reason says what to change. */
  @Test
  void container_aShellBesideTheJvm_degradesSayingWhatToChange(@TempDir Path tmp)
      throws Exception {
    String out = inContainer(tmp, "ctr-shell", false, true);
    String report = reportOf(out);
    assertTrue(report.contains("\"strategy\":\"nice-fallback\""), report);
    assertTrue(out.contains("other processes (pids ") && out.contains("share this JVM's cgroup")
        && out.contains("exec it from the entrypoint"), out);
    assertTrue(out.contains("shell-beside-done"), out);
  }

  /** A read-only cgroupfs (Kubernetes' default): the reason is the read-only mount, as root. */
  @Test
  void container_aReadOnlyCgroupfs_saysSo(@TempDir Path tmp) throws Exception {
    String out = inContainer(tmp, "ctr-ro", true, false);
    assertTrue(reportOf(out).contains("\"strategy\":\"nice-fallback\""), out);
    assertTrue(out.contains("the cgroup2 file system is mounted read-only here"), out);
    assertFalse(out.contains("permission denied"), out);
  }
}
