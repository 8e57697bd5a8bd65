package io.ffrtmp.cgroups.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.Constraint;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.TestCgroups;
import io.ffrtmp.testing.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The cgroup-v1 backend against the host's real v1 hierarchies (as root). */
class CgroupV1HostTest {
  private final CgroupV1Strategy strategy = new CgroupV1Strategy();
  private Map<String, CgroupV1Strategy.Parent> parents = Map.of();
  private String prefix = "";
  private final List<Long> pids = new ArrayList<>();
  private final List<Path> made = new ArrayList<>();

  @BeforeEach
  void requireV1(TestInfo info) throws Exception {
    Host.require(Host.isRoot(), "cgroup-v1 host tests need root");
    var availability = strategy.probe();
    Host.require(availability.usable(), "cgroup-v1 not usable here: " + availability.reason());
    parents = strategy.hierarchies(null);
    prefix = "t" + ProcessHandle.current().pid() + "-" + info.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (long pid : pids) {
      Host.killQuietly(pid);
      Host.awaitGone(pid, 5000);
    }
    for (Path d : made) {
      try (Stream<Path> files = Files.walk(d)) {
        for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      }
    }
    // nothing of this test may be left behind; remove (and fail on) leftovers
    List<Path> left = leftovers();
    for (Path p : left) {
      TestCgroups.remove(CgroupFs.REAL, List.of(p), Duration.ofSeconds(2));
    }
    assertEquals(List.of(), left, "cgroups left behind");
  }

  /** Leftovers, after giving deferred removals (busy cgroups retried in the background) 2 s. */
  private List<Path> leftovers() throws Exception {
    return TestCgroups.leftovers(parents.values().stream().map(CgroupV1Strategy.Parent::dir)
        .toList(), prefix);
  }

  /**
   * A fresh directory under the build's {@code target/} (the checkout's disk, where the
   * temporary directory may be a tmpfs), deleted after the test; skips, saying why, where even
   * that file system does no block IO to count.
   */
  private Path blockIoDir() throws Exception {
    Path d = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "block-io-");
    made.add(d);
    String type = Files.getFileStore(d).type();
    Host.require(!type.equals("tmpfs") && !type.equals("ramfs"),
        "the build directory is on " + type + ", which does no block IO");
    return d;
  }

  private String job(String suffix) {
    return prefix + suffix;
  }

  private static Enforcement find(WorkloadReport r, String c) {
    return r.enforcement().stream().filter(e -> e.constraint().key().equals(c)).findFirst().orElseThrow();
  }

  @Test
  void selection_picksCgroupV1OnThisHost() throws Exception {
    WorkloadReport r = Workload.run("/bin/true").withJobId(job("")).start().awaitReport();
    assertEquals("cgroup-v1", r.strategy());
    assertTrue(r.cgroupPath().endsWith("/ffrtmp-wrapper-" + job("")), r.cgroupPath());
    assertEquals(ExitReason.SUCCESS, r.exitReason());
    assertNotNull(r.usage().memoryPeakBytes());
    assertEquals(0L, r.usage().oomKills());
  }

  @Test
  void aCgroupParentThatDoesNotExist_isNamedInTheWarning_withWhatToDo() throws Exception {
    String parent = "/ffrtmp-no-such-parent-" + prefix;
    WorkloadReport r = Workload.run("/bin/true").withJobId(job("")).withCgroupParent(parent)
        .withMemoryLimitMb(64).start().awaitReport();
    assertEquals("nice-fallback", r.strategy(), r.toJson());
    assertTrue(r.warnings().stream().anyMatch(w -> w.startsWith("Cannot create cgroup (")
        && w.contains(parent + "/ffrtmp-wrapper-" + job("") + ": no such file or directory")
        && w.contains("the cgroup parent " + parent + " must exist")), r.warnings().toString());
  }

  /**
   * Strict mode and a cgroup that cannot be made: refused naming what a requested limit loses;
   * with no limit that needs the cgroup, nothing asked for is lost, and it runs without it.
   */
  @Test
  void strict_aCgroupThatCannotBeMade_refusesOnlyWhatARequestedLimitLoses() throws Exception {
    String parent = "/ffrtmp-no-such-parent-" + prefix;
    EnforcementException refused = assertThrows(EnforcementException.class,
        () -> Workload.run("/bin/true").withJobId(job("")).withCgroupParent(parent)
            .withMemoryLimitMb(64).requireEnforcement().start());
    assertEquals(List.of(Constraint.MEMORY_LIMIT_MB), refused.unenforced().stream()
        .map(Enforcement::constraint).toList(), refused.getMessage());
    assertTrue(refused.getMessage().contains("memory_limit_mb (cannot create cgroup: "),
        refused.getMessage());
    WorkloadReport r = Workload.run("/bin/true").withJobId(job("")).withCgroupParent(parent)
        .withNice(5).requireEnforcement().start().awaitReport();
    assertEquals("nice-fallback", r.strategy(), r.toJson());
    assertEquals(ExitReason.SUCCESS, r.exitReason(), r.toJson());
    assertTrue(r.warnings().stream().anyMatch(w -> w.startsWith("Cannot create cgroup (")),
        r.warnings().toString());
  }

  @Test
  void limits_areWrittenAndReadBack_andTheWorkloadIsPlacedBeforeItsFirstInstruction()
      throws Exception {
    GovernedWorkload w =
        Workload.run(new ProcessBuilder("/bin/sh", "-c",
                "while read -r l; do echo \"$l\"; done < /proc/self/cgroup;"
                    + " d=$(grep ':cpu:' /proc/self/cgroup | cut -d: -f3);"
                    + " cat /sys/fs/cgroup/cpu$d/cpu.cfs_quota_us /sys/fs/cgroup/cpu$d/cpu.shares;"
                    + " m=$(grep ':memory:' /proc/self/cgroup | cut -d: -f3);"
                    + " cat /sys/fs/cgroup/memory$m/memory.limit_in_bytes"))
            .withJobId(job(""))
            .withCpuQuota(50)
            .withCpuWeight(200)
            .withMemoryLimitMb(64)
            .start();
    String out = new String(w.process().orElseThrow().getInputStream().readAllBytes());
    WorkloadReport r = w.awaitReport();
    assertEquals(0, r.exitCode(), out);
    String leaf = "ffrtmp-wrapper-" + job("");
    for (String ctrl : List.of("cpu", "memory", "freezer")) {
      if (parents.containsKey(ctrl)) {
        assertTrue(out.lines().anyMatch(l -> l.matches("\\d+:([a-z_]+,)*" + ctrl + "(,[a-z_]+)*:.*/"
            + leaf)), ctrl + " membership at the first instruction: " + out);
      }
    }
    // its CPU time and IO are the keeper's accounting: not placed in a cpuacct hierarchy of
    // its own, nor in blkio without an IO weight
    assertFalse(out.lines().anyMatch(l -> l.matches("\\d+:(blkio|cpuacct):.*/" + leaf)), out);
    assertTrue(out.contains("\n50000\n2048\n67108864"), out);
    assertEquals(EnforcementStatus.APPLIED, find(r, "cpu_quota").status());
    assertEquals("50000", find(r, "cpu_quota").detail());
    assertEquals("2048", find(r, "cpu_weight").detail());
    assertEquals("67108864", find(r, "memory_limit_mb").detail());
  }

  /**
   * A launched workload's IO is the keeper's task IO accounting of what it reaped (v1's blkio
   * counted nothing on this project's host): a write of 8 MiB with fsync and a read of it after
   * its pages were dropped from the page cache (that file's only) are reported; the workload is
   * in blkio only when it asks for an IO weight.
   */
  @Test
  void ioUsage_comesFromTheKeepersAccounting_andBlkioIsJoinedOnlyForAnIoWeight()
      throws Exception {
    Path tmp = blockIoDir();
    Path file = tmp.resolve("io-test");
    String leaf = "ffrtmp-wrapper-" + job("");
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "cat /proc/self/cgroup; dd if=/dev/zero of=" + file + " bs=1M count=8 conv=fsync"
                + " 2>/dev/null && dd if=" + file + " iflag=nocache count=0 2>/dev/null"
                + " && cat " + file + " > /dev/null"))
        .withJobId(job("")).withMemoryLimitMb(256).start();
    String out = new String(w.process().orElseThrow().getInputStream().readAllBytes());
    WorkloadReport r = w.awaitReport();
    assertEquals(0, r.exitCode(), out);
    assertFalse(out.lines().anyMatch(l -> l.matches("\\d+:blkio:.*/" + leaf)), out);
    assertTrue(r.usage().ioWriteBytes() != null && r.usage().ioWriteBytes() >= 8L << 20,
        r.toJson());
    assertTrue(r.usage().ioReadBytes() != null && r.usage().ioReadBytes() >= 8L << 20,
        r.toJson());

    if (parents.containsKey("blkio")) {
      WorkloadReport weighted = Workload.run(new ProcessBuilder("/bin/sh", "-c",
              "cat /proc/self/cgroup").redirectOutput(tmp.resolve("cg").toFile()))
          .withJobId(job("")).withIoWeight(50).start().awaitReport();
      String cg = Files.readString(tmp.resolve("cg"));
      assertTrue(cg.lines().anyMatch(l -> l.matches("\\d+:blkio:.*/" + leaf)), cg);
      assertNotNull(weighted.usage().ioWriteBytes(), weighted.toJson());
    }
  }

  /**
   * A workload killed by its timeout (SIGKILL to every member of the cgroup) leaves its keeper
   * alive — a member too, since it joined before its fork — so the keeper records the end: the
   * report has the CPU time and IO that only the keeper's accounting knows.
   */
  @Test
  void killedByTimeout_theKeeperIsSpared_andRecordsTheCounters() throws Exception {
    Path tmp = blockIoDir();
    WorkloadReport r = Workload.run("/bin/sh", "-c", "trap '' TERM; dd if=/dev/zero of="
            + tmp.resolve("f") + " bs=1M count=2 conv=fsync 2>/dev/null; while :; do :; done")
        .withJobId(job("")).withCpuQuota(50)
        .withTimeout(Duration.ofMillis(800), Duration.ofMillis(200))
        .start().onExit().get(30, TimeUnit.SECONDS);
    assertEquals(ExitReason.TIMEOUT, r.exitReason(), r.toJson());
    assertEquals("SIGKILL", r.signal(), r.toJson());
    assertTrue(r.usage().cpuUserSec() != null && r.usage().cpuUserSec() > 0.1, r.toJson());
    assertTrue(r.usage().ioWriteBytes() != null && r.usage().ioWriteBytes() >= 2L << 20,
        r.toJson());
  }

  /**
   * A 50 % quota for 3 s. What a quota promises is a ceiling, and on a shared machine the loop
   * may get less than its quota from the scheduler, so the lower bound counts only the periods
   * in which the kernel throttled it (its {@code nr_throttled}): in each of those it had used
   * its whole 50 ms. On an idle machine both bounds are about 1.5 s; a quota set too low fails
   * the floor (it throttles in every period), one set too high or not at all the ceiling or the
   * period count (the kernel counts periods only where a quota is set).
   */
  @Test
  void cpuQuota50_for3s_consumes1point5s() throws Exception {
    GovernedWorkload w = Workload.run("/bin/sh", "-c", "while :; do :; done")
        .withJobId(job("")).withCpuQuota(50).start();
    pids.add(w.pid());
    Path cpuDir = parents.get("cpu").dirOf(w.cgroupPath().orElseThrow());
    Thread.sleep(3000);
    String stat = Files.readString(cpuDir.resolve("cpu.stat"));
    double cpu = cpuSeconds(w.pid());
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.awaitReport(Duration.ofSeconds(30));
    long periods = cpuStat(stat, "nr_periods");
    long throttled = cpuStat(stat, "nr_throttled");
    System.out.printf("cpu quota 50%%: %.2f s of CPU in %d periods of 100 ms, %d of them"
        + " throttled%n", cpu, periods, throttled);
    assertTrue(periods >= 20, "a quota in force for 3 s: " + stat);
    // the ceiling: 50 ms a period, plus the 10 ms ticks' rounding and the first period's slice
    assertTrue(cpu <= 0.05 * periods * 1.15 + 0.03,
        "CPU " + cpu + " s over the quota's " + 0.05 * periods + " s");
    // the floor: the periods the quota cut short (a loop that wants all of a CPU is throttled
    // in every period in which the scheduler lets it run 50 ms)
    assertTrue(cpu >= 0.05 * throttled * 0.9 - 0.02,
        "CPU " + cpu + " s under the " + 0.05 * throttled + " s of " + throttled
            + " throttled periods");
    assertEquals(ExitReason.SIGNAL, r.exitReason(), r.toJson());
    assertNotNull(r.usage().cpuThrottledSec(), r.toJson());
    assertTrue(throttled == 0 || r.usage().cpuThrottledSec() > 0, r.toJson());
  }

  /** One counter of the cgroup's {@code cpu.stat} (nr_periods, nr_throttled). */
  private static long cpuStat(String stat, String key) {
    Long v = io.ffrtmp.cgroups.ControlFiles.keyed(stat, key);
    assertNotNull(v, key + " in cpu.stat: " + stat);
    return v;
  }

  private static long cpuStat(Path cpuDir, String key) throws Exception {
    return cpuStat(Files.readString(cpuDir.resolve("cpu.stat")), key);
  }

  /** CPU time of a process so far (utime + stime, clock ticks of 10 ms), in seconds. */
  private static double cpuSeconds(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }

  @Test
  void update_raisesTheQuotaWhileItRuns_measured_thenLiftsIt_andTheReportListsEach()
      throws Exception {
    GovernedWorkload w = Workload.run("/bin/sh", "-c", "while :; do :; done").withJobId(job(""))
        .withCpuQuota(20).withMemoryLimitMb(256).start();
    pids.add(w.pid());
    Path cpu = parents.get("cpu").dirOf(w.cgroupPath().orElseThrow());
    Thread.sleep(300);
    double a = cpuSeconds(w.pid());
    long t0 = cpuStat(cpu, "nr_throttled");
    Thread.sleep(1500);
    double under20 = cpuSeconds(w.pid()) - a;
    long t1 = cpuStat(cpu, "nr_throttled");
    // raised to 3 CPUs: a loop of one thread can never reach it, so it is never throttled again
    io.ffrtmp.WorkloadUpdate up = w.update(c -> c.cpuQuota(300));
    assertEquals(List.of(new Enforcement(Constraint.CPU_QUOTA, EnforcementStatus.APPLIED,
        "cpu.cfs_quota_us", "300000")), up.enforcement());
    assertEquals("300000", Files.readString(cpu.resolve("cpu.cfs_quota_us")).trim());
    double b = cpuSeconds(w.pid());
    long t2 = cpuStat(cpu, "nr_throttled");
    Thread.sleep(1500);
    double under300 = cpuSeconds(w.pid()) - b;
    long t3 = cpuStat(cpu, "nr_throttled");
    System.out.printf("1.5 s under quota 20: %.2f s of CPU, throttled in %d periods; under 300"
        + " after the update: %.2f s, throttled in %d%n", under20, t1 - t0, under300, t3 - t2);
    // what a quota guarantees is a ceiling: a busy machine may give the loop less than either
    // quota, never more; the throttle count says which one was in force
    assertTrue(under20 <= 0.5, "quota 20 held: " + under20);
    assertTrue(t1 - t0 >= 1, "quota 20 cut the loop short: " + (t1 - t0) + " periods");
    assertTrue(t3 - t2 <= 1, "quota 300 took effect: still throttled in " + (t3 - t2)
        + " periods");

    io.ffrtmp.WorkloadUpdate lift = w.update(c -> c.cpuQuota(0).memoryLimitMb(0));
    assertTrue(lift.enforced(), lift.toString());
    assertEquals("-1", Files.readString(cpu.resolve("cpu.cfs_quota_us")).trim());
    Path memory = parents.get("memory").dir().resolve("ffrtmp-wrapper-" + job(""));
    assertTrue(Long.parseLong(Files.readString(memory.resolve("memory.limit_in_bytes")).trim())
        > Long.MAX_VALUE / 2, "memory limit lifted");
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.awaitReport(Duration.ofSeconds(10));
    assertEquals(List.of(up, lift), r.updates());
    assertEquals(20L, r.constraints().cpuQuota(), "constraints stay those of the start");
    assertTrue(r.toJson().contains("\"updates\":[{\"at\":\"" + up.at() + "\",\"by\":"
        + ProcessHandle.current().pid() + ",\"requested\":{\"cpu_quota\":300},"
        + "\"enforcement\":[{\"constraint\":\"cpu_quota\",\"status\":\"applied\""), r.toJson());
    assertThrows(IllegalStateException.class, () -> w.update(c -> c.cpuQuota(50)),
        "ended: nothing to update");
  }

  /**
   * v1 refuses a CPU quota above an ancestor's (EINVAL) and the kernel's words, "Invalid
   * argument", do not say why: at the start and in an update, under a cgroup parent of 40 %,
   * the entry names that parent, its quota and what to ask for instead; the start ran without
   * the quota (reset to -1), the update kept the quota the workload had.
   */
  @Test
  void cpuQuotaAboveAnAncestors_isRefusedNamingTheAncestorAndItsQuota() throws Exception {
    String parent = "/ffrtmp-capped-" + prefix;
    List<Path> capped = new ArrayList<>();
    for (var p : strategy.hierarchies(parent).entrySet()) {
      if (!p.getKey().equals("cpuset") && !capped.contains(p.getValue().dir())) {
        CgroupFs.REAL.mkdir(p.getValue().dir());
        capped.add(p.getValue().dir());
      }
    }
    try {
      Path cpu = strategy.hierarchies(parent).get("cpu").dir();
      Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "40000");
      String why = "Invalid argument (cgroup v1 lets no cgroup's CPU quota exceed an"
          + " ancestor's, and " + cpu + " has cpu.cfs_quota_us 40000 per cpu.cfs_period_us"
          + " 100000, 40 % of a CPU: ask for at most 40 %, or raise that cgroup's quota)";

      WorkloadReport started = Workload.run("/bin/true").withJobId(job("-start"))
          .withCgroupParent(parent).withCpuQuota(50).start().awaitReport();
      assertEquals(new Enforcement(Constraint.CPU_QUOTA, EnforcementStatus.FAILED,
          "cpu.cfs_quota_us", "writing 50000 failed: " + why + "; reset to the default -1"),
          find(started, "cpu_quota"), started.toJson());

      GovernedWorkload w = Workload.run("/bin/sleep", "30").withJobId(job("-update"))
          .withCgroupParent(parent).withCpuQuota(20).start();
      pids.add(w.pid());
      io.ffrtmp.WorkloadUpdate up = w.update(c -> c.cpuQuota(100));
      assertEquals(List.of(new Enforcement(Constraint.CPU_QUOTA, EnforcementStatus.FAILED,
          "cpu.cfs_quota_us", "writing 100000 failed: " + why + "; the previous value 20000"
              + " kept")), up.enforcement());
      assertEquals("20000", Files.readString(cpu.resolve(w.cgroupPath().orElseThrow()
          .substring(parent.length() + 1)).resolve("cpu.cfs_quota_us")).trim());
      // within the parent's quota nothing is added to the kernel's words
      assertTrue(w.update(c -> c.cpuQuota(40)).enforced());
      w.terminate(Duration.ZERO);
      w.awaitReport(Duration.ofSeconds(10));
    } finally {
      Collections.reverse(capped);
      assertEquals(List.of(), TestCgroups.remove(CgroupFs.REAL, capped, Duration.ofSeconds(5)),
          "the test's parent cgroups removed");
    }
  }

  @Test
  void update_ofAnAdoptedProcess_changesItsCgroup_andTheReportSaysSo() throws Exception {
    Process p = new ProcessBuilder("sleep", "30").start();
    pids.add(p.pid());
    GovernedWorkload w = Workload.attach(p.pid()).withJobId(job("")).withCpuQuota(20).start();
    Path cpu = parents.get("cpu").dirOf(w.cgroupPath().orElseThrow());
    io.ffrtmp.WorkloadUpdate u = w.update(c -> c.cpuQuota(60).nice(4));
    assertTrue(u.enforced(), u.toString());
    assertEquals("60000", Files.readString(cpu.resolve("cpu.cfs_quota_us")).trim());
    String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
    assertEquals("4", stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
    p.destroy();
    WorkloadReport r = w.awaitReport(Duration.ofSeconds(10));
    assertEquals(WorkloadReport.Mode.ATTACH, r.mode());
    assertEquals(List.of(u), r.updates());
  }

  @Test
  void update_memoryBelowUsage_isRefusedUnlessAllowed_andStrictModePutsEverythingBack()
      throws Exception {
    Path dir = blockIoDir();
    // 32 MiB of page cache charged to the workload's memory cgroup, then it waits
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c", "dd if=/dev/zero of="
        + dir + "/cache bs=1M count=32 status=none; echo written; exec sleep 30"))
        .withJobId(job(""))
        .withCpuQuota(50).withMemoryLimitMb(512).requireEnforcement().start();
    pids.add(w.pid());
    assertEquals("written", new java.io.BufferedReader(new java.io.InputStreamReader(
        w.process().orElseThrow().getInputStream())).readLine());
    Path cpu = parents.get("cpu").dirOf(w.cgroupPath().orElseThrow());
    Path memory = parents.get("memory").dir().resolve("ffrtmp-wrapper-" + job(""));
    io.ffrtmp.EnforcementException e = assertThrows(io.ffrtmp.EnforcementException.class,
        () -> w.update(c -> c.cpuQuota(150).memoryLimitMb(4)));
    assertTrue(e.getMessage().startsWith("strict mode: not updated, cgroup-v1 cannot enforce"
        + " memory_limit_mb (not lowered: the workload uses "), e.getMessage());
    assertEquals(List.of("memory_limit_mb"), e.unenforced().stream()
        .map(x -> x.constraint().key()).toList(), "the cause, not what was put back for it");
    assertEquals("50000", Files.readString(cpu.resolve("cpu.cfs_quota_us")).trim(),
        "strict: the quota changed with it was put back");
    assertEquals(Long.toString(512L << 20),
        Files.readString(memory.resolve("memory.limit_in_bytes")).trim());
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.awaitReport(Duration.ofSeconds(10));
    assertEquals(1, r.updates().size(), "a refused update is listed too");
    assertEquals(List.of(EnforcementStatus.FAILED, EnforcementStatus.FAILED),
        r.updates().get(0).enforcement().stream().map(Enforcement::status).toList());
  }

  @Test
  void update_niceAndOomScore_reachEveryProcessOfTheWorkload_notItsKeeper() throws Exception {
    GovernedWorkload w = Workload.run("/bin/sh", "-c", "sleep 30 & sleep 30 & wait")
        .withJobId(job("")).withCpuQuota(50).start();
    pids.add(w.pid());
    long keeper = ProcessHandle.of(w.pid()).flatMap(ProcessHandle::parent).orElseThrow().pid();
    for (int i = 0; i < 200 && ProcessHandle.of(w.pid()).orElseThrow().children().count() < 2;
        i++) {
      Thread.sleep(10);
    }
    io.ffrtmp.WorkloadUpdate u = w.update(c -> c.nice(7).oomScore(300));
    assertTrue(u.enforced(), u.toString());
    List<Long> members = new ArrayList<>(List.of(w.pid()));
    ProcessHandle.of(w.pid()).orElseThrow().children().forEach(h -> members.add(h.pid()));
    assertEquals(3, members.size(), members.toString());
    for (long pid : members) {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      assertEquals("7", stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16],
          "nice of " + pid);
      assertEquals("300", Files.readString(Path.of("/proc/" + pid + "/oom_score_adj")).trim());
    }
    assertEquals("0", Files.readString(Path.of("/proc/" + keeper + "/oom_score_adj")).trim(),
        "the keeper is not the workload");
    w.terminate(Duration.ZERO);
    w.awaitReport(Duration.ofSeconds(10));
  }

  @Test
  void usage_whileItRuns_isASnapshotOfItsCgroup_andItsRecordsGiveItToAnyProcess()
      throws Exception {
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "x=$(head -c 8000000 /dev/zero | tr '\\0' a); echo held; while :; do :; done"))
        .withJobId(job("")).withCpuQuota(30).withMemoryLimitMb(128).start();
    pids.add(w.pid());
    assertEquals("held", new java.io.BufferedReader(new java.io.InputStreamReader(
        w.process().orElseThrow().getInputStream())).readLine());
    Thread.sleep(1500);
    io.ffrtmp.Usage u = w.usage();
    double cpu = u.cpuUserSec() + u.cpuSystemSec();
    System.out.printf("live usage after 1.5 s under quota 30: cpu %.2f s, throttled %.2f s,"
        + " memory %d bytes%n", cpu, u.cpuThrottledSec(), u.memoryCurrentBytes());
    assertTrue(cpu > 0.1 && cpu < 1.0, "about 30 % of the time so far: " + u);
    assertTrue(u.cpuThrottledSec() > 0, u.toString());
    assertTrue(u.memoryCurrentBytes() >= 8_000_000L, "the 8 MB it holds: " + u);
    List<io.ffrtmp.WorkloadUsage> seen = Workload.recovery().usage(job(""));
    assertEquals(1, seen.size(), seen.toString());
    assertEquals(w.pid(), seen.get(0).pid());
    assertTrue(seen.get(0).usage().memoryCurrentBytes() >= 8_000_000L, seen.toString());
    assertTrue(seen.get(0).toJson().contains("\"memory_current_bytes\":"), seen.get(0).toJson());
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.awaitReport(Duration.ofSeconds(10));
    assertEquals(r.usage(), w.usage(), "reported: the report's usage");
    assertTrue(r.usage().memoryPeakBytes() >= 8_000_000L, r.toJson());
  }

  @Test
  void weights200and50_onOneCore_splitRoughly4to1() throws Exception {
    Host.require(Files.isExecutable(Path.of("/usr/bin/taskset")), "needs taskset");
    GovernedWorkload heavy =
        Workload.run("/usr/bin/taskset", "-c", "0", "/bin/sh", "-c", "while :; do :; done")
            .withJobId(job("-heavy")).withCpuWeight(200)
            .withTimeout(Duration.ofSeconds(3), Duration.ZERO).start();
    GovernedWorkload light =
        Workload.run("/usr/bin/taskset", "-c", "0", "/bin/sh", "-c", "while :; do :; done")
            .withJobId(job("-light")).withCpuWeight(50)
            .withTimeout(Duration.ofSeconds(3), Duration.ZERO).start();
    WorkloadReport h = heavy.onExit().get(30, TimeUnit.SECONDS);
    WorkloadReport l = light.onExit().get(30, TimeUnit.SECONDS);
    double hc = h.usage().cpuUserSec() + h.usage().cpuSystemSec();
    double lc = l.usage().cpuUserSec() + l.usage().cpuSystemSec();
    System.out.printf("weights 200:50 -> CPU %.3f s : %.3f s = %.2f%n", hc, lc, hc / lc);
    assertTrue(hc / lc > 2.5 && hc / lc < 6.5, "ratio " + hc / lc + " roughly 4");
  }

  @Test
  void allocation256MbUnder64MbLimit_isReportedAsOom() throws Exception {
    WorkloadReport r =
        Workload.run("dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1")
            .withJobId(job(""))
            .withMemoryLimitMb(64)
            .start()
            .onExit()
            .get(60, TimeUnit.SECONDS);
    assertEquals(ExitReason.OOM, r.exitReason(), r.toJson());
    assertEquals("SIGKILL", r.signal());
    assertTrue(r.usage().oomKills() >= 1, r.toJson());
    assertTrue(r.usage().memoryPeakBytes() <= 64L << 20, r.toJson());
  }

  /**
   * A fork storm under {@code pids.max = 64}: a subshell forks {@code sleep}s until the kernel
   * refuses (the shell then gives up), the workload itself goes on, and the report counts the
   * refused forks from {@code pids.events}. Bounded even where the limit failed: 200 forks.
   */
  @Test
  void pidsMax64_aForkStormIsContained_andTheRefusedForksAreCounted() throws Exception {
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            TestCgroups.FORK_STORM))
        .withJobId(job("")).withPidsMax(64).withTimeout(Duration.ofSeconds(3), Duration.ZERO)
        .start();
    assertEquals("survived", new java.io.BufferedReader(new java.io.InputStreamReader(
        w.process().orElseThrow().getInputStream())).readLine());
    io.ffrtmp.Usage live = w.usage();
    WorkloadReport r = w.onExit().get(60, TimeUnit.SECONDS);
    assertEquals(EnforcementStatus.APPLIED, find(r, "pids_max").status(), r.toJson());
    assertEquals("pids.max", find(r, "pids_max").mechanism());
    assertTrue(live.pidsCurrent() != null && live.pidsCurrent() <= 64 && live.pidsCurrent() > 32,
        "tasks while it ran: " + live);
    assertTrue(r.usage().pidsLimitHits() != null && r.usage().pidsLimitHits() >= 1, r.toJson());
    assertEquals(ExitReason.TIMEOUT, r.exitReason(), r.toJson());
  }

  /**
   * {@code cpus} confines the workload to the named CPU from its first instruction (its
   * allowed list is the kernel's own word); a CPU the host lacks is refused by the kernel,
   * recorded failed, and the workload still runs, on its parent's CPUs.
   */
  @Test
  void cpus_confineTheWorkloadToTheNamedCpu_andACpuTheHostLacksIsFailedNotFatal()
      throws Exception {
    int last = Runtime.getRuntime().availableProcessors() - 1;
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "grep Cpus_allowed_list /proc/self/status"))
        .withJobId(job("")).withCpus(Integer.toString(last)).start();
    String out = new String(w.process().orElseThrow().getInputStream().readAllBytes()).trim();
    WorkloadReport r = w.awaitReport();
    assertEquals("Cpus_allowed_list:\t" + last, out, r.toJson());
    assertEquals(EnforcementStatus.APPLIED, find(r, "cpus").status(), r.toJson());
    assertEquals("cpuset.cpus", find(r, "cpus").mechanism());
    assertEquals(EnforcementStatus.SKIPPED, find(r, "memory_nodes").status(), r.toJson());

    GovernedWorkload lacking = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "grep Cpus_allowed_list /proc/self/status"))
        .withJobId(job("-lacking")).withCpus("8000").start();
    String all = new String(lacking.process().orElseThrow().getInputStream().readAllBytes());
    WorkloadReport l = lacking.awaitReport();
    assertEquals(0, l.exitCode(), l.toJson());
    assertEquals(EnforcementStatus.FAILED, find(l, "cpus").status(), l.toJson());
    assertTrue(find(l, "cpus").detail().startsWith("writing 8000 failed: ")
        && find(l, "cpus").detail().endsWith("; reset to the default (empty: the parent's set)"),
        l.toJson());
    assertTrue(all.contains("0"), "its parent's CPUs: " + all);
  }

  /**
   * CPUs changed while it runs, through the records as {@code ffrtmp update} does: its tasks
   * move at once, lifting puts back its parent's set (a v1 cpuset cannot be emptied), and the
   * governing JVM's report lists both updates with the lists as JSON strings.
   */
  @Test
  void update_movesARunningWorkloadToOtherCpus_andLiftsTheSet() throws Exception {
    Host.require(Runtime.getRuntime().availableProcessors() >= 2, "needs two CPUs");
    GovernedWorkload w = Workload.run("sleep", "30").withJobId(job("")).withCpus("0").start();
    pids.add(w.pid());
    java.util.function.Supplier<String> allowed =
        () -> TestCgroups.cpusAllowed(w.pid());
    assertEquals("0", allowed.get());
    io.ffrtmp.WorkloadUpdate moved = Workload.recovery()
        .update(job(""), c -> c.cpus("1"), false).get(0);
    assertTrue(moved.enforced(), moved.toJson());
    assertEquals("1", allowed.get());
    io.ffrtmp.WorkloadUpdate lifted = Workload.recovery()
        .update(job(""), c -> c.cpus(""), false).get(0);
    assertTrue(lifted.enforced(), lifted.toJson());
    String parent = Files.readString(parents.get("cpuset").dir().resolve(
        "cpuset.effective_cpus")).trim();
    assertEquals(parent, allowed.get());
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.onExit().get(30, TimeUnit.SECONDS);
    assertEquals(List.of("1", ""), r.updates().stream()
        .map(u -> u.requested().get(io.ffrtmp.Constraint.CPUS)).toList(), r.toJson());
    assertTrue(r.toJson().contains("\"requested\":{\"cpus\":\"1\"}"), r.toJson());
  }

  /**
   * A launched v1 workload joins the pids and cpuset hierarchies only when started with such a
   * limit: an update cannot add one later, and says why (before: "no pids hierarchy mounted",
   * which was not true).
   */
  @Test
  void update_ofALimitWhoseHierarchyTheWorkloadDidNotJoin_saysSo() throws Exception {
    GovernedWorkload w = Workload.run("sleep", "30").withJobId(job("")).start();
    pids.add(w.pid());
    io.ffrtmp.WorkloadUpdate u = w.update(c -> c.pidsMax(64).cpus("0"));
    for (Enforcement e : u.enforcement()) {
      assertEquals(EnforcementStatus.DEGRADED, e.status(), u.toJson());
      assertTrue(e.detail().contains("hierarchy (none is mounted, or the workload did not join"
          + " it: a launched workload joins blkio, pids and cpuset only when started with a"
          + " constraint they carry)"), u.toJson());
    }
    assertEquals(2, u.enforcement().size(), u.toJson());
    w.terminate(Duration.ZERO);
    w.onExit().get(30, TimeUnit.SECONDS);
  }

  /** What cgroup v1 cannot carry is degraded, saying why and what to use instead. */
  @Test
  void memoryHighAndSwapMax_areDegradedOnV1_sayingWhy() throws Exception {
    WorkloadReport r = Workload.run("/bin/true").withJobId(job("")).withMemoryLimitMb(64)
        .withMemoryHighMb(32).withSwapMaxMb(0).start().awaitReport();
    assertEquals(EnforcementStatus.DEGRADED, find(r, "memory_high_mb").status(), r.toJson());
    assertTrue(find(r, "memory_high_mb").detail().startsWith("cgroup v1 has no memory high"
        + " limit"), r.toJson());
    assertEquals(EnforcementStatus.DEGRADED, find(r, "swap_max_mb").status(), r.toJson());
    assertTrue(find(r, "swap_max_mb").detail().contains("memory.memsw.limit_in_bytes"),
        r.toJson());
    assertEquals(EnforcementStatus.APPLIED, find(r, "memory_limit_mb").status(), r.toJson());
    assertTrue(r.warnings().contains("Cannot enforce memory_high_mb: "
        + find(r, "memory_high_mb").detail()), r.warnings().toString());
  }

  @Test
  void childrenOfTheWorkload_areInEveryHierarchy() throws Exception {
    GovernedWorkload w =
        Workload.run(new ProcessBuilder("/bin/sh", "-c", "sleep 30 & echo $!; wait"))
            .withJobId(job(""))
            .withMemoryLimitMb(128)
            .start();
    pids.add(w.pid());
    String line = new java.io.BufferedReader(
        new java.io.InputStreamReader(w.process().orElseThrow().getInputStream())).readLine();
    long child = Long.parseLong(line.trim());
    pids.add(child);
    String cg = Files.readString(Path.of("/proc/" + child + "/cgroup"));
    String leaf = "ffrtmp-wrapper-" + job("");
    for (String ctrl : parents.keySet()) {
      // blkio only with an IO weight, pids only with a pids limit, cpuset only with CPUs or
      // memory nodes, cpuacct only where co-mounted with cpu
      if (!List.of("blkio", "pids", "cpuset", "cpuacct").contains(ctrl)) {
        assertTrue(cg.lines().anyMatch(l -> l.contains(":" + ctrl) && l.endsWith("/" + leaf)),
            ctrl + ": " + cg);
      }
    }
    // the shell first: killed after its child, its `wait` could return and the shell exit 0
    Host.killQuietly(w.pid());
    Host.killQuietly(child);
    WorkloadReport r = w.onExit().get(10, TimeUnit.SECONDS);
    assertEquals(ExitReason.SIGNAL, r.exitReason(), r.toJson());
  }

  /**
   * Runs a script that prints the pid of a child it lets escape its session and process group,
   * under a 500 ms timeout; returns that pid once the report says {@code timeout}.
   */
  private long timedOutWithAnEscapedChild(String script, Duration grace) throws Exception {
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c", script))
        .withJobId(job("")).withTimeout(Duration.ofMillis(500), grace).start();
    String line = new java.io.BufferedReader(
        new java.io.InputStreamReader(w.process().orElseThrow().getInputStream())).readLine();
    long escaped = Long.parseLong(line.trim());
    pids.add(escaped);
    WorkloadReport r = w.onExit().get(20, TimeUnit.SECONDS);
    assertEquals(ExitReason.TIMEOUT, r.exitReason());
    return escaped;
  }

  @Test
  void timeout_killsEveryMemberOfTheCgroup_evenOutsideTheProcessGroup() throws Exception {
    // the child leaves the workload's session and process group: only the cgroup still holds it
    long escaped = timedOutWithAnEscapedChild(
        "setsid sh -c 'trap \"\" TERM; sleep 60' & echo $!; trap '' TERM; sleep 60",
        Duration.ofMillis(200));
    assertTrue(Host.awaitGone(escaped, 5000), "escaped child killed through the cgroup");
  }

  @Test
  void timeout_mainProcessDiesFirst_theMemberIgnoringSigtermIsKilledToo_andTheCgroupGoes()
      throws Exception {
    // sh dies of SIGTERM at once; its escaped child ignores it; the grace is far longer than
    // the test: only the end of the main process can have the rest killed
    long escaped = timedOutWithAnEscapedChild(
        "setsid sh -c 'trap \"\" TERM; sleep 61' & echo $!; wait", Duration.ofSeconds(60));
    assertTrue(Host.awaitGone(escaped, 5000), "the member that ignored SIGTERM is gone");
    for (var parent : parents.values()) {
      assertTrue(Host.awaitGoneDir(parent.dir().resolve("ffrtmp-wrapper-" + job("")), 5000),
          "cgroup removed in " + parent.dir());
    }
  }

  @Test
  void theRealCgroupfs_reportsTheKernelsErrno_notJustText() throws Exception {
    Path dir = parents.get("cpu").dir().resolve("ffrtmp-wrapper-" + job(""));
    CgroupFs.REAL.mkdir(dir);
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    pids.add(sleeper.pid());
    try {
      io.ffrtmp.cgroups.CgroupFsException invalid = org.junit.jupiter.api.Assertions.assertThrows(
          io.ffrtmp.cgroups.CgroupFsException.class,
          () -> CgroupFs.REAL.write(dir.resolve("cpu.shares"), "not-a-number"));
      assertEquals(io.ffrtmp.cgroups.CgroupFsException.EINVAL, invalid.errno());
      CgroupFs.REAL.write(dir.resolve("cgroup.procs"), Long.toString(sleeper.pid()));
      io.ffrtmp.cgroups.CgroupFsException busy = org.junit.jupiter.api.Assertions.assertThrows(
          io.ffrtmp.cgroups.CgroupFsException.class, () -> CgroupFs.REAL.rmdir(dir));
      assertEquals(io.ffrtmp.cgroups.CgroupFsException.EBUSY, busy.errno());
    } finally {
      sleeper.destroyForcibly().waitFor();
      TestCgroups.remove(CgroupFs.REAL, List.of(dir), Duration.ofSeconds(2));
    }
  }

  @Test
  void busyCgroup_isRemovedOnceEmpty_whileTheJvmRuns_longAfterTheWorkloadEnded()
      throws Exception {
    // a background child outlives the workload by 4 s: past the first retries' backoff
    WorkloadReport r = Workload.run("/bin/sh", "-c", "sleep 4 & exit 0").withJobId(job(""))
        .withCpuQuota(50).start().awaitReport();
    assertEquals(ExitReason.SUCCESS, r.exitReason());
    assertTrue(r.warnings().stream().anyMatch(x -> x.contains("still holds processes")),
        r.warnings().toString());
    Path cpuDir = parents.get("cpu").dir().resolve("ffrtmp-wrapper-" + job(""));
    assertTrue(Files.isDirectory(cpuDir), "kept while the child lives");
    for (var parent : parents.values()) {
      assertTrue(Host.awaitGoneDir(parent.dir().resolve("ffrtmp-wrapper-" + job("")), 20_000),
          "collected once empty, by this still running JVM: " + parent.dir());
    }
  }

  @Test
  void governingJvmKilled_workloadRunsOnInItsCgroupWithItsLimits(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    // this test's own job id: another build on the host (its own child JVMs) is left alone
    String child = job("-child");
    Process jvm = new ProcessBuilder(io.ffrtmp.testing.ChildJvm.command(
            io.ffrtmp.testing.ChildJvm.classpath(), tmp, List.of("-Dffrtmp.test.jobId=" + child),
            "io.ffrtmp.testing.LaunchMain", List.of("3", "100", "sleep", "60")))
        .redirectErrorStream(true).start();
    long workload = -1;
    try {
      String line = io.ffrtmp.testing.ChildJvm.pidLine(jvm); // after the inherited-pipe warning
      assertTrue(line != null && line.startsWith("PID "), "child JVM said: " + line);
      workload = Long.parseLong(line.substring(4).trim());
      pids.add(workload);
      jvm.destroyForcibly();
      assertTrue(jvm.waitFor(20, TimeUnit.SECONDS));
      Thread.sleep(200);
      assertTrue(Host.alive(workload), "workload survives SIGKILL of its JVM");
      String cg = Files.readString(Path.of("/proc/" + workload + "/cgroup"));
      assertTrue(cg.lines().anyMatch(l -> l.contains(":cpu:")
          && l.contains("/ffrtmp-wrapper-" + child)), cg);
      assertTrue(cg.lines().anyMatch(l -> l.contains(":memory:")
          && l.contains("/ffrtmp-wrapper-" + child)), cg);
    } finally {
      jvm.destroyForcibly();
      if (workload > 0) {
        long keeper = ProcessHandle.of(workload).flatMap(ProcessHandle::parent)
            .map(ProcessHandle::pid).orElse(-1L);
        Host.killQuietly(workload);
        Host.awaitGone(workload, 5000);
        if (keeper > 1) {
          Host.awaitGone(keeper, 5000); // the keeper records the exit and ends with it
        }
      }
      for (var p : parents.values()) {
        try (Stream<Path> s = Files.list(p.dir())) {
          for (Path d : (Iterable<Path>) s.filter(
              d -> d.getFileName().toString().startsWith("ffrtmp-wrapper-" + child))::iterator) {
            assertEquals(List.of(), TestCgroups.remove(CgroupFs.REAL, List.of(d), Duration.ofSeconds(2)));
          }
        }
      }
    }
  }

  @Test
  void unprivilegedUser_fallsBackToNiceWithTheGuidesWarning(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    Host.require(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    String cp = io.ffrtmp.testing.ChildJvm.worldReadableClasspath(Files.createDirectory(tmp.resolve("cp")));
    Path childTmp = Files.createDirectory(tmp.resolve("tmp"));
    Files.setPosixFilePermissions(childTmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
        "--clear-groups", "--"));
    cmd.addAll(io.ffrtmp.testing.ChildJvm.command(cp, childTmp, "io.ffrtmp.testing.LaunchMain",
        List.of("0", "0", "/bin/true")));
    Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("WARNING Cannot create cgroup (permission denied)"), out);
    assertTrue(out.contains("\"strategy\":\"nice-fallback\""), out);
  }

  @Test
  void twoHundredSequentialRuns_leaveNoCgroupBehind() throws Exception {
    for (int i = 0; i < 200; i++) {
      WorkloadReport r = Workload.run("/bin/true").withJobId(job("")).withCpuQuota(100)
          .withMemoryLimitMb(256).start().awaitReport();
      assertEquals(0, r.exitCode());
      assertEquals(List.of(), r.warnings());
    }
    assertEquals(List.of(), leftovers());
  }

  @Test
  void staleCgroups_emptyOnesAreCollectedAtTheNextStart_populatedOnesLeftAlone()
      throws Exception {
    Path cpuParent = parents.get("cpu").dir();
    Path empty = cpuParent.resolve("ffrtmp-wrapper-" + job("-empty"));
    Path populated = cpuParent.resolve("ffrtmp-wrapper-" + job("-populated"));
    Path young = cpuParent.resolve("ffrtmp-wrapper-" + job("-young"));
    Path foreign = cpuParent.resolve("not-ffrtmp-" + job(""));
    Files.createDirectory(empty);
    Files.createDirectory(populated);
    Files.createDirectory(young);
    Files.createDirectory(foreign);
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    pids.add(sleeper.pid());
    try {
      Files.writeString(populated.resolve("cgroup.procs"), Long.toString(sleeper.pid()));
      FileTime old = FileTime.from(Instant.now().minus(Duration.ofMinutes(5)));
      Files.setLastModifiedTime(empty, old);
      Files.setLastModifiedTime(populated, old);

      // a fresh backend instance is what a new JVM has: its first start sweeps
      var next = new CgroupV1Strategy().prepare(
          new io.ffrtmp.spi.GovernanceRequest(job("-next"), io.ffrtmp.Constraints.DEFAULTS,
              false, null));
      assertEquals(List.of(), next.release());

      assertFalse(Files.exists(empty), "empty stale cgroup collected");
      assertTrue(Files.exists(populated), "populated cgroup left alone");
      assertTrue(Files.exists(young), "a cgroup younger than 30 s may be another JVM's start");
      assertTrue(Files.exists(foreign), "not the project's: never touched");
    } finally {
      sleeper.destroyForcibly().waitFor();
      for (Path p : List.of(populated, young, foreign)) {
        TestCgroups.remove(CgroupFs.REAL, List.of(p), Duration.ofSeconds(2));
      }
    }
  }

  /**
   * {@code io_max}: 3 MiB written with {@code O_DIRECT} to a file in {@code target/} under {@code
   * wbps=1M} takes about 3 s (unthrottled, milliseconds); the device is given by the file's
   * path and found by the library; the report names the four v1 files and the limit.
   */
  @Test
  void ioMax_throttlesDirectWritesToTheDiskOfAFile() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "io-max");
    made.add(dir);
    WorkloadReport r = TestCgroups.threeMibAtOneMibPerSecond(job(""), dir);
    Enforcement e = find(r, "io_max");
    assertEquals("blkio.throttle.{read,write}_{bps,iops}_device", e.mechanism());
    assertEquals(TestCgroups.diskOf(dir) + " wbps=1048576", e.detail(), r.toJson());
    assertEquals(3L << 20, Files.size(dir.resolve("a.bin")));
  }

  /**
   * IO limits changed while it runs, through the records as {@code ffrtmp update} does: a
   * direct write of 64 MiB at 1 MiB/s (a minute) ends within seconds once the limit is lifted;
   * the kernel's file shows each state and the report lists both updates.
   */
  @Test
  void update_liftsAnIoLimit_andTheThrottledWriteFinishesAtOnce() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "io-max");
    made.add(dir);
    String disk = TestCgroups.diskOf(dir);
    GovernedWorkload w = Workload.run(TestCgroups.directWrite(dir.resolve("out.bin"), 1024))
        .withJobId(job("")).withIoMax(disk + " wbps=1M")
        .withTimeout(Duration.ofSeconds(120), Duration.ZERO).start();
    pids.add(w.pid());
    Path throttle = parents.get("blkio").dir().resolve(w.cgroupPath().orElseThrow()
        .replaceFirst("^/+", "")).resolve("blkio.throttle.write_bps_device");
    assertEquals(disk + " 1048576", Files.readString(throttle).trim());
    io.ffrtmp.WorkloadUpdate raised = Workload.recovery()
        .update(job(""), c -> c.ioMax(disk + " wbps=2M riops=1000"), false).get(0);
    assertTrue(raised.enforced(), raised.toJson());
    assertEquals(disk + " 2097152", Files.readString(throttle).trim());
    long t0 = System.nanoTime();
    io.ffrtmp.WorkloadUpdate lifted = Workload.recovery()
        .update(job(""), c -> c.ioMax(""), false).get(0);
    assertTrue(lifted.enforced(), lifted.toJson());
    assertEquals("", Files.readString(throttle).trim());
    WorkloadReport r = w.onExit().get(60, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(0, r.exitCode(), r.toJson());
    assertTrue(seconds < 30, "64 MiB took " + seconds + " s after the lift: " + r.toJson());
    assertEquals(List.of(disk + " wbps=2097152 riops=1000", ""), r.updates().stream()
        .map(u -> u.requested().get(io.ffrtmp.Constraint.IO_MAX)).toList(), r.toJson());
  }

  /**
   * {@code killRemainingAtEnd()} kills what escaped the process group too: a daemon the main
   * process started in a session of its own is still in the workload's cgroup, killed when the
   * main process ends; the cgroup is then empty, and no warning names an outliving process.
   */
  @Test
  void killRemainingAtEnd_killsADaemonInTheCgroup_andNothingOutlivesTheWorkload()
      throws Exception {
    GovernedWorkload w = Workload.run(new ProcessBuilder("/bin/sh", "-c", "setsid sleep 300 & echo $!"))
        .withJobId(job("")).killRemainingAtEnd().start();
    long daemon = Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(
        w.process().orElseThrow().getInputStream())).readLine().trim());
    pids.add(daemon);
    WorkloadReport r = w.onExit().get(30, TimeUnit.SECONDS);
    assertTrue(Host.awaitGone(daemon, 5000), "the daemon was killed: " + r.toJson());
    assertTrue(r.warnings().stream().noneMatch(x -> x.contains("outlived")), r.toJson());
    assertEquals(0, r.exitCode(), r.toJson());
  }
}
