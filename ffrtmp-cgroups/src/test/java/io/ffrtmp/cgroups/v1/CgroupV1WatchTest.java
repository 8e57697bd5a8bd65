package io.ffrtmp.cgroups.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.WatchRule;
import io.ffrtmp.Watcher;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.TestCgroups;
import io.ffrtmp.cgroups.WatchChecks;
import io.ffrtmp.testing.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The watcher on the host's cgroup v1, as root: the connector, the scan, the filters. */
class CgroupV1WatchTest {
  private final CgroupV1Strategy strategy = new CgroupV1Strategy();
  private Map<String, CgroupV1Strategy.Parent> parents = Map.of();
  private String prefix = "";
  private WatchChecks checks;

  @BeforeEach
  void requireV1(TestInfo info) throws Exception {
    Host.require(Host.isRoot(), "watcher host tests need root (the connector, other users)");
    var availability = strategy.probe();
    Host.require(availability.usable(), "cgroup-v1 not usable here: " + availability.reason());
    parents = strategy.hierarchies(null);
    prefix = "t" + ProcessHandle.current().pid() + "-" + info.getTestMethod().orElseThrow()
        .getName().substring(0, 12);
    checks = new WatchChecks(prefix);
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (checks != null) {
      checks.close();
    }
    List<Path> left = TestCgroups.leftovers(parents.values().stream()
        .map(CgroupV1Strategy.Parent::dir).toList(), prefix);
    for (Path p : left) {
      TestCgroups.remove(CgroupFs.REAL, List.of(p), Duration.ofSeconds(2));
    }
    assertEquals(List.of(), left, "cgroups left behind");
    assertEquals(List.of(), WatchChecks.watcherThreads(), "watcher threads left running");
  }

  @Test
  void connector_adoptsAnotherUsersExecWithinMilliseconds() throws Exception {
    checks.adoptsAnotherUsersExecsAndSkipsTheBlocked(10, 50);
    assertEquals(1, checks.skipped().size(), checks.skipped().toString());
  }

  @Test
  void forkBomb_isContainedByItsRulesPidsLimit() throws Exception {
    checks.forkBombIsContainedByItsRulesPidsLimit(Duration.ofSeconds(5), 4000);
  }

  @Test
  void filters_neverAdoptBlockedUsersDirsOrParents() throws Exception {
    Path blocked = Files.createDirectories(checks.dir().resolve("blocked"));
    Watcher w = checks.watch(
        List.of(checks.rule().blockedUids(65534).blockedDirs(blocked.toString()).build()),
        Watcher.Discovery.CONNECTOR, Duration.ofSeconds(1));
    Process nobody = checks.start(checks.dir(), "30", WatchChecks.asNobody());
    assertEquals("rule " + checks.name() + ": uid 65534 is blocked",
        checks.awaitSkip(nobody.pid()).reason());
    Process inBlockedDir = checks.start(blocked, "30");
    assertEquals("rule " + checks.name() + ": its working directory " + blocked + " is blocked",
        checks.awaitSkip(inBlockedDir.pid()).reason());
    // a parent: a shell that waits for a line before it starts the stand-in as its child
    Process shell = new ProcessBuilder("sh", "-c", "read x; \"$0\" 30; true",
        checks.dir().resolve(checks.name()).toString()).start();
    // new rules for what starts from now on (what was decided is looked at again, the same)
    w.reload(List.of(checks.rule().blockedUids(65534).blockedDirs(blocked.toString())
        .blockedParents(shell.pid()).build()));
    shell.getOutputStream().write('\n');
    shell.getOutputStream().flush();
    long child = awaitChild(shell);
    assertEquals("rule " + checks.name() + ": its parent " + shell.pid() + " is blocked",
        checks.awaitSkip(child).reason());
    // and the watcher adopts what no filter refuses, meanwhile
    Process allowed = checks.start(checks.dir(), "30");
    WatchChecks.assertGoverned(checks.awaitAdoption(allowed.pid()).workload());
    for (long pid : List.of(nobody.pid(), inBlockedDir.pid(), child)) {
      assertFalse(WatchChecks.inFfrtmpCgroup(pid), () -> pid + " was adopted: "
          + List.of(nobody.pid(), inBlockedDir.pid(), child) + " " + checks.skipped() + " "
          + read("/proc/" + pid + "/cgroup"));
    }
    assertEquals(List.of(allowed.pid()), List.copyOf(checks.adopted().keySet()));
    for (long pid : List.of(nobody.pid(), inBlockedDir.pid(), child)) {
      assertEquals(1, checks.skipped().stream().filter(k -> k.pid() == pid).count(),
          "one skip of " + pid + ": " + checks.skipped());
    }
    shell.destroyForcibly();
    Host.killQuietly(child);
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  private static long awaitChild(Process shell) throws InterruptedException {
    for (int i = 0; i < 500; i++) {
      var c = shell.children().findFirst();
      if (c.isPresent()) {
        return c.get().pid();
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the shell started no child");
  }

  @Test
  void scan_adoptsWithinOneIntervalAndWhatRanBefore() throws Exception {
    Process before = checks.start(checks.dir(), "30");
    Duration interval = Duration.ofMillis(300);
    Watcher w = checks.watch(List.of(checks.rule().build()), Watcher.Discovery.SCAN, interval);
    assertEquals(Watcher.Discovery.SCAN, w.discovery());
    assertTrue(w.discoveryDetail().contains("every 300 ms"), w.discoveryDetail());
    WatchChecks.assertGoverned(checks.awaitAdoption(before.pid()).workload());
    long t0 = System.nanoTime();
    Process after = checks.start(checks.dir(), "30");
    WatchChecks.Adoption a = checks.awaitAdoption(after.pid());
    WatchChecks.assertGoverned(a.workload());
    double ms = (a.atNanos() - t0) / 1e6;
    System.err.printf("watch: scan every %d ms: adopted %.1f ms after the start%n",
        interval.toMillis(), ms);
    // one interval, and the adoption itself (a second of slack for a busy machine)
    assertTrue(ms < interval.toMillis() + 1000, ms + " ms");
  }

  @Test
  void nineSecondJob_isGovernedForAllButItsFirstMilliseconds() throws Exception {
    Watcher w = checks.watch(List.of(checks.rule().build()), Watcher.Discovery.AUTO,
        Duration.ofSeconds(10));
    assertEquals(Watcher.Discovery.CONNECTOR, w.discovery(), w.discoveryDetail());
    long t0 = System.nanoTime();
    Process job = checks.start(checks.dir(), "9");
    WatchChecks.Adoption a = checks.awaitAdoption(job.pid());
    WatchChecks.assertGoverned(a.workload());
    WorkloadReport r = a.workload().awaitReport();
    double governedS = (System.nanoTime() - a.atNanos()) / 1e9;
    double ranS = (System.nanoTime() - t0) / 1e9;
    System.err.printf("watch: a 9 s job: adopted %.1f ms after its exec, governed %.2f s of"
        + " %.2f s%n", a.sinceExec().toNanos() / 1e6, governedS, ranS);
    assertTrue(a.sinceExec().toMillis() < 1000, a.sinceExec().toString());
    assertEquals(r, checks.ended().get(0));
    assertTrue(w.governed().isEmpty(), "still governed after its report: " + w.governed());
  }

  @Test
  void thousandShortExecs_thatNoRuleNames_leaveNothingBehind() throws Exception {
    Path fds = Path.of("/proc/self/fd");
    long fdsBefore;
    try (Stream<Path> s = Files.list(fds)) {
      fdsBefore = s.count();
    }
    Watcher w = checks.watch(List.of(checks.rule().build()), Watcher.Discovery.CONNECTOR,
        Duration.ofSeconds(1));
    long cpu0 = WatchChecks.watcherCpuNanos();
    long t0 = System.nanoTime();
    Process storm = new ProcessBuilder("sh", "-c",
        "i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done").start();
    assertEquals(0, storm.waitFor());
    double seconds = (System.nanoTime() - t0) / 1e9;
    Thread.sleep(300);
    long cpu = WatchChecks.watcherCpuNanos() - cpu0;
    System.err.printf("watch: 1000 execs in %.2f s (%.0f/s); the watcher's CPU %.0f ms (%.1f%% of"
        + " one core)%n", seconds, 1000 / seconds, cpu / 1e6, 100.0 * cpu / 1e9 / seconds);
    assertEquals(Map.of(), checks.adopted());
    assertEquals(List.of(), checks.skipped());
    assertEquals(List.of(), w.governed());
    w.stop();
    assertEquals(List.of(), WatchChecks.watcherThreads(), "threads after stop");
    try (Stream<Path> s = Files.list(fds)) {
      assertEquals(fdsBefore, s.count(), "descriptors after stop");
    }
  }
}
