package io.ffrtmp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Recovery;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.internal.keeper.StateDir;
import io.ffrtmp.internal.os.ProcFs;
import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import io.ffrtmp.testing.Keepers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keeper protocol against what broke it: two JVMs taking the same workload, another user's
 * process taken for a keeper, a killed keeper read as "never ran", a forged record obeyed, a
 * result lost to an agent killed while delivering it, recovered times, agents of one user
 * taking each other's workloads, oversized records, and one slow listener delaying every other
 * report. Real processes and JVMs; the agents are child JVMs killed with SIGKILL.
 */
class KeeperProtocolTest {
  @TempDir Path tmp;
  private final List<Long> pids = new ArrayList<>();
  private final List<Process> jvms = new ArrayList<>();
  private final List<Path> cleanUp = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : jvms) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    pids.forEach(Host::killQuietly);
    for (Path p : cleanUp) {
      Files.deleteIfExists(p);
    }
  }

  private static StateDir dir() {
    return StateDir.current().orElseThrow();
  }

  private String job(String name) {
    return "keeper-" + ProcessHandle.current().pid() + "-" + name;
  }

  private Process jvm(List<String> jvmArgs, String... args) throws Exception {
    Process p = new ProcessBuilder(ChildJvm.command(ChildJvm.classpath(), tmp, jvmArgs,
        "io.ffrtmp.testing.KeeperAgentMain", List.of(args))).redirectErrorStream(true).start();
    jvms.add(p);
    return p;
  }

  private static BufferedReader out(Process p) {
    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
  }

  /** Reads lines until one starts with {@code prefix}; fails with what was read otherwise. */
  private static String until(BufferedReader in, String prefix, List<String> seen)
      throws Exception {
    for (String line; (line = in.readLine()) != null; ) {
      seen.add(line);
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    throw new AssertionError("no " + prefix + " line in: " + seen);
  }

  private long startAndKillTheAgent(String jobId, List<String> jvmArgs, String... command)
      throws Exception {
    long pid = ChildJvm.agentKilledAfterStart(tmp, dir().path(), jobId, jvmArgs, command);
    pids.add(pid);
    return pid;
  }

  private static long keeperOf(long pid) {
    return ProcFs.stat(pid).orElseThrow().ppid();
  }

  /** Defect 1: 100 workloads, 2 or 8 JVMs recovering at the same moment: each reported once. */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0} JVMs")
  @org.junit.jupiter.params.provider.ValueSource(ints = {2, 8})
  @Timeout(240)
  void jvmsRecoveringTheSameHundredWorkloads_takeEachExactlyOnce(int jvmCount) throws Exception {
    Path state = tmp.resolve("claim-state");
    String prefix = job("claim-" + jvmCount);
    List<String> stateArg = List.of("-Dffrtmp.state=" + state);
    Process agent = jvm(stateArg, "start", "100", prefix, "sleep", "600");
    until(out(agent), "STARTED", new ArrayList<>());
    agent.destroyForcibly().waitFor();
    Path go = tmp.resolve("go");
    List<Process> claimers = new ArrayList<>();
    List<BufferedReader> outs = new ArrayList<>();
    for (int i = 0; i < jvmCount; i++) {
      Process p = jvm(stateArg, "claim", go.toString());
      claimers.add(p);
      outs.add(out(p));
    }
    for (BufferedReader o : outs) {
      until(o, "READY", new ArrayList<>());
    }
    Files.writeString(go, "go");
    List<String> taken = new ArrayList<>();
    for (BufferedReader o : outs) {
      List<String> seen = new ArrayList<>();
      until(o, "CLAIMED", seen);
      for (String l : seen) {
        if (l.startsWith("RECOVERED ")) {
          String[] f = l.split(" ");
          taken.add(f[1]);
          pids.add(Long.parseLong(f[2]));
        }
      }
    }
    Set<String> distinct = new HashSet<>(taken);
    assertEquals(100, distinct.size(), "every workload recovered");
    assertEquals(100, taken.size(), "and none twice: " + (taken.size() - distinct.size())
        + " reports more than workloads");
    pids.forEach(Host::killQuietly);
    for (int i = 0; i < claimers.size(); i++) {
      until(outs.get(i), "DONE", new ArrayList<>());
      assertTrue(claimers.get(i).waitFor(30, TimeUnit.SECONDS));
    }
    try (var files = Files.list(state)) {
      assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".start")).toList(),
          "every record deleted once delivered");
    }
  }

  /** Defects 6 and 7: the agent dies while delivering a report: recovered, with its times. */
  @Test
  @Timeout(60)
  void anAgentKilledWhileDeliveringTheReport_losesNothing_andTheTimesAreTheKeepers()
      throws Exception {
    String id = job("delivering");
    Process agent = jvm(List.of("-Dffrtmp.state=" + dir().path()), "slow-listener", id, "sh",
        "-c", "sleep 0.5; exit 7");
    BufferedReader o = out(agent);
    List<String> seen = new ArrayList<>();
    long pid = Long.parseLong(until(o, "PID ", seen).substring(4).trim());
    assertEquals("DELIVERING 7", until(o, "DELIVERING", seen));
    agent.destroyForcibly().waitFor();
    Thread.sleep(2000); // recovered well after the end
    List<GovernedWorkload> found = Workload.recover(id);
    assertEquals(1, found.size(), "the undelivered result is recovered: " + found);
    WorkloadReport r = found.get(0).awaitReport(Duration.ofSeconds(10));
    assertEquals(7, r.exitCode());
    assertEquals(pid, r.pid());
    assertTrue(r.durationSec() < 1.9, "ended_at is the keeper's, not the recovery's: "
        + r.toJson());
    assertTrue(r.endedAt().isBefore(Instant.now().minusMillis(1500)), r.toJson());
  }

  /**
   * Point 3: an agent that persists results itself acknowledges them; one that dies before it
   * acknowledged gets the report again from the next recovery.
   */
  @Test
  @Timeout(60)
  void withAcknowledgement_theRecordsStayUntilAcknowledged() throws Exception {
    String state = "-Dffrtmp.state=" + dir().path();
    String unacked = job("unacked");
    Process a = jvm(List.of(state), "ack", "no", unacked, "sh", "-c", "exit 5");
    assertEquals("REPORTED 5", until(out(a), "REPORTED", new ArrayList<>()));
    a.destroyForcibly().waitFor();
    List<GovernedWorkload> again = Workload.recover(unacked);
    assertEquals(1, again.size(), "delivered, not acknowledged: reported again");
    assertEquals(5, again.get(0).awaitReport(Duration.ofSeconds(10)).exitCode());
    again.get(0).acknowledge();
    assertEquals(List.of(), Workload.recover(unacked), "acknowledged now");

    String acked = job("acked");
    Process b = jvm(List.of(state), "ack", "yes", acked, "sh", "-c", "exit 6");
    assertEquals("REPORTED 6", until(out(b), "REPORTED", new ArrayList<>()));
    b.destroyForcibly().waitFor();
    assertEquals(List.of(), Workload.recover(acked), "acknowledged: its records are gone");

    GovernedWorkload running = Workload.run("sleep", "30").withJobId(job("early")).start();
    pids.add(running.pid());
    assertThrows(IllegalStateException.class, running::acknowledge, "nothing to acknowledge");
    running.terminate(Duration.ZERO);
    running.awaitReport(Duration.ofSeconds(10));
    running.acknowledge(); // without withAcknowledgement: harmless
  }

  /**
   * A run-mode workload detached {@code withAcknowledgement()} by an agent that dies before it
   * acknowledged (a {@code run --json} wrapper stopped by its unit: it prints the detached report
   * and exits) is recovered, still running — detached again by a recovering agent that dies too,
   * recovered again — and reported with its real end; detached without acknowledgement, it is
   * no one's to recover. ({@code -Dffrtmp.test.detachMode=plain} runs the
   * first case without acknowledgement, which shows the loss this prevents.)
   */
  @Test
  @Timeout(60)
  void aDetachedWorkloadAwaitingAcknowledgement_isRecoveredWithItsRealEnd() throws Exception {
    String state = "-Dffrtmp.state=" + dir().path();
    Path go = tmp.resolve("go");
    String[] command = {"sh", "-c", "while [ ! -e \"$0\" ]; do sleep 0.05; done; exit 7",
        go.toString()};
    String id = job("detach-ack");
    Process a = jvm(List.of(state), concat(new String[] {"detach",
        System.getProperty("ffrtmp.test.detachMode", "ack"), id}, command));
    String[] detached = until(out(a), "DETACHED", new ArrayList<>()).split(" ");
    assertEquals("detached", detached[1]);
    long pid = Long.parseLong(detached[2]);
    pids.add(pid);
    a.destroyForcibly().waitFor();
    Process recovering = jvm(List.of(state), "recover-detach", id);
    assertEquals("DETACHED detached " + pid, until(out(recovering), "DETACHED",
        new ArrayList<>()));
    recovering.destroyForcibly().waitFor();
    List<GovernedWorkload> found = Workload.recover(id);
    assertEquals(1, found.size(), "detached, not acknowledged: recovered");
    assertEquals(pid, found.get(0).pid());
    Files.createFile(go); // now it ends, with a status only its keeper saw
    WorkloadReport r = found.get(0).awaitReport(Duration.ofSeconds(20));
    assertEquals(7, r.exitCode(), r.toJson());
    assertEquals(ExitReason.ERROR, r.exitReason(), r.toJson());
    assertEquals(List.of(), Workload.recover(id), "reported: its records are gone");

    Files.delete(go);
    String plain = job("detach-plain");
    Process b = jvm(List.of(state), concat(new String[] {"detach", "plain", plain}, command));
    pids.add(Long.parseLong(until(out(b), "DETACHED", new ArrayList<>()).split(" ")[2]));
    b.destroyForcibly().waitFor();
    assertEquals(List.of(), Workload.recover(plain), "detached: no longer governed");
    Files.createFile(go);
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  /**
   * Point 3, the recovering side: an agent that recovers an ended workload through {@code
   * Recovery.withAcknowledgement()} and dies before it kept the report (a {@code wait} killed
   * before it printed) leaves it to the next recovery. (Plain {@code recover()} deletes the
   * records at delivery: {@code -Dffrtmp.test.recoverMode=plain} shows that loss.)
   */
  @Test
  @Timeout(60)
  void recoveryWithAcknowledgement_anAgentKilledBeforeItKeptTheReport_losesNothing()
      throws Exception {
    String state = "-Dffrtmp.state=" + dir().path();
    String id = job("recover-ack");
    long pid = startAndKillTheAgent(id, List.of(), "sh", "-c", "exit 9");
    assertTrue(Host.awaitGone(pid, 10_000));
    Process agent = jvm(List.of(state), "recover", System.getProperty(
        "ffrtmp.test.recoverMode", "ack"), id);
    assertEquals("REPORTED 9", until(out(agent), "REPORTED", new ArrayList<>()));
    agent.destroyForcibly().waitFor(); // before it kept the report anywhere
    List<GovernedWorkload> again = Workload.recover(id);
    assertEquals(1, again.size(), "kept until acknowledged: reported again");
    assertEquals(9, again.get(0).awaitReport(Duration.ofSeconds(10)).exitCode());
    again.get(0).acknowledge();
    assertEquals(List.of(), Workload.recover(id), "acknowledged now");
  }

  /** Defect 3: a keeper killed while no agent runs; its workload is found and watched. */
  @Test
  @Timeout(60)
  void aKilledKeeper_itsWorkloadIsStillFound_watchedToItsEnd_neverNeverRan() throws Exception {
    String id = job("keeper-killed");
    long pid = startAndKillTheAgent(id, List.of(), "sleep", "2");
    long keeper = Keepers.kill(pid);
    long t0 = System.nanoTime();
    Keepers.recoverAfterItsKeeperDied(id, pid, keeper, 1.5, Duration.ofSeconds(10));
    assertTrue(System.nanoTime() - t0 > 500_000_000L, "it still ran: watched, not reported at"
        + " once");
  }

  /**
   * Defect 2: a process of another user whose command line names the exit record is never
   * taken for the keeper, and is never signalled.
   */
  @Test
  @Timeout(60)
  void anImpostorOfAnotherUser_isNeverTakenForTheKeeper_norSignalled() throws Exception {
    Host.require(Host.isRoot(), "needs root to run a process as uid 65534");
    String id = job("impostor");
    long pid = startAndKillTheAgent(id, List.of(), "sleep", "30");
    long keeper = keeperOf(pid);
    String exitFile = new String(Files.readAllBytes(Path.of("/proc/" + keeper + "/cmdline")),
        StandardCharsets.UTF_8).lines().flatMap(l -> List.of(l.split("\0")).stream())
        .filter(a -> a.endsWith(".exit")).findFirst().orElseThrow();
    Keepers.kill(pid);
    Process impostor = Keepers.impostor(exitFile);
    pids.add(impostor.pid());
    Thread.sleep(200);
    assertTrue(impostor.isAlive(), "the impostor runs");
    GovernedWorkload w = Workload.recover(id).get(0);
    assertEquals(pid, w.pid(), "the recorded workload, not the impostor's");
    w.terminate(Duration.ZERO);
    WorkloadReport r = w.awaitReport(Duration.ofSeconds(10));
    assertEquals(pid, r.pid());
    assertTrue(impostor.isAlive(), "another user's process is never signalled: " + r.toJson());
    assertFalse(Host.alive(pid), "the workload was terminated");
  }

  /**
   * A record without pids (its agent died within the launch): the keeper is found by one
   * search, which counts only this user's processes with a keeper's command line.
   */
  @Test
  @Timeout(60)
  void aRecordWithoutPids_findsItsKeeperByItsCommandLine_neverAnotherUsersProcess() throws Exception {
    String id = job("no-pids");
    long pid = startAndKillTheAgent(id, List.of(), "sleep", "30");
    long keeper = keeperOf(pid);
    Path record;
    try (var files = Files.list(dir().path())) {
      record = files.filter(f -> f.toString().endsWith(".start")).filter(f -> {
        try {
          return Files.readString(f).contains("job_id=" + id + "\n");
        } catch (java.io.IOException e) {
          return false;
        }
      }).findFirst().orElseThrow();
    }
    // as the agent left it had it died before the launch returned
    Files.writeString(record, "pid=0\nstart_time=0\nkeeper_pid=0\nkeeper_start_time=0\n",
        java.nio.file.StandardOpenOption.APPEND);
    Process impostor = null;
    if (Host.isRoot()) {
      String exitFile = record.toString().replaceAll("\\.start$", ".exit");
      impostor = Keepers.impostor(exitFile);
      pids.add(impostor.pid());
    }
    GovernedWorkload w = Workload.recover(id).get(0);
    assertEquals(pid, w.pid(), "found through its keeper (pid " + keeper + ")");
    w.terminate(Duration.ZERO);
    assertEquals(ExitReason.SIGNAL, w.awaitReport(Duration.ofSeconds(10)).exitReason());
    if (impostor != null) {
      assertTrue(impostor.isAlive(), "another user's process is neither taken nor signalled");
    }
  }

  /** Defect 5: a record naming a cgroup ffrtmp never creates is refused, nothing signalled. */
  @Test
  @Timeout(60)
  void aForgedRecordNamingAnotherCgroup_isRefused_andItsProcessesLeftAlone() throws Exception {
    Process victim = new ProcessBuilder("sleep", "30").start();
    pids.add(victim.pid());
    String id = job("forged");
    String name = StateDir.newName(id);
    long self = ProcessHandle.current().pid();
    Path record = dir().startFile(name);
    cleanUp.add(record);
    // a cgroup path ffrtmp never creates (and that does not exist: nothing of the host's is
    // named, should the refusal ever fail); the record's pid is this test's own process
    String notOurs = "/ffrtmp-test-not-ours-" + self;
    Files.writeString(record, String.join("\n",
        "version=1", "job_id=" + id, "pid=" + victim.pid(), "start_time="
            + ProcFs.stat(victim.pid()).orElseThrow().startTime(), "keeper_pid=0",
        "keeper_start_time=0", "governor_pid=" + (self + 1_000_000), "governor_start_time=1",
        "strategy=cgroup-v1", "cgroup_path=" + notOurs, "governance.path=" + notOurs,
        "governance.dir.cpu=/sys/fs/cgroup/cpu" + notOurs,
        "governance.dir.memory=/sys/fs/cgroup/memory" + notOurs,
        "constraint.cpu_quota=0", "constraint.cpu_weight=100", "constraint.nice=0",
        "constraint.memory_limit_mb=0", "constraint.io_weight=0", "constraint.oom_score=0",
        "started_at=2026-01-01T00:00:00Z", "timeout=PT0.1S", "grace=PT0.1S", "intent=TEST",
        "sla_eligible=false", ""));
    Recovery recovery = Workload.recovery();
    assertEquals(List.of(), recovery.recover(id), "refused");
    assertTrue(recovery.warnings().stream().anyMatch(s -> s.contains(record.toString())
        && s.contains(notOurs + " is not one ffrtmp creates")), recovery.warnings().toString());
    Thread.sleep(300);
    assertTrue(victim.isAlive(), "the process the record names is left alone");
    assertTrue(Files.exists(record), "the record stays, for its owner to look at");
  }

  /**
   * A record whose cgroup has ffrtmp's name but another user's ownership (removed once empty,
   * then made again by a user with a delegated subtree): its members are not ours.
   */
  @Test
  void aRecordWhoseCgroupAnotherUserOwns_isRefused_andItsMembersLeftAlone() throws Exception {
    Path cpu = Path.of("/sys/fs/cgroup/cpu");
    Host.require(Host.isRoot() && Files.isWritable(cpu.resolve("cgroup.procs")),
        "needs root and a cgroup v1 cpu hierarchy to make a cgroup of another user");
    long self = ProcessHandle.current().pid();
    String leaf = "ffrtmp-wrapper-test-foreign-" + self;
    Path cgroup = Files.createDirectory(cpu.resolve(leaf));
    Process victim = new ProcessBuilder("sleep", "30").start();
    pids.add(victim.pid());
    try {
      Files.setAttribute(cgroup, "unix:uid", 65534);
      Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(victim.pid()));
      String id = job("foreign");
      Path record = dir().startFile(StateDir.newName(id));
      cleanUp.add(record);
      Files.writeString(record, String.join("\n",
          "version=1", "job_id=" + id, "pid=" + victim.pid(), "start_time="
              + ProcFs.stat(victim.pid()).orElseThrow().startTime(), "keeper_pid=0",
          "keeper_start_time=0", "governor_pid=" + (self + 1_000_000), "governor_start_time=1",
          "strategy=cgroup-v1", "cgroup_path=/" + leaf, "governance.path=/" + leaf,
          "governance.dir.cpu=" + cgroup, "constraint.cpu_quota=0", "constraint.cpu_weight=100",
          "constraint.nice=0", "constraint.memory_limit_mb=0", "constraint.io_weight=0",
          "constraint.oom_score=0", "started_at=2026-01-01T00:00:00Z", "timeout=PT0.1S",
          "grace=PT0.1S", "intent=TEST", "sla_eligible=false", ""));
      Recovery recovery = Workload.recovery();
      assertEquals(List.of(), recovery.recover(id), "refused");
      assertTrue(recovery.warnings().stream().anyMatch(s -> s.contains(record.toString())
          && s.contains("cgroup " + cgroup + " belongs to uid 65534, not to this user")),
          recovery.warnings().toString());
      Thread.sleep(300);
      assertTrue(victim.isAlive(), "its member is left alone");
    } finally {
      victim.destroyForcibly().waitFor();
      for (int i = 0; i < 100 && Files.exists(cgroup); i++) {
        try {
          Files.delete(cgroup);
        } catch (java.io.IOException e) {
          Thread.sleep(20); // the killed member leaves the cgroup a moment after its death
        }
      }
    }
  }

  /** Defect 8: agents of one user keep their workloads apart. */
  @Test
  @Timeout(60)
  void agentsOfOneUser_recoverOnlyTheirOwnWorkloads() throws Exception {
    String id = job("agent");
    String agent = "a-" + ProcessHandle.current().pid();
    long pid = startAndKillTheAgent(id, List.of("-Dffrtmp.test.agent=" + agent), "sleep",
        "30");
    assertEquals(List.of(), Workload.recover(id), "not the default records'");
    assertEquals(List.of(), Workload.recovery("b-" + agent).recover(id), "nor another agent's");
    assertTrue(Workload.recoverable().stream().noneMatch(r -> r.jobId().equals(id)));
    assertEquals(1, Workload.recovery(agent).list().stream().filter(r -> r.jobId().equals(id))
        .count());
    List<GovernedWorkload> mine = Workload.recovery(agent).recover(id);
    assertEquals(1, mine.size());
    assertEquals(pid, mine.get(0).pid());
    mine.get(0).terminate(Duration.ZERO);
    mine.get(0).awaitReport(Duration.ofSeconds(10));
    assertThrows(IllegalArgumentException.class, () -> Workload.recovery("../x"));
    assertThrows(IllegalArgumentException.class, () -> Workload.run("true").withAgent(""));
  }

  /** Defect 10: a huge, a linked and a foreign record are refused, each named. */
  @Test
  void oversizedLinkedAndForeignRecords_areRefused_eachNamed() throws Exception {
    Path huge = dir().startFile(StateDir.newName(job("huge")));
    Path link = dir().startFile(StateDir.newName(job("link")));
    cleanUp.add(huge);
    cleanUp.add(link);
    try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
      f.setLength(200L << 20); // sparse: 200 MB that cost nothing
    }
    Files.createSymbolicLink(link, Path.of("/etc/hostname"));
    Recovery recovery = Workload.recovery();
    recovery.list();
    List<String> w = recovery.warnings();
    assertTrue(w.stream().anyMatch(s -> s.contains(huge.toString()) && s.contains("oversized")),
        w.toString());
    assertTrue(w.stream().anyMatch(s -> s.contains(link.toString())
        && s.contains("not a regular file")), w.toString());
  }

  /** Defect 11: a listener that blocks delays no other workload's report. */
  @Test
  @Timeout(60)
  void aListenerThatBlocks_delaysNoOtherWorkloadsReport() throws Exception {
    CountDownLatch blocking = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    GovernedWorkload slow = Workload.run("true").withJobId(job("slow")).withListener(e -> {
      if (e.report() != null) {
        blocking.countDown();
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      }
    }).start();
    try {
      assertTrue(blocking.await(10, TimeUnit.SECONDS), "the slow listener got its event");
      GovernedWorkload other = Workload.run("true").withJobId(job("other")).start();
      WorkloadReport r = other.awaitReport(Duration.ofSeconds(10));
      assertEquals(0, r.exitCode());
      assertTrue(r.durationSec() < 5, r.toJson());
    } finally {
      release.countDown();
    }
    assertEquals(0, slow.awaitReport(Duration.ofSeconds(10)).exitCode());
  }
}
