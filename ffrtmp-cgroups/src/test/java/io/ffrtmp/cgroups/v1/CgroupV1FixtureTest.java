package io.ffrtmp.cgroups.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.Usage;
import io.ffrtmp.cgroups.FixtureCgroupFs;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cgroup-v1 backend against a fixture of v1 hierarchies ({@code cpu,cpuacct} co-mounted,
 * {@code memory}, optionally {@code blkio} and {@code freezer}): placement in every hierarchy,
 * the mapping table's formulas, read-back, reset and usage. {@code CgroupV1HostTest} runs the
 * same backend against the host's real v1 hierarchies.
 */
class CgroupV1FixtureTest {
  private static final Constraints ALL =
      Constraints.builder().cpuQuota(150).cpuWeight(50).memoryLimitMb(64).ioWeight(30).build();

  @TempDir Path tmp;
  private FixtureCgroupFs fs;
  private Path cg;

  /** The scheduler line of the one block device (blkio.weight needs cfq, bfq weights bfq). */
  private String scheduler = "noop deadline [cfq]";

  private CgroupV1Strategy host(boolean blkio, boolean blkioWeight) throws Exception {
    return host(blkio
        ? List.of("cpu,cpuacct", "memory", "blkio", "freezer")
        : List.of("cpu,cpuacct", "memory", "freezer"), blkioWeight);
  }

  private CgroupV1Strategy host(List<String> hierarchies, boolean blkioWeight) throws Exception {
    cg = Files.createDirectories(tmp.resolve("cg"));
    fs = new FixtureCgroupFs(cg, false, dir -> files(dir, blkioWeight));
    StringBuilder mountinfo = new StringBuilder(
        "30 22 0:27 / " + cg + " rw,relatime - tmpfs tmpfs rw,mode=755\n");
    StringBuilder cgroup = new StringBuilder("1:name=systemd:/\n");
    int id = 31;
    for (String h : hierarchies) {
      Path mnt = Files.createDirectories(cg.resolve(h));
      for (Map.Entry<String, String> f : files(mnt, blkioWeight).entrySet()) {
        fs.put(mnt.resolve(f.getKey()), f.getValue());
      }
      mountinfo.append(id++).append(" 30 0:").append(id).append(" / ").append(mnt)
          .append(" rw,relatime - cgroup cgroup rw,").append(h).append('\n');
      cgroup.append(id).append(':').append(h).append(":/\n");
    }
    Path proc = Files.createDirectories(tmp.resolve("proc"));
    Files.writeString(proc.resolve("mountinfo"), mountinfo);
    Files.writeString(proc.resolve("cgroup"), cgroup);
    Path queue = Files.createDirectories(tmp.resolve("sys-block/sda/queue"));
    Files.writeString(queue.resolve("scheduler"), scheduler + "\n");
    return new CgroupV1Strategy(fs, proc, tmp.resolve("sys-block"));
  }

  /** The files a v1 kernel creates in a new cgroup of each hierarchy. */
  private static Map<String, String> files(Path dir, boolean blkioWeight) {
    String h = dir.toString();
    Map<String, String> f = new LinkedHashMap<>();
    f.put("cgroup.procs", "");
    if (h.contains("/cpu,cpuacct") || h.contains("/cpu/") || h.endsWith("/cpu")
        || h.contains("/cpuacct")) {
      if (!h.contains("/cpuacct")) {
        f.put("cpu.cfs_period_us", "100000");
        f.put("cpu.cfs_quota_us", "-1");
        f.put("cpu.shares", "1024");
        f.put("cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0");
      }
      if (h.contains("cpuacct")) {
        f.put("cpuacct.usage_user", "0");
        f.put("cpuacct.usage_sys", "0");
      }
    } else if (h.contains("/memory")) {
      f.put("memory.limit_in_bytes", "9223372036854771712");
      f.put("memory.max_usage_in_bytes", "0");
      f.put("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0");
    } else if (h.contains("/blkio")) {
      if (blkioWeight) {
        f.put("blkio.weight", "500");
      }
      f.put("blkio.throttle.io_service_bytes", "Total 0");
    } else if (h.contains("/freezer")) {
      f.put("freezer.state", "THAWED");
    }
    return f;
  }

  private static Enforcement entry(Governance g, Constraint c) {
    return g.enforcement().stream().filter(e -> e.constraint() == c).findFirst()
        .orElseThrow();
  }

  @Test
  void everyHierarchy_getsTheSameLeaf_andTheMappingTablesFormulas() throws Exception {
    Governance g = host(true, true).prepare(new GovernanceRequest("job-1", ALL, false, null));
    String leaf = "ffrtmp-wrapper-job-1";
    assertEquals("/" + leaf, g.cgroupPath());
    assertEquals(List.of("cpu,cpuacct", "memory", "blkio", "freezer").stream()
        .map(h -> cg.resolve(h).resolve(leaf).resolve("tasks")).toList(), g.joinFiles(),
        "co-mounted cpu,cpuacct joined once");
    Path cpu = cg.resolve("cpu,cpuacct").resolve(leaf);
    assertEquals("100000", fs.read(cpu.resolve("cpu.cfs_period_us")));
    assertEquals("150000", fs.read(cpu.resolve("cpu.cfs_quota_us")));
    assertEquals("512", fs.read(cpu.resolve("cpu.shares")));
    assertEquals("67108864", fs.read(cg.resolve("memory").resolve(leaf)
        .resolve("memory.limit_in_bytes")));
    assertEquals("300", fs.read(cg.resolve("blkio").resolve(leaf).resolve("blkio.weight")));
    assertTrue(fs.writes.indexOf("cpu,cpuacct/" + leaf + "/cpu.cfs_period_us=100000")
        < fs.writes.indexOf("cpu,cpuacct/" + leaf + "/cpu.cfs_quota_us=150000"),
        "the period is written before the quota: " + fs.writes);
    for (Enforcement e : g.enforcement()) {
      assertEquals(ALL.isRequested(e.constraint()) ? EnforcementStatus.APPLIED
          : EnforcementStatus.SKIPPED, e.status(), e.toString());
    }
    assertEquals("cpu.cfs_quota_us", entry(g, Constraint.CPU_QUOTA).mechanism());
    assertEquals(List.of(), g.release());
    for (String h : List.of("cpu,cpuacct", "memory", "blkio", "freezer")) {
      assertFalse(Files.exists(cg.resolve(h).resolve(leaf)), h);
    }
  }

  /**
   * A launched workload is placed in blkio only with an IO weight; its IO comes from the keeper's
   * copy of its own {@code /proc/self/io} (written bytes less those cancelled), never from the
   * reader's own {@code /proc/self/io}; an adopted one reads blkio, whose lone {@code Total 0}
   * says nothing (unknown).
   */
  @Test
  void launched_blkioOnlyForAnIoWeight_ioFromTheKeepersAccounting() throws Exception {
    CgroupV1Strategy s = host(true, true);
    Constraints memory = Constraints.builder().memoryLimitMb(64).build();
    Governance g = s.prepare(new GovernanceRequest("run", memory, false, null, List.of("x")));
    String leaf = "ffrtmp-wrapper-run";
    assertEquals(List.of("cpu,cpuacct", "memory", "freezer").stream()
        .map(h -> cg.resolve(h).resolve(leaf).resolve("tasks")).toList(), g.joinFiles());
    assertFalse(Files.exists(cg.resolve("blkio").resolve(leaf)));
    assertTrue(g.finalCounters().contains(Path.of("/proc/self/io")), g.finalCounters().toString());
    assertTrue(g.finalCounters().contains(Path.of("/proc/self/rusage:children")));
    assertFalse(g.finalCounters().stream().anyMatch(p -> p.toString().contains("blkio")
        || p.toString().contains("cpuacct.")), g.finalCounters().toString());
    Usage u = g.usage(Map.of("/proc/self/io", "rchar: 9\nwchar: 9\nsyscr: 1\nsyscw: 1\n"
        + "read_bytes: 4096\nwrite_bytes: 12288\ncancelled_write_bytes: 4096\n",
        "/proc/self/rusage:children", "user_usec 1500000\nsystem_usec 250\n"));
    assertEquals(4096L, u.ioReadBytes());
    assertEquals(8192L, u.ioWriteBytes());
    assertEquals(1.5, u.cpuUserSec());
    assertEquals(0.00025, u.cpuSystemSec());
    // not recorded (a keeper that could not copy it): unknown, not the reader's own accounting
    Usage none = g.usage(Map.of(cg.resolve("memory").resolve(leaf)
        .resolve("memory.max_usage_in_bytes").toString(), "8192"));
    assertEquals(8192L, none.memoryPeakBytes());
    assertEquals(null, none.ioReadBytes());
    assertEquals(null, none.ioWriteBytes());
    assertEquals(0.0, none.cpuUserSec(), "co-mounted: cpuacct's own counter, read instead");
    assertEquals(List.of(), g.release());

    Governance weighted = s.prepare(new GovernanceRequest("io", Constraints.builder()
        .ioWeight(30).build(), false, null, List.of("x")));
    assertTrue(Files.exists(cg.resolve("blkio").resolve("ffrtmp-wrapper-io")));
    assertEquals(List.of(), weighted.release());

    Governance adopted = s.prepare(new GovernanceRequest("attach", memory, false, null));
    Path blkio = cg.resolve("blkio").resolve("ffrtmp-wrapper-attach");
    assertTrue(Files.exists(blkio));
    // "Total 0" alone: no IO, or a kernel that counts none there — unknown, not 0
    assertEquals(null, adopted.usage().ioWriteBytes());
    fs.put(blkio.resolve("blkio.throttle.io_service_bytes"),
        "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Total 12288\nTotal 12288");
    assertEquals(4096L, adopted.usage().ioReadBytes());
    assertEquals(8192L, adopted.usage().ioWriteBytes());
    assertEquals(List.of(), adopted.release());
  }

  /**
   * Where cpu and cpuacct are separate hierarchies (this project's hosts), a launched workload
   * makes no cpuacct cgroup (its CPU time is the keeper's); an adopted one is placed there.
   */
  @Test
  void separateCpuacct_launchedWithoutIt_adoptedInIt() throws Exception {
    CgroupV1Strategy s = host(List.of("cpu", "cpuacct", "memory", "blkio", "freezer"), false);
    Constraints quota = Constraints.builder().cpuQuota(50).build();
    Governance g = s.prepare(new GovernanceRequest("run", quota, false, null, List.of("x")));
    assertEquals(List.of("cpu", "memory", "freezer").stream()
        .map(h -> cg.resolve(h).resolve("ffrtmp-wrapper-run").resolve("tasks")).toList(),
        g.joinFiles());
    assertFalse(Files.exists(cg.resolve("cpuacct").resolve("ffrtmp-wrapper-run")));
    Usage none = g.usage(Map.of());
    assertEquals(null, none.cpuUserSec(), "no cpuacct cgroup and no keeper copy: unknown");
    assertEquals(List.of(), g.release());
    Governance adopted = s.prepare(new GovernanceRequest("attach", quota, false, null));
    assertEquals(List.of("cpu", "cpuacct", "memory", "blkio", "freezer").stream()
        .map(h -> cg.resolve(h).resolve("ffrtmp-wrapper-attach").resolve("tasks")).toList(),
        adopted.joinFiles());
    assertEquals(0.0, adopted.usage().cpuUserSec());
    assertEquals(List.of(), adopted.release());
  }

  @Test
  void cpuWeightRangeEnds_mapInsideTheKernelsSharesRange() throws Exception {
    Governance g = host(false, false).prepare(new GovernanceRequest("w", Constraints.builder()
        .cpuWeight(1).build(), false, null));
    assertEquals("10", fs.read(cg.resolve("cpu,cpuacct/ffrtmp-wrapper-w/cpu.shares")),
        "1 * 1024 / 100");
    assertEquals(EnforcementStatus.APPLIED, entry(g, Constraint.CPU_WEIGHT).status());
    host(false, false).prepare(new GovernanceRequest("x", Constraints.builder()
        .cpuWeight(10_000).build(), false, null));
    assertEquals("102400", fs.read(cg.resolve("cpu,cpuacct/ffrtmp-wrapper-x/cpu.shares")),
        "10000 * 1024 / 100, within the kernel's 2..262144");
  }

  @Test
  void ioWeight_isDegraded_withoutABlkioHierarchy_orWithoutWeightFiles() throws Exception {
    Governance none = host(false, false).prepare(new GovernanceRequest("a", ALL, false, null));
    assertEquals(new Enforcement(Constraint.IO_WEIGHT, EnforcementStatus.DEGRADED, "blkio.weight",
        "the workload's cgroups are in no blkio hierarchy (none is mounted, or the workload did"
            + " not join it: a launched workload joins blkio, pids and cpuset only when started"
            + " with a constraint they carry)"), entry(none, Constraint.IO_WEIGHT));
    Governance noFile = host(true, false).prepare(new GovernanceRequest("b", ALL, false, null));
    Enforcement io = entry(noFile, Constraint.IO_WEIGHT);
    assertEquals(EnforcementStatus.DEGRADED, io.status());
    assertTrue(io.detail().startsWith("neither blkio.weight nor blkio.bfq.weight exists"),
        io.detail());
  }

  @Test
  void bfqWeightFile_withoutADeviceUnderBfq_isDegraded_notApplied() throws Exception {
    scheduler = "[none] mq-deadline kyber bfq";
    host(true, false); // the hierarchies and /proc files; new cgroups below get bfq's file:
    FixtureCgroupFs plain = fs;
    Governance g = new CgroupV1Strategy(new FixtureCgroupFs(cg, false, dir -> {
      Map<String, String> f = files(dir, false);
      if (dir.toString().contains("/blkio")) {
        f.put("blkio.bfq.weight", "100");
      }
      return f;
    }), tmp.resolve("proc"), tmp.resolve("sys-block"))
        .prepare(new GovernanceRequest("bfq", ALL, false, null));
    Enforcement io = entry(g, Constraint.IO_WEIGHT);
    assertEquals(EnforcementStatus.DEGRADED, io.status());
    assertEquals("blkio.bfq.weight", io.mechanism());
    assertEquals("no block device uses the bfq IO scheduler, so its weights have no effect"
        + " (sda:none)", io.detail());
    assertEquals("100", plain.read(cg.resolve("blkio/ffrtmp-wrapper-bfq/blkio.bfq.weight")),
        "nothing written");
  }

  @Test
  void refusedPeriod_failsTheQuota_withoutWritingIt_andResetsThePeriod() throws Exception {
    CgroupV1Strategy s = host(false, false);
    fs.refuse("cpu.cfs_period_us", "100000", "Invalid argument");
    Governance g = s.prepare(new GovernanceRequest("job-2", ALL, false, null));
    Enforcement q = entry(g, Constraint.CPU_QUOTA);
    assertEquals(EnforcementStatus.FAILED, q.status());
    assertEquals("cpu.cfs_period_us", q.mechanism());
    assertEquals("-1", fs.read(cg.resolve("cpu,cpuacct/ffrtmp-wrapper-job-2/cpu.cfs_quota_us")),
        "the quota was never written");
  }

  @Test
  void shortWriteOfTheMemoryLimit_isFailed_andResetToUnlimited() throws Exception {
    CgroupV1Strategy s = host(false, false);
    fs.readBackAs("memory.limit_in_bytes", "67108864", "4096");
    Governance g = s.prepare(new GovernanceRequest("job-3", ALL, false, null));
    Enforcement m = entry(g, Constraint.MEMORY_LIMIT_MB);
    assertEquals(EnforcementStatus.FAILED, m.status());
    assertEquals("wrote 67108864, kernel reads back 4096; reset to the default -1", m.detail());
    assertEquals("-1", fs.read(cg.resolve("memory/ffrtmp-wrapper-job-3/memory.limit_in_bytes")));
  }

  @Test
  void usage_isReadFromEachHierarchysCounters() throws Exception {
    Governance g = host(true, true).prepare(new GovernanceRequest("u", ALL, false, null));
    Path cpu = cg.resolve("cpu,cpuacct/ffrtmp-wrapper-u");
    fs.put(cpu.resolve("cpuacct.usage_user"), "2000000000");
    fs.put(cpu.resolve("cpuacct.usage_sys"), "500000000");
    fs.put(cpu.resolve("cpu.stat"), "nr_periods 10\nnr_throttled 4\nthrottled_time 250000000");
    Path mem = cg.resolve("memory/ffrtmp-wrapper-u");
    fs.put(mem.resolve("memory.max_usage_in_bytes"), "1048576");
    fs.put(mem.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2");
    fs.put(cg.resolve("blkio/ffrtmp-wrapper-u/blkio.throttle.io_service_bytes"),
        "8:0 Read 100\n8:0 Write 200\n8:0 Sync 300\n8:16 Read 1\n8:16 Write 2\nTotal 603");
    assertEquals(new Usage(2.0, 0.5, 0.25, 1048576L, 2L, 101L, 202L), g.usage());
  }
}
