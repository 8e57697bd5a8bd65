package io.ffrtmp.cgroups.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.TestCgroups;
import io.ffrtmp.testing.Host;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Attach mode under cgroup-v1 on the host, with real processes. */
class CgroupV1AttachTest {
  private Map<String, CgroupV1Strategy.Parent> parents = Map.of();
  private String prefix = "";
  private final List<Process> started = new ArrayList<>();

  @BeforeEach
  void requireV1(TestInfo info) throws Exception {
    Host.require(Host.isRoot(), "cgroup-v1 attach tests need root");
    CgroupV1Strategy s = new CgroupV1Strategy();
    Host.require(s.probe().usable(), "cgroup-v1 not usable here: " + s.probe().reason());
    parents = s.hierarchies(null);
    prefix = "a" + ProcessHandle.current().pid() + "-" + info.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
    }
    List<Path> left = new ArrayList<>();
    for (int attempt = 0; attempt < 200; attempt++) {
      left.clear();
      for (var p : parents.values()) {
        try (Stream<Path> s = Files.list(p.dir())) {
          s.filter(d -> d.getFileName().toString().startsWith("ffrtmp-wrapper-" + prefix))
              .forEach(left::add);
        }
      }
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(10); // deferred removals of busy cgroups run in the background
    }
    for (Path d : left) {
      TestCgroups.remove(CgroupFs.REAL, List.of(d), Duration.ofSeconds(2));
    }
    assertEquals(List.of(), left, "cgroups left behind");
  }

  private Process spawn(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    started.add(p);
    return p;
  }

  private static String cgroupOf(long pid) throws Exception {
    return Files.readString(Path.of("/proc/" + pid + "/cgroup"));
  }

  @Test
  void adoptedSleep_andItsTree_areInTheCgroup_untilTheyExit() throws Exception {
    Process p = spawn("/bin/sh", "-c", "sleep 30 & echo started; wait");
    assertEquals("started", new BufferedReader(new InputStreamReader(p.getInputStream())).readLine());
    long kid = p.descendants().findFirst().orElseThrow().pid();
    String before = cgroupOf(p.pid());
    GovernedWorkload w = Workload.attach(p.pid()).withJobId(prefix).withCpuQuota(50)
        .withMemoryLimitMb(64).start();
    assertEquals("cgroup-v1", w.strategy());
    String leaf = "ffrtmp-wrapper-" + prefix;
    for (long pid : List.of(p.pid(), kid)) {
      String cg = cgroupOf(pid);
      for (String ctrl : parents.keySet()) {
        if (ctrl.equals("cpuset")) {
          continue; // a cpuset cgroup confines: joined only by a workload that asks for it
        }
        assertTrue(cg.lines().anyMatch(l -> l.contains(":" + ctrl) && l.endsWith("/" + leaf)),
            ctrl + " of " + pid + ": " + cg);
      }
    }
    assertFalse(before.contains(leaf));
    ProcessHandle.of(kid).orElseThrow().destroy();
    p.destroy();
    WorkloadReport r = w.onExit().get(10, TimeUnit.SECONDS);
    assertEquals(ExitReason.UNKNOWN, r.exitReason());
    assertEquals("attach", r.mode().wireName());
    assertTrue(r.usage().memoryPeakBytes() != null);
  }

  /** An adopted process confined to one CPU: its allowed list changes while it runs. */
  @Test
  void adoptedWithCpus_isConfinedToThem_whileItRuns() throws Exception {
    Process p = spawn("sleep", "30");
    String last = Integer.toString(Runtime.getRuntime().availableProcessors() - 1);
    GovernedWorkload w = Workload.attach(p.pid()).withJobId(prefix).withCpus(last).start();
    assertEquals(last, TestCgroups.cpusAllowed(p.pid()));
    assertTrue(cgroupOf(p.pid()).lines().anyMatch(l -> l.contains(":cpuset:")
        && l.endsWith("/ffrtmp-wrapper-" + prefix)), cgroupOf(p.pid()));
    p.destroy();
    WorkloadReport r = w.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals("applied", r.enforcement().stream().filter(e -> e.constraint().key().equals("cpus"))
        .findFirst().orElseThrow().status().wireName(), r.toJson());
  }

  /** A member of a run's cgroup (the workload's child) is that run's while its keeper lives. */
  @Test
  void aMemberOfARunsCgroup_isRefused_namingTheRun() throws Exception {
    GovernedWorkload run = Workload.run(new ProcessBuilder("/bin/sh", "-c",
            "sleep 31 & echo started; wait")).withJobId(prefix).withMemoryLimitMb(64).start();
    try {
      assertEquals("started", new BufferedReader(new InputStreamReader(
          run.process().orElseThrow().getInputStream())).readLine());
      long member = ProcessHandle.of(run.pid()).orElseThrow().children().findFirst()
          .orElseThrow().pid();
      io.ffrtmp.AttachException e = org.junit.jupiter.api.Assertions.assertThrows(
          io.ffrtmp.AttachException.class, () -> Workload.attach(member).start());
      assertTrue(e.getMessage().startsWith("process " + member + " is already governed by ffrtmp:"
          + " it is in the cgroup ") && e.getMessage().contains("/ffrtmp-wrapper-" + prefix
          + " of job " + prefix + " (pid "), e.getMessage());
      assertTrue(cgroupOf(member).contains("/ffrtmp-wrapper-" + prefix + "\n"),
          "still in its run's cgroup: " + cgroupOf(member));
    } finally {
      run.terminate(Duration.ZERO);
      run.awaitReport();
    }
  }

  @Test
  void memoryHogAdoptedUnderSmallLimit_isReportedOom() throws Exception {
    Process p = spawn("/bin/sh", "-c", "read x; exec dd if=/dev/zero of=/dev/null bs=256M count=1");
    GovernedWorkload w = Workload.attach(p.pid()).withJobId(prefix).withMemoryLimitMb(64).start();
    p.getOutputStream().write('\n');
    p.getOutputStream().flush();
    WorkloadReport r = w.onExit().get(30, TimeUnit.SECONDS);
    assertEquals(ExitReason.OOM, r.exitReason(), r.toJson());
    assertTrue(r.usage().oomKills() >= 1);
    p.waitFor();
    assertEquals(137, p.exitValue(), "the kernel's OOM killer sent SIGKILL");
  }

  @Test
  void detachWithRestore_putsBackCgroupsNiceAndOomScore() throws Exception {
    Process p = spawn("sleep", "30");
    String before = cgroupOf(p.pid());
    GovernedWorkload w = Workload.attach(p.pid()).withJobId(prefix).withNice(7).withOomScore(250)
        .withCpuQuota(30).restoreOnDetach(true).start();
    assertTrue(cgroupOf(p.pid()).contains("ffrtmp-wrapper-" + prefix));
    WorkloadReport r = w.detach();
    assertEquals(ExitReason.DETACHED, r.exitReason());
    assertEquals(before, cgroupOf(p.pid()));
    assertEquals("0", Files.readString(Path.of("/proc/" + p.pid() + "/oom_score_adj")).trim());
    String st = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
    assertEquals("0", st.substring(st.lastIndexOf(')') + 2).split(" ")[19 - 3]);
    assertTrue(p.isAlive());
  }

  @Test
  void detachWithRestore_movesBackAChildForkedAfterTheAdoption_andTheCgroupGoes()
      throws Exception {
    Process p = spawn("/bin/sh", "-c", "read x; sleep 30 & echo forked; wait");
    String before = cgroupOf(p.pid());
    GovernedWorkload w = Workload.attach(p.pid()).withJobId(prefix).withCpuQuota(30)
        .restoreOnDetach(true).start();
    p.getOutputStream().write('\n');
    p.getOutputStream().flush();
    assertEquals("forked", new BufferedReader(new InputStreamReader(p.getInputStream())).readLine());
    long late = p.descendants().findFirst().orElseThrow().pid();
    assertTrue(cgroupOf(late).contains("ffrtmp-wrapper-" + prefix), "born in the cgroup");
    w.detach();
    assertEquals(before, cgroupOf(late), "moved back where its parent came from");
    assertEquals(before, cgroupOf(p.pid()));
    for (var h : parents.values()) {
      assertTrue(io.ffrtmp.testing.Host.awaitGoneDir(h.dir().resolve("ffrtmp-wrapper-" + prefix),
          5000), "nothing left in " + h.dir());
    }
  }

  @Test
  void detachByDefault_keepsTheCgroupAndItsLimits() throws Exception {
    Process p = spawn("sleep", "30");
    GovernedWorkload w = Workload.attach(p.pid()).withJobId(prefix).withCpuQuota(30).start();
    w.detach();
    assertTrue(p.isAlive());
    String cg = cgroupOf(p.pid());
    assertTrue(cg.contains(":cpu:") && cg.contains("ffrtmp-wrapper-" + prefix), cg);
    Path quota = parents.get("cpu").dir().resolve("ffrtmp-wrapper-" + prefix).resolve("cpu.cfs_quota_us");
    assertEquals("30000", Files.readString(quota).trim());
    p.destroyForcibly().waitFor();
    List<Path> kept = new ArrayList<>();
    for (var h : parents.values()) {
      Path d = h.dir().resolve("ffrtmp-wrapper-" + prefix);
      if (!kept.contains(d)) {
        kept.add(d);
      }
    }
    assertEquals(List.of(), TestCgroups.remove(CgroupFs.REAL, kept, Duration.ofSeconds(2)),
        "the kept cgroup is removable once empty");
  }
}
