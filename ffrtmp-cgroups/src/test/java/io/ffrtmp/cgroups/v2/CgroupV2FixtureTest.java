package io.ffrtmp.cgroups.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.Usage;
import io.ffrtmp.cgroups.FixtureCgroupFs;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceRequest;
import io.ffrtmp.spi.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cgroup-v2 backend's preparation, limits, read-back, reset, usage and removal against a
 * fixture cgroupfs that keeps v2's rules ({@code subtree_control}, no internal processes), so
 * that an ordinary build on any machine exercises the v2 code; {@code CgroupV2VmSuite} runs the
 * same backend against a real v2 kernel.
 */
class CgroupV2FixtureTest {
  private static final Constraints ALL =
      Constraints.builder().cpuQuota(50).cpuWeight(200).memoryLimitMb(256).ioWeight(50).build();

  @TempDir Path tmp;
  private Path root;
  private Path sysBlock;
  private FixtureCgroupFs fs;

  /** A v2 hierarchy whose root offers {@code controllers}; the JVM's cgroup is {@code own}. */
  private CgroupV2Strategy host(String controllers, String own,
      UnaryOperator<Map<String, String>> newCgroupFiles) throws IOException {
    root = Files.createDirectories(tmp.resolve("cg"));
    fs = new FixtureCgroupFs(root, true, dir -> {
      try {
        return newCgroupFiles.apply(new LinkedHashMap<>(FixtureCgroupFs.v2Files(
            fs.read(dir.getParent().resolve("cgroup.subtree_control")))));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    fs.put(root.resolve("cgroup.controllers"), controllers);
    fs.put(root.resolve("cgroup.subtree_control"), "");
    fs.put(root.resolve("cgroup.procs"), "");
    // iocost enabled for one device: io.weight takes effect
    fs.put(root.resolve("io.cost.qos"), "8:0 enable=1 ctrl=auto rpct=0.00 rlat=250000 wpct=0.00"
        + " wlat=250000 min=1.00 max=10000.00");
    sysBlock = Files.createDirectories(tmp.resolve("sys-block"));
    scheduler("vda", "[mq-deadline] kyber bfq none");
    Path proc = Files.createDirectories(tmp.resolve("proc"));
    Files.writeString(proc.resolve("mountinfo"),
        "40 30 0:37 / " + root + " rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n");
    Files.writeString(proc.resolve("cgroup"), "0::" + own + "\n");
    return new CgroupV2Strategy(fs, proc, sysBlock);
  }

  private void scheduler(String device, String line) throws IOException {
    Path q = Files.createDirectories(sysBlock.resolve(device).resolve("queue"));
    Files.writeString(q.resolve("scheduler"), line + "\n");
  }

  private CgroupV2Strategy host(String controllers, String own) throws IOException {
    return host(controllers, own, UnaryOperator.identity());
  }

  private static GovernanceRequest request(Constraints c) {
    return new GovernanceRequest("job-1", c, false, null);
  }

  private static Enforcement entry(Governance g, Constraint c) {
    return g.enforcement().stream().filter(e -> e.constraint() == c).findFirst()
        .orElseThrow();
  }

  /**
   * Once the parent hands cpu, memory, io and pids down, a launch reads its subtree_control
   * only.
   */
  @Test
  void parentAlreadyHandingEverythingDown_isNotAskedWhatItHas() throws Exception {
    CgroupV2Strategy strategy = host("cpuset cpu io memory pids", "/");
    strategy.prepare(request(ALL)).release();
    assertEquals("cpu io memory pids", fs.read(root.resolve("cgroup.subtree_control")));
    Files.delete(root.resolve("cgroup.controllers")); // a read of it would now fail the start
    Governance g = strategy.prepare(request(ALL));
    assertTrue(g.enforcement().stream().allMatch(Enforcement::enforced), g.enforcement()::toString);
    g.release();
  }

  @Test
  void rootCgroup_enablesTheControllersInTheRoot_andWritesEveryLimitWithReadBack()
      throws Exception {
    Governance g = host("cpuset cpu io memory pids", "/").prepare(request(ALL));
    assertEquals("cpu io memory pids", fs.read(root.resolve("cgroup.subtree_control")),
        "cpu, memory, io and pids are enabled for the children, nothing else");
    assertEquals("/ffrtmp-wrapper-job-1", g.cgroupPath());
    Path leaf = root.resolve("ffrtmp-wrapper-job-1");
    assertEquals(List.of(leaf.resolve("cgroup.procs")), g.joinFiles());
    assertEquals("50000 100000", fs.read(leaf.resolve("cpu.max")));
    assertEquals("200", fs.read(leaf.resolve("cpu.weight")));
    assertEquals("268435456", fs.read(leaf.resolve("memory.max")));
    assertEquals("1", fs.read(leaf.resolve("memory.oom.group")), "an OOM kill takes the group");
    assertEquals("default 5000", fs.read(leaf.resolve("io.weight")));
    assertEquals(List.of("cpu_quota", "cpu_weight", "memory_limit_mb", "io_weight",
        "memory_high_mb", "swap_max_mb", "pids_max", "cpus", "memory_nodes", "io_max"),
        g.enforcement().stream().map(x -> x.constraint().key()).toList(), "Constraint order");
    for (Enforcement e : g.enforcement()) {
      assertEquals(ALL.isRequested(e.constraint()) ? EnforcementStatus.APPLIED
          : EnforcementStatus.SKIPPED, e.status(), e.toString());
    }
    assertEquals("cpu.max", entry(g, Constraint.CPU_QUOTA).mechanism());
    assertEquals("50000 100000", entry(g, Constraint.CPU_QUOTA).detail());
    assertEquals(List.of(), g.warnings());
  }

  @Test
  void defaults_writeNoLimit_andAreSkippedWithTheirMeaning() throws Exception {
    Governance g = host("cpu io memory", "/").prepare(request(Constraints.DEFAULTS));
    for (Enforcement e : g.enforcement()) {
      assertEquals(EnforcementStatus.SKIPPED, e.status(), e.toString());
      assertEquals(e.constraint().defaultMeaning(), e.detail());
    }
    assertTrue(fs.writes.stream().noneMatch(w -> w.startsWith("ffrtmp-wrapper-job-1/")),
        "nothing written into the workload's cgroup: " + fs.writes);
  }

  @Test
  void nestedService_jvmAloneInItsCgroup_movesIntoTheSupervisorLeaf_thenEnablesControllers()
      throws Exception {
    CgroupV2Strategy s = host("cpu io memory pids", "/system.slice/agent.service");
    fs.write(root.resolve("cgroup.subtree_control"), "+cpu +io +memory");
    fs.mkdir(root.resolve("system.slice"));
    fs.write(root.resolve("system.slice/cgroup.subtree_control"), "+cpu +io +memory");
    Path own = root.resolve("system.slice/agent.service");
    fs.mkdir(own);
    String me = Long.toString(ProcessHandle.current().pid());
    fs.put(own.resolve("cgroup.procs"), me);

    Governance g = s.prepare(request(ALL));
    assertEquals(me, fs.read(own.resolve("ffrtmp-supervisor/cgroup.procs")),
        "the JVM moved into its leaf first");
    assertEquals("", fs.read(own.resolve("cgroup.procs")));
    assertEquals("cpu io memory", fs.read(own.resolve("cgroup.subtree_control")));
    assertEquals("/system.slice/agent.service/ffrtmp-wrapper-job-1", g.cgroupPath());
    assertEquals("50000 100000", fs.read(own.resolve("ffrtmp-wrapper-job-1/cpu.max")));
    // the layout is kept: a second workload needs no second move
    Governance second = s.prepare(request(ALL));
    assertEquals("/system.slice/agent.service/ffrtmp-wrapper-job-1-2", second.cgroupPath());
  }

  @Test
  void nestedService_sharedWithOtherProcesses_isRefusedNamingTheRule() throws Exception {
    CgroupV2Strategy s = host("cpu io memory", "/system.slice/agent.service");
    fs.write(root.resolve("cgroup.subtree_control"), "+cpu +io +memory");
    fs.mkdir(root.resolve("system.slice"));
    fs.write(root.resolve("system.slice/cgroup.subtree_control"), "+cpu +io +memory");
    Path own = root.resolve("system.slice/agent.service");
    fs.mkdir(own);
    fs.put(own.resolve("cgroup.procs"), "4242\n" + ProcessHandle.current().pid());
    IOException e = assertThrows(IOException.class, () -> s.prepare(request(ALL)));
    assertTrue(e.getMessage().contains("no-internal-processes"), e.getMessage());
    assertFalse(Files.exists(own.resolve("ffrtmp-supervisor")), "nothing moved");
  }

  /**
   * The newer limits: {@code memory.high}, {@code memory.swap.max} (0 = no swap is a value
   * written) and {@code pids.max}; without the pids controller for the workload's cgroup its
   * limit is degraded, naming the file and the controller, and the rest applied.
   */
  @Test
  void memoryHighSwapAndPids_areWritten_andPidsWithoutItsControllerIsDegraded()
      throws Exception {
    Constraints newer = Constraints.builder().memoryHighMb(32).swapMaxMb(0).pidsMax(64).build();
    Governance g = host("cpu io memory pids", "/").prepare(request(newer));
    Path leaf = root.resolve("ffrtmp-wrapper-job-1");
    assertEquals("33554432", fs.read(leaf.resolve("memory.high")));
    assertEquals("0", fs.read(leaf.resolve("memory.swap.max")));
    assertEquals("64", fs.read(leaf.resolve("pids.max")));
    for (Constraint c : List.of(Constraint.MEMORY_HIGH_MB, Constraint.SWAP_MAX_MB,
        Constraint.PIDS_MAX)) {
      assertEquals(EnforcementStatus.APPLIED, entry(g, c).status(), entry(g, c).toString());
    }
    g.release();
    Governance without = host("cpu io memory", "/").prepare(request(newer));
    Enforcement pids = entry(without, Constraint.PIDS_MAX);
    assertEquals(EnforcementStatus.DEGRADED, pids.status());
    assertEquals("pids.max", pids.mechanism());
    assertEquals("the workload's cgroup has no pids.max: the pids controller is not enabled for"
        + " it", pids.detail());
    assertEquals(EnforcementStatus.APPLIED, entry(without, Constraint.MEMORY_HIGH_MB).status());
    without.release();
  }

  /** cpuset is handed down only for a workload confined to CPUs or memory nodes. */
  @Test
  void cpuset_isEnabledOnlyForAWorkloadThatAsksForIt_andTheListsAreWritten() throws Exception {
    CgroupV2Strategy s = host("cpuset cpu io memory pids", "/");
    s.prepare(request(ALL)).release();
    assertEquals("cpu io memory pids", fs.read(root.resolve("cgroup.subtree_control")));
    Governance g = s.prepare(request(Constraints.builder().cpus("1,0").memoryNodes("0")
        .build()));
    assertEquals("cpu cpuset io memory pids", fs.read(root.resolve("cgroup.subtree_control")));
    Path leaf = root.resolve("ffrtmp-wrapper-job-1");
    assertEquals("0-1", fs.read(leaf.resolve("cpuset.cpus")));
    assertEquals("0", fs.read(leaf.resolve("cpuset.mems")));
    assertEquals(EnforcementStatus.APPLIED, entry(g, Constraint.CPUS).status());
    assertEquals("0-1", entry(g, Constraint.CPUS).detail());
    g.release();
  }

  @Test
  void withoutTheIoController_ioWeightIsDegradedWithTheReason_andTheRestApplied()
      throws Exception {
    Governance g = host("cpu memory pids", "/").prepare(request(ALL));
    assertEquals("cpu memory pids", fs.read(root.resolve("cgroup.subtree_control")));
    Enforcement io = entry(g, Constraint.IO_WEIGHT);
    assertEquals(EnforcementStatus.DEGRADED, io.status());
    assertTrue(io.detail().startsWith("neither io.weight nor io.bfq.weight exists"), io.detail());
    assertEquals(EnforcementStatus.APPLIED, entry(g, Constraint.MEMORY_LIMIT_MB).status());
    assertEquals(List.of("Cannot enforce io_weight: " + io.detail()), g.warnings());
  }

  @Test
  void ioWeight_withoutIocost_isDegraded_notAppliedWithoutEffect() throws Exception {
    CgroupV2Strategy s = host("cpu io memory", "/");
    fs.put(root.resolve("io.cost.qos"), "");
    Governance g = s.prepare(request(ALL));
    Enforcement io = entry(g, Constraint.IO_WEIGHT);
    assertEquals(EnforcementStatus.DEGRADED, io.status());
    assertEquals("io.weight", io.mechanism());
    assertTrue(io.detail().startsWith("io.weight has no effect: the iocost controller is enabled"
        + " for no device"), io.detail());
    assertEquals("default 100", fs.read(root.resolve("ffrtmp-wrapper-job-1/io.weight")),
        "nothing written");
  }

  @Test
  void ioBfqWeight_withoutADeviceUnderBfq_isDegradedNamingTheSchedulers() throws Exception {
    CgroupV2Strategy s = host("cpu io memory", "/", files -> {
      files.remove("io.weight");
      files.put("io.bfq.weight", "default 100");
      return files;
    });
    Governance g = s.prepare(request(ALL));
    Enforcement io = entry(g, Constraint.IO_WEIGHT);
    assertEquals(EnforcementStatus.DEGRADED, io.status());
    assertEquals("no block device uses the bfq IO scheduler, so its weights have no effect"
        + " (vda:mq-deadline)", io.detail());
  }

  /**
   * An {@code io.max} in a form this version cannot read is a refused write: the limit is
   * {@code failed} naming the file, and the start goes on (it threw before).
   */
  @Test
  void ioMax_inAFormThisVersionCannotRead_isFailed_notAThrownStart() throws Exception {
    CgroupV2Strategy s = host("cpu io memory", "/", files -> {
      files.put("io.max", "8:0 rbps=max wbps=max riops=max wiops=max future=1");
      return files;
    });
    Governance g = s.prepare(request(Constraints.builder().ioMax("8:0 wbps=1M").build()));
    Enforcement io = entry(g, Constraint.IO_MAX);
    assertEquals(EnforcementStatus.FAILED, io.status(), io.toString());
    assertTrue(io.detail().startsWith("writing 8:0 wbps=1048576 failed: io.max cannot be read"
        + " as io limits: io_max entry"), io.detail());
    g.release();
  }

  @Test
  void onlyIoBfqWeight_isUsedWithItsOwnFormula() throws Exception {
    CgroupV2Strategy s = host("cpu io memory", "/", files -> {
      files.remove("io.weight");
      files.put("io.bfq.weight", "default 100");
      return files;
    });
    scheduler("sda", "mq-deadline kyber [bfq] none");
    Governance g = s.prepare(request(ALL));
    assertEquals("default 500", fs.read(root.resolve("ffrtmp-wrapper-job-1/io.bfq.weight")));
    assertEquals("io.bfq.weight", entry(g, Constraint.IO_WEIGHT).mechanism());
    assertEquals(EnforcementStatus.APPLIED, entry(g, Constraint.IO_WEIGHT).status());
  }

  @Test
  void refusedWrite_isFailed_andTheFileResetToTheKernelDefault() throws Exception {
    CgroupV2Strategy s = host("cpu io memory", "/");
    fs.refuse("cpu.max", "50000 100000", "Invalid argument");
    Governance g = s.prepare(request(ALL));
    Enforcement q = entry(g, Constraint.CPU_QUOTA);
    assertEquals(EnforcementStatus.FAILED, q.status());
    assertEquals("writing 50000 100000 failed: Invalid argument; reset to the default"
        + " max 100000", q.detail());
    assertEquals("max 100000", fs.read(root.resolve("ffrtmp-wrapper-job-1/cpu.max")));
    assertTrue(g.warnings().contains("Cannot enforce cpu_quota: " + q.detail()), g.warnings()
        .toString());
  }

  @Test
  void shortWrite_readBackDifferent_isFailed_andReset_soNoStricterLimitStays()
      throws Exception {
    CgroupV2Strategy s = host("cpu io memory", "/");
    fs.readBackAs("memory.max", "268435456", "4096");
    Governance g = s.prepare(request(ALL));
    Enforcement m = entry(g, Constraint.MEMORY_LIMIT_MB);
    assertEquals(EnforcementStatus.FAILED, m.status());
    assertTrue(m.detail().startsWith("wrote 268435456, kernel reads back 4096"), m.detail());
    assertEquals("max", fs.read(root.resolve("ffrtmp-wrapper-job-1/memory.max")));
    assertEquals("0", fs.read(root.resolve("ffrtmp-wrapper-job-1/memory.oom.group")),
        "no oom.group without a memory limit in force");
  }

  @Test
  void usage_isReadFromTheKernelsCounters() throws Exception {
    Governance g = host("cpu io memory", "/").prepare(request(ALL));
    Path leaf = root.resolve("ffrtmp-wrapper-job-1");
    fs.put(leaf.resolve("cpu.stat"), "usage_usec 3500000\nuser_usec 2500000\nsystem_usec 1000000\n"
        + "nr_periods 40\nnr_throttled 12\nthrottled_usec 750000\n");
    fs.put(leaf.resolve("memory.peak"), "123456789\n");
    fs.put(leaf.resolve("memory.events"), "low 0\nhigh 5\nmax 7\noom 1\noom_kill 1\n"
        + "oom_group_kill 1\n");
    fs.put(leaf.resolve("pids.events"), "max 9\n");
    fs.put(leaf.resolve("io.stat"), "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
        + "8:16 rbytes=1 wbytes=2 rios=1 wios=1 dbytes=0 dios=0\n");
    fs.put(leaf.resolve("memory.current"), "4096000\n");
    fs.put(leaf.resolve("memory.swap.current"), "8192\n");
    fs.put(leaf.resolve("pids.current"), "3\n");
    fs.put(leaf.resolve("cpu.pressure"), "some avg10=12.50 avg60=3.00 avg300=1.00 total=999\n"
        + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
    fs.put(leaf.resolve("memory.pressure"), "some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n"
        + "full avg10=0.00 avg60=0.00 avg300=0.00 total=4\n");
    assertEquals(new Usage(2.5, 1.0, 0.75, 123456789L, 1L, 4097L, 8194L, 4096000L, 8192L, 3L,
        new io.ffrtmp.Pressure(new io.ffrtmp.Pressure.Stall(12.5, 3, 1, 999),
            new io.ffrtmp.Pressure.Stall(0, 0, 0, 0), new io.ffrtmp.Pressure.Stall(0, 0, 0, 5),
            new io.ffrtmp.Pressure.Stall(0, 0, 0, 4), null, null), 9L, 5L), g.usage());
  }

  @Test
  void usage_withoutMemoryPeak_fallsBackToMemoryCurrent_asBefore519() throws Exception {
    Governance g = host("cpu io memory", "/", files -> {
      files.remove("memory.peak");
      return files;
    }).prepare(request(ALL));
    fs.put(root.resolve("ffrtmp-wrapper-job-1/memory.current"), "4242");
    assertEquals(4242L, g.usage().memoryPeakBytes());
  }

  @Test
  void release_removesTheCgroup_andAdoptAndMoveBackWriteCgroupProcs() throws Exception {
    Governance g = host("cpu io memory", "/").prepare(request(ALL));
    Path leaf = root.resolve("ffrtmp-wrapper-job-1");
    g.adopt(4242);
    assertEquals("4242", fs.read(leaf.resolve("cgroup.procs")));
    g.moveBack(4242, "0::/\n");
    assertEquals("4242", fs.read(root.resolve("cgroup.procs")));
    assertEquals("", fs.read(leaf.resolve("cgroup.procs")));
    g.signalAll(Processes.SIGKILL, 0);
    assertTrue(fs.writes.contains("ffrtmp-wrapper-job-1/cgroup.kill=1"), "cgroup.kill used");
    assertEquals(List.of(), g.release());
    assertFalse(Files.exists(leaf));
  }

  /**
   * A keeper that had to join the cgroup (clone3 refused) is spared by the kill: cgroup.kill,
   * which would take it too, is not used; every other member is killed (real processes stand
   * for the members here). A keeper outside the cgroup leaves cgroup.kill in use.
   */
  @Test
  void aKeeperInsideTheCgroup_isSpared_withoutCgroupKill() throws Exception {
    Governance g = host("cpu io memory", "/").prepare(request(ALL));
    Path leaf = root.resolve("ffrtmp-wrapper-job-1");
    Process keeper = new ProcessBuilder("sleep", "30").start();
    Process member = new ProcessBuilder("sleep", "30").start();
    try {
      fs.put(leaf.resolve("cgroup.procs"), keeper.pid() + "\n" + member.pid() + "\n");
      g.signalAll(Processes.SIGKILL, keeper.pid());
      assertTrue(member.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "the member killed");
      assertTrue(keeper.isAlive(), "the keeper spared");
      assertFalse(fs.writes.contains("ffrtmp-wrapper-job-1/cgroup.kill=1"), fs.writes.toString());
      fs.put(leaf.resolve("cgroup.procs"), "");
      g.signalAll(Processes.SIGKILL, keeper.pid());
      assertTrue(fs.writes.contains("ffrtmp-wrapper-job-1/cgroup.kill=1"), "outside: cgroup.kill");
    } finally {
      keeper.destroyForcibly().waitFor();
      member.destroyForcibly().waitFor();
    }
    assertEquals(List.of(), g.release());
  }
}
