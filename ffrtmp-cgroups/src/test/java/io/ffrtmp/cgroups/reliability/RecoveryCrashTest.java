package io.ffrtmp.cgroups.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery after agent crashes, with the host's real cgroups (v1 here; the v2 VM suite has its
 * own): (b) a workload recovered while running and OOM-killed later is {@code oom}; (f) agents
 * SIGKILLed at random moments during start-up, run and delivery — every workload that ran is
 * reported exactly once (to its agent, or recovered with its true exit status), none lost,
 * none doubled, nothing left behind.
 */
class RecoveryCrashTest {
  @TempDir Path tmp;

  private static Path stateDir() {
    return Path.of(System.getProperty("ffrtmp.state"));
  }

  private Process agent(String jobId, List<String> jvmArgs, String... command) throws Exception {
    return ChildJvm.agent(tmp, stateDir(), jobId, jvmArgs, command);
  }

  @Test
  void b_recoveredWhileRunning_thenOomKilled_isOom() throws Exception {
    Host.require(Host.isRoot(), "cgroups need root");
    String id = "recovery-oom-" + ProcessHandle.current().pid();
    Process jvm = agent(id, List.of("-Dffrtmp.test.memoryMb=64"), "sh", "-c",
        "sleep 1; exec dd if=/dev/zero of=/dev/null bs=256M count=1");
    String line = io.ffrtmp.testing.ChildJvm.pidLine(jvm);
    assertTrue(line != null && line.startsWith("PID "), line);
    jvm.destroyForcibly().waitFor();
    List<GovernedWorkload> found = Workload.recover(id);
    assertEquals(1, found.size());
    assertTrue(!found.get(0).strategy().equals("nice-fallback"), "a cgroup backend here");
    WorkloadReport r = found.get(0).awaitReport(Duration.ofSeconds(30));
    assertEquals(ExitReason.OOM, r.exitReason(), r.toJson());
    assertTrue(r.usage().oomKills() >= 1, r.toJson());
  }

  /**
   * A workload recovered while running and then terminated by the recovering JVM keeps its
   * keeper (cgroup v1: a member of the cgroup, spared by the kill): the report has the real exit
   * status and the keeper's final counters, here the 2 MiB the workload wrote.
   */
  @Test
  void c_recoveredWhileRunning_thenTerminated_theKeeperRecordsTheEnd() throws Exception {
    Host.require(Host.isRoot(), "cgroups need root");
    String id = "recovery-terminate-" + ProcessHandle.current().pid();
    // on the checkout's disk (the temporary directory may be a tmpfs, which does no block IO)
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "block-io-");
    String fsType = Files.getFileStore(dir).type();
    Host.require(!fsType.equals("tmpfs") && !fsType.equals("ramfs"),
        "the build directory is on " + fsType + ", which does no block IO");
    Path file = dir.resolve("written");
    // SIGTERM ignored: only the SIGKILL after the grace period ends it; busy under a 10 % quota,
    // so the cgroup (the keeper with it, on v1) is held back most of the time: a keeper not
    // spared would be frozen and killed before it could record the end
    Process jvm = agent(id, List.of("-Dffrtmp.test.memoryMb=128", "-Dffrtmp.test.cpuQuota=10"),
        "sh", "-c", "trap '' TERM; dd if=/dev/zero of=" + file + " bs=1M count=2 conv=fsync"
            + " 2>/dev/null; while :; do :; done");
    String line = io.ffrtmp.testing.ChildJvm.pidLine(jvm);
    assertTrue(line != null && line.startsWith("PID "), line);
    for (int i = 0; i < 500 && !(Files.exists(file) && Files.size(file) == 2L << 20); i++) {
      Thread.sleep(10);
    }
    Thread.sleep(200); // the fsync
    jvm.destroyForcibly().waitFor();
    List<GovernedWorkload> found = Workload.recover(id);
    assertEquals(1, found.size());
    found.get(0).terminate(Duration.ofMillis(300));
    WorkloadReport r = found.get(0).awaitReport(Duration.ofSeconds(30));
    assertEquals(ExitReason.SIGNAL, r.exitReason(), r.toJson());
    assertEquals(137, r.exitCode(), "the real status, from the keeper's record: " + r.toJson());
    Files.delete(file);
    Files.delete(dir);
    assertNotNull(r.usage().cpuUserSec(), r.toJson());
    // the keeper's CPU time and task IO accounting, which only its record holds
    assertTrue(r.usage().ioWriteBytes() != null && r.usage().ioWriteBytes() >= 2L << 20,
        r.toJson());
  }

  @Test
  void f_agentsKilledAtRandomMoments_everyWorkloadThatRanIsRecoveredOnce_withItsTrueStatus()
      throws Exception {
    int kills = Reliability.count(12, 100);
    long seed = Long.getLong("ffrtmp.test.seed", System.nanoTime());
    Random random = new Random(seed);
    String tag = "recovery-crash-" + ProcessHandle.current().pid() + "-";
    Map<String, Integer> expected = new HashMap<>();
    java.util.Set<String> launched = new java.util.HashSet<>();
    java.util.Set<String> delivered = new java.util.HashSet<>();
    for (int i = 0; i < kills; i++) {
      String id = tag + i;
      int code = i % 50;
      expected.put(id, code);
      int runsMs = 200 + 100 * random.nextInt(7);
      // the agent takes the report in a listener: where the library counts it delivered
      Process jvm = agent(id, List.of("-Dffrtmp.test.memoryMb=128",
          "-Dffrtmp.test.reportInListener=true"), "sh", "-c",
          "sleep " + runsMs / 1000.0 + "; exit " + code);
      // every other kill lands around the workload's end (its agent is finishing the report),
      // the others anywhere in the agent's start-up, launch and run
      Thread.sleep(i % 2 == 0 ? random.nextInt(900) : Math.max(0, 150 + runsMs
          + random.nextInt(400) - 200));
      jvm.toHandle().destroyForcibly(); // (Process.destroyForcibly would close its output)
      assertTrue(jvm.waitFor(20, TimeUnit.SECONDS));
      String said = new String(jvm.getInputStream().readAllBytes(),
          java.nio.charset.StandardCharsets.UTF_8);
      if (said.lines().anyMatch(l -> l.startsWith("PID "))) {
        launched.add(id);
      }
      if (said.lines().anyMatch(l -> l.startsWith("REPORT "))) {
        delivered.add(id); // its agent had the report: no one else may report it again
      }
    }
    Thread.sleep(1500); // every workload has ended by now, most while no agent governed it
    int recovered = 0;
    int neverRan = 0;
    for (GovernedWorkload w : Workload.recover()) {
      if (!w.jobId().startsWith(tag)) {
        continue;
      }
      assertTrue(!delivered.contains(w.jobId()), "doubled: " + w.jobId() + " was delivered to"
          + " its agent, and recovered too");
      WorkloadReport r = w.awaitReport(Duration.ofSeconds(30));
      if (r.exitCode() == null) {
        assertEquals(ExitReason.UNKNOWN, r.exitReason(), r.toJson());
        assertTrue(r.warnings().stream().anyMatch(x -> x.contains("most likely never ran")),
            "unknown only when the agent died before the launch: " + r.toJson());
        neverRan++;
      } else {
        assertEquals(expected.get(w.jobId()), r.exitCode(), "true status of " + r.toJson());
        recovered++;
      }
      expected.remove(w.jobId());
    }
    assertEquals(List.of(), Workload.recover().stream().filter(w -> w.jobId().startsWith(tag))
        .toList(), "each recovered once");
    delivered.forEach(expected::remove);
    List<String> lost = launched.stream().filter(expected::containsKey).sorted().toList();
    assertEquals(List.of(), lost, "lost: launched (the agent said PID), never delivered to it,"
        + " and not recovered");
    // the records go once the report was delivered, after awaitReport's future completed
    // (on the delivering thread, which a busy machine can hold back): wait for them, bounded
    List<Path> records = List.of();
    for (int i = 0; i < 1000; i++) {
      try (Stream<Path> s = Files.list(stateDir())) {
        records = s.filter(p -> p.getFileName().toString().contains(tag)).toList();
      }
      if (records.isEmpty()) {
        break;
      }
      Thread.sleep(10);
    }
    assertEquals(List.of(), records, "no record left");
    // an agent killed between creating the cgroup and writing the record leaves an empty
    // cgroup and no record: the stale sweep of a later start collects it (here, the test does)
    List<Path> left = new ArrayList<>();
    for (Path root : Host.cgroupRoots()) {
      try (Stream<Path> s = Files.walk(root, 4)) {
        s.filter(p -> p.getFileName().toString().startsWith("ffrtmp-wrapper-" + tag))
            .forEach(left::add);
      }
    }
    for (Path d : left) {
      String job = d.getFileName().toString().substring("ffrtmp-wrapper-".length());
      assertTrue(expected.containsKey(job), "only cgroups of agents that died before recording"
          + " anything may remain: " + d);
      assertEquals("", Files.readString(d.resolve("cgroup.procs")).trim(), d + " is empty");
      io.ffrtmp.cgroups.TestCgroups.remove(io.ffrtmp.cgroups.CgroupFs.REAL, List.of(d),
          Duration.ofSeconds(2));
    }
    System.out.printf("recovery: %d agents SIGKILLed at random moments (seed %d): %d reports"
        + " delivered to their agent before the kill, %d workloads recovered with their true exit"
        + " status, %d never ran, %d killed before any record, 0 lost, 0 doubled%n", kills, seed,
        delivered.size(), recovered, neverRan, expected.size());
  }
}
