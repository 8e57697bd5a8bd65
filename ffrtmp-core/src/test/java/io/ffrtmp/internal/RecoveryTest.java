package io.ffrtmp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.Constraints;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Intent;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.internal.keeper.StartRecord;
import io.ffrtmp.internal.keeper.StateDir;
import io.ffrtmp.internal.os.ProcFs;
import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent that restarts gets its workloads back: a child JVM starts a workload and is
 * SIGKILLed; this JVM recovers it by job id with its real exit status. Both JVMs use this
 * JVM's state directory ({@code -Dffrtmp.state}, set by the build).
 */
class RecoveryTest {
  @TempDir Path tmp;
  private final List<Long> pids = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    pids.forEach(Host::killQuietly);
  }

  private static StateDir dir() {
    return StateDir.current().orElseThrow();
  }

  private static Path stateDir() {
    return dir().path();
  }

  private String job(String name) {
    return "recovery-" + ProcessHandle.current().pid() + "-" + name;
  }

  /** Starts a workload from a child JVM, kills that JVM with SIGKILL, returns the workload's pid. */
  private long startAndKillTheAgent(String jobId, List<String> jvmArgs, String... command)
      throws Exception {
    long pid = ChildJvm.agentKilledAfterStart(tmp, stateDir(), jobId, jvmArgs, command);
    pids.add(pid);
    return pid;
  }

  private static GovernedWorkload recoverOne(String jobId) {
    List<GovernedWorkload> found = Workload.recover(jobId);
    assertEquals(1, found.size(), "one workload of " + jobId + ": " + found);
    return found.get(0);
  }

  @Test
  void a_endedWithCode7WhileNoAgentRan_isRecoveredWithItsRealStatus() throws Exception {
    String id = job("a");
    long pid = startAndKillTheAgent(id, List.of(), "sh", "-c", "sleep 1; exit 7");
    assertTrue(Host.awaitGone(pid, 10_000), "the workload ends while no agent governs it");
    Thread.sleep(2000); // recovered well after its end
    GovernedWorkload w = recoverOne(id);
    assertEquals(pid, w.pid());
    assertTrue(w.process().isEmpty());
    WorkloadReport r = w.awaitReport(Duration.ofSeconds(10));
    assertEquals(7, r.exitCode());
    assertTrue(r.durationSec() < 2.5, "its end as the keeper recorded it, not the recovery's: "
        + r.toJson());
    assertEquals(ExitReason.ERROR, r.exitReason());
    assertEquals(WorkloadReport.Mode.RUN, r.mode());
    assertEquals(id, r.jobId());
    assertEquals(List.of("sh", "-c", "sleep 1; exit 7"), r.command());
    if (!r.strategy().equals("nice-fallback")) {
      assertNotNull(r.usage().cpuUserSec(), "usage from the keeper's copy: " + r.toJson());
    }
    assertEquals(List.of(), Workload.recover(id), "reported once: its records are gone");
  }

  @Test
  void c_recoveredWhileRunning_thenKilledBySigterm_isSignal() throws Exception {
    String id = job("c");
    long pid = startAndKillTheAgent(id, List.of(), "sleep", "30");
    assertTrue(Host.alive(pid), "runs on after the agent died");
    GovernedWorkload w = recoverOne(id);
    new ProcessBuilder("kill", "-TERM", Long.toString(pid)).start().waitFor();
    WorkloadReport r = w.awaitReport(Duration.ofSeconds(10));
    assertEquals(ExitReason.SIGNAL, r.exitReason(), r.toJson());
    assertEquals("SIGTERM", r.signal());
    assertEquals(143, r.exitCode());
  }

  @Test
  void timeoutOfTheOriginalStart_stillHolds_afterRecovery() throws Exception {
    String id = job("timeout");
    long pid = startAndKillTheAgent(id, List.of("-Dffrtmp.test.timeoutMs=1500"), "sleep", "30");
    GovernedWorkload w = recoverOne(id);
    WorkloadReport r = w.awaitReport(Duration.ofSeconds(20));
    assertEquals(ExitReason.TIMEOUT, r.exitReason(), r.toJson());
    assertFalse(Host.alive(pid));
  }

  @Test
  void e_aRecordWhosePidNowNamesAnotherProcess_isNeverAdopted() throws Exception {
    Process other = new ProcessBuilder("sleep", "30").start();
    pids.add(other.pid());
    long start = ProcFs.stat(other.pid()).orElseThrow().startTime();
    String id = job("e");
    String name = StateDir.newName(id);
    // a record of a dead agent whose workload and keeper pids were reused by "other"
    dir().write(new StartRecord(name, id, new StartRecord.Pids(other.pid(), start + 5,
        other.pid(), start + 5), 999_999, 1, "nice-fallback", null, Map.of(),
        List.of("sleep", "30"),
        Constraints.DEFAULTS, List.of(), List.of(), Instant.now(), null, Duration.ofSeconds(10),
        Intent.TEST, false, false));
    GovernedWorkload w = recoverOne(id);
    WorkloadReport r = w.awaitReport(Duration.ofSeconds(5));
    assertEquals(ExitReason.UNKNOWN, r.exitReason());
    assertNull(r.exitCode(), "never an invented code");
    assertTrue(r.warnings().stream().anyMatch(x -> x.startsWith("no exit record")), r.warnings()
        .toString());
    assertTrue(other.isAlive(), "the other process is left alone");
  }

  @Test
  void g_corruptRecords_andRecordsOfOtherUsers_areSkipped() throws Exception {
    Path corrupt = dir().startFile(StateDir.newName(job("corrupt")));
    Files.writeString(corrupt, "version=1\npid=not-a-number\n");
    Path foreign = dir().startFile(StateDir.newName(job("foreign")));
    Files.writeString(foreign, "version=1\n");
    try {
      if (Host.isRoot()) {
        Files.setAttribute(foreign, "unix:uid", 65534);
      }
      assertEquals(List.of(), Workload.recover(job("corrupt")));
      List<String> skipped = new ArrayList<>();
      dir().readAll(skipped);
      assertTrue(skipped.stream().anyMatch(s -> s.contains(corrupt.getFileName().toString())
          && s.contains("corrupt")), skipped.toString());
      if (Host.isRoot()) {
        assertTrue(skipped.stream().anyMatch(s -> s.contains(foreign.getFileName().toString())
            && s.contains("belongs to uid 65534, not to this user")), skipped.toString());
      }
    } finally {
      Files.deleteIfExists(corrupt);
      Files.deleteIfExists(foreign);
    }
  }

  @Test
  void aDetachedWorkloadThatEndsLater_leavesNoExitRecordForever() throws Exception {
    String id = job("detached");
    GovernedWorkload w = Workload.run("sleep", "30").withJobId(id).start();
    pids.add(w.pid());
    assertEquals(ExitReason.DETACHED, w.detach().exitReason());
    Host.killQuietly(w.pid());
    String prefix = io.ffrtmp.spi.CgroupNames.forJob(id) + ".";
    Path exit = null;
    for (int i = 0; i < 500 && exit == null; i++) {
      try (var s = Files.list(stateDir())) {
        exit = s.filter(f -> f.getFileName().toString().startsWith(prefix)
            && f.getFileName().toString().endsWith(".exit")).findFirst().orElse(null);
      }
      Thread.sleep(10);
    }
    assertNotNull(exit, "the keeper records the exit of the detached workload");
    assertFalse(Files.exists(stateDir().resolve(
        exit.getFileName().toString().replace(".exit", ".start"))), "detach deleted it");
    Workload.recoverable();
    assertTrue(Files.exists(exit), "its JVM (this one) runs and the record is fresh: kept");
    Files.setLastModifiedTime(exit, java.nio.file.attribute.FileTime.from(
        Instant.now().minusSeconds(120)));
    Workload.recoverable();
    assertFalse(Files.exists(exit), "a minute old and no start record: swept");
  }

  /** recoverable() says what a record says as an enum, and in the JSON as its key. */
  @Test
  void recoverable_namesTheStateOfARecord_running_whileThisJvmGovernsIt() throws Exception {
    String id = "state-" + ProcessHandle.current().pid();
    GovernedWorkload w = Workload.run("sleep", "30").withJobId(id).start();
    try {
      io.ffrtmp.Recoverable r = Workload.recoverable().stream()
          .filter(x -> x.jobId().equals(id)).findFirst().orElseThrow();
      assertEquals(io.ffrtmp.Recoverable.State.RUNNING, r.state());
      assertTrue(r.toJson().contains("\"state\":\"running\""), r.toJson());
      assertEquals(ProcessHandle.current().pid(), r.governorPid());
    } finally {
      w.terminate(Duration.ZERO);
      w.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void orphanExitRecords_ofGoneJvms_areSwept_butNotThoseOfRecordsBeingRecovered()
      throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String base = io.ffrtmp.spi.CgroupNames.forJob(job("orphan")) + "." + gone.pid() + ".";
    Path orphan = dir().exitFile(base + "1");
    Path started = dir().exitFile(base + "3");
    Path start = dir().startFile(base + "3");
    try {
      for (Path f : List.of(orphan, started, start)) {
        Files.writeString(f, "x\n");
      }
      dir().sweep();
      assertFalse(Files.exists(orphan), "its JVM is gone and it has no start record");
      assertTrue(Files.exists(started), "its start record is there");
    } finally {
      for (Path f : List.of(orphan, started, start)) {
        Files.deleteIfExists(f);
      }
    }
  }
}
