package io.ffrtmp.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.Constraints;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.WatchListener;
import io.ffrtmp.WatchRule;
import io.ffrtmp.Watcher;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.spi.Processes;
import io.ffrtmp.testing.Host;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The watcher's checks, the same on every layout (the host's v1, the v2 VM, the systemd VM):
 * real processes exec'd under a name of the test's own (a copy of {@code sleep}, so that
 * nothing else on the machine is adopted), started as another user where it matters, and
 * whatever was adopted ended and reported before the check returns.
 */
public final class WatchChecks implements AutoCloseable {
  /** Each adoption as the listener saw it: when, and how long after the exec. */
  public record Adoption(GovernedWorkload workload, long atNanos, Duration sinceExec) {}

  /** One skip. */
  public record Skip(long pid, String command, String reason) {}

  private final String prefix;
  private final Path dir;
  private final String name;
  private final Path standIn;
  private final List<Process> started = new ArrayList<>();
  private final Map<Long, Adoption> adopted = new ConcurrentHashMap<>();
  private final List<Skip> skipped = new CopyOnWriteArrayList<>();
  private final List<WorkloadReport> ended = new CopyOnWriteArrayList<>();
  private final List<GovernedWorkload> recovered = new CopyOnWriteArrayList<>();
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final List<Watcher> watchers = new ArrayList<>();

  /**
   * A stand-in program of its own name in a fresh directory every user can read.
   *
   * @param prefix this test's job id prefix (unique on the machine)
   */
  public WatchChecks(String prefix) throws IOException {
    this.prefix = prefix;
    this.dir = Files.createTempDirectory("ffrtmp-watch-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    // comm holds 15 characters: a name of 12 is seen whole
    this.name = "fw" + Long.toString(ProcessHandle.current().pid() % 100000, 36)
        + Long.toString(System.nanoTime() % 1_000_000, 36);
    this.standIn = dir.resolve(name);
    Files.copy(Path.of(sleepBinary()), standIn);
    Files.setPosixFilePermissions(standIn, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String sleepBinary() {
    for (String s : List.of("/bin/sleep", "/usr/bin/sleep")) {
      if (Files.isRegularFile(Path.of(s))) {
        return s;
      }
    }
    throw new IllegalStateException("no sleep binary");
  }

  /** The stand-in's command name. */
  public String name() {
    return name;
  }

  /** The directory the stand-in is in (every user may enter it). */
  public Path dir() {
    return dir;
  }

  /** A rule for the stand-in: 64 MiB, job ids {@code <prefix>-{pid}}. */
  public WatchRule.Builder rule() {
    return WatchRule.forCommands(name)
        .constraints(Constraints.builder().memoryLimitMb(64).build())
        .jobId(prefix + "-{pid}");
  }

  /** The agent of this check's records: its own, so no other watcher recovers them. */
  public String agent() {
    // an agent name holds 64 characters: this JVM's pid and the prefix's hash
    return "w" + ProcessHandle.current().pid() + "-" + Integer.toHexString(prefix.hashCode());
  }

  /** Starts a watcher whose events this check records. */
  public Watcher watch(List<WatchRule> rules, Watcher.Discovery discovery, Duration interval)
      throws IOException {
    Watcher w = Workload.watch(rules).withDiscovery(discovery).withScanInterval(interval)
        .withAgent(agent()).withListener(listener()).start();
    watchers.add(w);
    return w;
  }

  /** The listener that records. */
  public WatchListener listener() {
    return new WatchListener() {
      @Override
      public void adopted(GovernedWorkload workload, WatchRule rule, Duration sinceExec) {
        adopted.put(workload.pid(), new Adoption(workload, System.nanoTime(), sinceExec));
      }

      @Override
      public void recovered(GovernedWorkload workload) {
        recovered.add(workload);
      }

      @Override
      public void skipped(long pid, String command, String reason) {
        skipped.add(new Skip(pid, command, reason));
      }

      @Override
      public void ended(WorkloadReport report) {
        ended.add(report);
      }

      @Override
      public void warning(String message) {
        warnings.add(message);
      }
    };
  }

  /** The watchers' warnings so far. */
  public List<String> warnings() {
    return warnings;
  }

  /** The C library's calls the connector-failure check needs (JNA, as the library binds). */
  private interface CLib extends com.sun.jna.Library {
    CLib C = com.sun.jna.Native.load("c", CLib.class);

    int open(String path, int flags);

    int dup2(int from, int to);

    int close(int fd);
  }

  /**
   * The connector failing while the watcher runs: a fault injected from outside the library —
   * its socket's descriptor replaced by {@code /dev/null}, so that the next receive fails
   * ({@code ENOTSOCK}), as a socket the kernel gave up on would — then a warning, {@code SCAN}
   * from then on, and a process started afterwards adopted by the scan within its interval.
   */
  public void connectorFailureFallsBackToTheScan(Duration interval, long slackMs)
      throws Exception {
    long before = connectorSockets();
    Watcher w = watch(List.of(rule().build()), Watcher.Discovery.CONNECTOR, interval);
    assertEquals(Watcher.Discovery.CONNECTOR, w.discovery());
    List<Integer> fds = connectorFds();
    assertEquals(before + 1, fds.size(), "this JVM's connector sockets: " + fds);
    int fd = fds.get(fds.size() - 1);
    int devnull = CLib.C.open("/dev/null", 0);
    assertTrue(devnull >= 0, "open /dev/null");
    assertEquals(fd, CLib.C.dup2(devnull, fd));
    CLib.C.close(devnull);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (warnings.stream().noneMatch(m -> m.contains("process-events connector failed"))) {
      assertTrue(System.nanoTime() < deadline, "no warning of the failure: " + warnings);
      Thread.sleep(10);
    }
    String warning = warnings.stream().filter(m -> m.contains("connector failed")).findFirst()
        .orElseThrow();
    assertTrue(warning.startsWith("the process-events connector failed: receiving process"
        + " events: ENOTSOCK") && warning.endsWith("; scanning /proc every "
        + interval.toMillis() + " ms instead"), warning);
    assertEquals(Watcher.Discovery.SCAN, w.discovery());
    assertTrue(w.discoveryDetail().contains("connector failed"), w.discoveryDetail());
    Process p = start(dir(), "30");
    long t0 = System.nanoTime();
    Adoption a = awaitAdoption(p.pid());
    long ms = (a.atNanos() - t0) / 1_000_000;
    System.err.println("watch: after the connector failed, adopted by the scan " + ms
        + " ms after its start (interval " + interval.toMillis() + " ms)");
    assertTrue(ms <= interval.toMillis() + slackMs, ms + " ms");
    w.stop();
    assertEquals(before, connectorSockets(), "no connector socket left");
  }

  /** This JVM's descriptors that are process-events sockets, by number. */
  private static List<Integer> connectorFds() throws IOException {
    Set<String> inodes = new HashSet<>();
    List<String> lines = Files.readAllLines(Path.of("/proc/self/net/netlink"));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 2 && f[1].equals("11")) {
        inodes.add("socket:[" + f[f.length - 1] + "]");
      }
    }
    List<Integer> out = new ArrayList<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          if (inodes.contains(Files.readSymbolicLink(fd).toString())) {
            out.add(Integer.parseInt(fd.getFileName().toString()));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    java.util.Collections.sort(out);
    return out;
  }

  /**
   * Starts the stand-in, with {@code prefix} (e.g. {@code setpriv ...}) before it.
   *
   * @return the process and the {@link System#nanoTime()} just before it was started
   */
  public Process start(Path cwd, String seconds, String... prefixArgs) throws IOException {
    List<String> cmd = new ArrayList<>(Arrays.asList(prefixArgs));
    cmd.add(standIn.toString());
    cmd.add(seconds);
    Process p = new ProcessBuilder(cmd).directory(cwd.toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    started.add(p);
    return p;
  }

  /** {@code setpriv} arguments that run what follows as uid/gid 65534. */
  public static String[] asNobody() {
    return new String[] {"setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"};
  }

  /** Waits up to 10 s for the adoption of {@code pid}. */
  public Adoption awaitAdoption(long pid) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      Adoption a = adopted.get(pid);
      if (a != null) {
        return a;
      }
      Thread.sleep(1);
    }
    throw new AssertionError("pid " + pid + " not adopted within 10 s; skipped: " + skipped);
  }

  /** Waits up to 10 s for a skip of {@code pid}. */
  public Skip awaitSkip(long pid) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      for (Skip s : skipped) {
        if (s.pid() == pid) {
          return s;
        }
      }
      Thread.sleep(5);
    }
    throw new AssertionError("pid " + pid + " not skipped within 10 s; adopted: "
        + adopted.keySet());
  }

  /** The adoptions so far, by pid. */
  public Map<Long, Adoption> adopted() {
    return Collections.unmodifiableMap(adopted);
  }

  /** The skips so far. */
  public List<Skip> skipped() {
    return skipped;
  }

  /** The reports so far. */
  public List<WorkloadReport> ended() {
    return ended;
  }

  /** The recoveries so far. */
  public List<GovernedWorkload> recovered() {
    return recovered;
  }

  /** Whether {@code pid} is in a cgroup of ffrtmp's. */
  public static boolean inFfrtmpCgroup(long pid) throws IOException {
    return Files.readString(Path.of("/proc/" + pid + "/cgroup")).contains("ffrtmp-wrapper-");
  }

  /**
   * Checks an adoption: the workload's cgroup is the process's, its memory limit applied.
   */
  public static void assertGoverned(GovernedWorkload w) throws IOException {
    String cgroup = w.cgroupPath().orElseThrow(() -> new AssertionError("no cgroup: "
        + w.warnings()));
    String leaf = cgroup.substring(cgroup.lastIndexOf('/') + 1);
    String member = Files.readString(Path.of("/proc/" + w.pid() + "/cgroup"));
    assertTrue(member.contains(leaf), w.pid() + " not in " + cgroup + ": " + member);
    assertEquals(EnforcementStatus.APPLIED, w.enforcement().stream()
        .filter(e -> e.constraint().key().equals("memory_limit_mb")).findFirst()
        .orElseThrow(() -> new AssertionError(w.strategy() + " " + w.enforcement())).status(),
        w.enforcement().toString());
  }

  /**
   * The connector's scenario: {@code n} stand-ins started as uid 65534 are each adopted, under
   * the rule's memory limit, a median of under {@code medianMs} after their exec (the kernel's
   * time of it); one started in a blocked directory is skipped, saying so, and left where it
   * was.
   *
   * @param n how many adoptions to time
   * @param medianMs the bound: 50 ms on a real machine; the VMs run under emulation (qemu's
   *     TCG), where everything takes 10 to 30 times as long
   * @return the watcher, still running
   */
  public Watcher adoptsAnotherUsersExecsAndSkipsTheBlocked(int n, double medianMs)
      throws Exception {
    Path blocked = Files.createDirectories(dir.resolve("blocked"));
    Watcher w = watch(List.of(rule().blockedDirs(blocked.toString()).build()),
        Watcher.Discovery.CONNECTOR, Duration.ofSeconds(1));
    assertEquals(Watcher.Discovery.CONNECTOR, w.discovery(), w.discoveryDetail());
    List<Long> sinceExec = new ArrayList<>();
    List<Long> sinceStart = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      Process p = start(dir, "30", asNobody());
      Adoption a = awaitAdoption(p.pid());
      // the kernel's time of the exec, and (an upper bound) from before the fork
      sinceExec.add(a.sinceExec().toNanos());
      sinceStart.add(a.atNanos() - t0);
      // the watcher's first scan may find it before the reader reads its exec: its time is
      // then the process's start, in ticks of 10 ms
      assertTrue(a.atNanos() - t0 + 10_000_000L >= a.sinceExec().toNanos(),
          "exec before the start? " + a.sinceExec() + " " + (a.atNanos() - t0) + " ns");
      assertGoverned(a.workload());
    }
    System.err.printf("watch: exec by uid 65534 to adopted: median %.1f ms, all %s;"
        + " from before the fork: median %.1f ms%n", medianMs(sinceExec),
        sinceExec.stream().map(t -> String.format("%.1f", t / 1e6)).toList(),
        medianMs(sinceStart));
    assertTrue(medianMs(sinceExec) < medianMs, "median of " + sinceExec);
    Process refused = start(blocked, "30");
    assertEquals("rule " + name + ": its working directory " + blocked + " is blocked",
        awaitSkip(refused.pid()).reason());
    assertFalse(inFfrtmpCgroup(refused.pid()), "a blocked process was adopted");
    assertEquals(n, w.governed().size());
    return w;
  }

  /**
   * The filters: a process of a blocked uid, one in a blocked directory and (after {@code
   * reload}) a child of a blocked parent are each skipped once, with the reason, and never put
   * in a cgroup of ffrtmp's, while one no filter refuses is adopted.
   */
  public void filtersNeverAdoptBlockedUsersDirsOrParents() throws Exception {
    Path blocked = Files.createDirectories(dir().resolve("blocked"));
    Watcher w = watch(
        List.of(rule().blockedUids(65534).blockedDirs(blocked.toString()).build()),
        Watcher.Discovery.CONNECTOR, Duration.ofSeconds(1));
    Process nobody = start(dir(), "30", WatchChecks.asNobody());
    assertEquals("rule " + name() + ": uid 65534 is blocked",
        awaitSkip(nobody.pid()).reason());
    Process inBlockedDir = start(blocked, "30");
    assertEquals("rule " + name() + ": its working directory " + blocked + " is blocked",
        awaitSkip(inBlockedDir.pid()).reason());
    // a parent: a shell that waits for a line before it starts the stand-in as its child
    Process shell = new ProcessBuilder("sh", "-c", "read x; \"$0\" 30; true",
        dir().resolve(name()).toString()).start();
    // new rules for what starts from now on (what was decided is looked at again, the same)
    w.reload(List.of(rule().blockedUids(65534).blockedDirs(blocked.toString())
        .blockedParents(shell.pid()).build()));
    shell.getOutputStream().write('\n');
    shell.getOutputStream().flush();
    long child = awaitChild(shell);
    assertEquals("rule " + name() + ": its parent " + shell.pid() + " is blocked",
        awaitSkip(child).reason());
    // and the watcher adopts what no filter refuses, meanwhile
    Process allowed = start(dir(), "30");
    WatchChecks.assertGoverned(awaitAdoption(allowed.pid()).workload());
    for (long pid : List.of(nobody.pid(), inBlockedDir.pid(), child)) {
      assertFalse(WatchChecks.inFfrtmpCgroup(pid), () -> pid + " was adopted: "
          + List.of(nobody.pid(), inBlockedDir.pid(), child) + " " + skipped() + " "
          + read("/proc/" + pid + "/cgroup"));
    }
    assertEquals(List.of(allowed.pid()), List.copyOf(adopted().keySet()));
    for (long pid : List.of(nobody.pid(), inBlockedDir.pid(), child)) {
      assertEquals(1, skipped().stream().filter(k -> k.pid() == pid).count(),
          "one skip of " + pid + ": " + skipped());
    }
    shell.destroyForcibly();
    Host.killQuietly(child);
  }

  /**
   * The scan adopts what ran before it started and, within one interval, what starts after.
   *
   * @param interval the scan's interval
   * @param slackMs what the adoption itself may add (a busy or emulated machine)
   */
  public void scanAdoptsWithinOneIntervalAndWhatRanBefore(Duration interval, long slackMs)
      throws Exception {
    Process before = start(dir(), "30");
    Watcher w = watch(List.of(rule().build()), Watcher.Discovery.SCAN, interval);
    assertEquals(Watcher.Discovery.SCAN, w.discovery());
    assertTrue(w.discoveryDetail().contains("every " + interval.toMillis() + " ms"),
        w.discoveryDetail());
    WatchChecks.assertGoverned(awaitAdoption(before.pid()).workload());
    long t0 = System.nanoTime();
    Process after = start(dir(), "30");
    WatchChecks.Adoption a = awaitAdoption(after.pid());
    WatchChecks.assertGoverned(a.workload());
    double ms = (a.atNanos() - t0) / 1e6;
    System.err.printf("watch: scan every %d ms: adopted %.1f ms after the start%n",
        interval.toMillis(), ms);
    // one interval, and the adoption itself
    assertTrue(ms < interval.toMillis() + slackMs, ms + " ms");
  }

  /**
   * The 9-second job the original's 10 s scan misses is adopted within {@code maxMs} of its
   * exec and reported once it ends.
   *
   * @param maxMs the bound on the time from its exec to its adoption
   */
  public void nineSecondJobIsGovernedForAllButItsFirstMilliseconds(long maxMs)
      throws Exception {
    Watcher w = watch(List.of(rule().build()), Watcher.Discovery.AUTO,
        Duration.ofSeconds(10));
    assertEquals(Watcher.Discovery.CONNECTOR, w.discovery(), w.discoveryDetail());
    long t0 = System.nanoTime();
    Process job = start(dir(), "9");
    WatchChecks.Adoption a = awaitAdoption(job.pid());
    WatchChecks.assertGoverned(a.workload());
    WorkloadReport r = a.workload().awaitReport();
    double governedS = (System.nanoTime() - a.atNanos()) / 1e9;
    double ranS = (System.nanoTime() - t0) / 1e9;
    System.err.printf("watch: a 9 s job: adopted %.1f ms after its exec, governed %.2f s of"
        + " %.2f s%n", a.sinceExec().toNanos() / 1e6, governedS, ranS);
    assertTrue(a.sinceExec().toMillis() < maxMs, a.sinceExec().toString());
    assertEquals(r, ended().get(0));
    assertTrue(w.governed().isEmpty(), "still governed after its report: " + w.governed());
  }

  /**
   * Short execs no rule names: nothing adopted or skipped, and once the watcher stops, none of
   * its threads left, nor its connector socket (this JVM's other descriptors come and go with
   * other tests' workloads: the socket is what the watcher opens).
   *
   * @param execs how many: a few hundred show a leak or a wrongful adoption as plainly as more;
   *     under the VMs' emulation each exec costs tens of milliseconds, more on a busy host, so
   *     the VMs run fewer than the host
   */
  public void shortExecsThatNoRuleNamesLeaveNothingBehind(int execs) throws Exception {
    long socketsBefore = connectorSockets();
    Watcher w = watch(List.of(rule().build()), Watcher.Discovery.CONNECTOR,
        Duration.ofSeconds(1));
    assertEquals(socketsBefore + 1, connectorSockets(), "the watcher's connector socket");
    long cpu0 = WatchChecks.watcherCpuNanos();
    long t0 = System.nanoTime();
    Process storm = new ProcessBuilder("sh", "-c",
        "i=0; while [ $i -lt " + execs + " ]; do /bin/true; i=$((i+1)); done").start();
    assertEquals(0, storm.waitFor());
    double seconds = (System.nanoTime() - t0) / 1e9;
    Thread.sleep(300);
    long cpu = WatchChecks.watcherCpuNanos() - cpu0;
    System.err.printf("watch: %d execs in %.2f s (%.0f/s); the watcher's CPU %.0f ms (%.1f%% of"
        + " one core)%n", execs, seconds, execs / seconds, cpu / 1e6, 100.0 * cpu / 1e9 / seconds);
    assertEquals(Map.of(), adopted());
    assertEquals(List.of(), skipped());
    assertEquals(List.of(), w.governed());
    w.stop();
    assertEquals(List.of(), WatchChecks.watcherThreads(), "threads after stop");
    assertEquals(socketsBefore, connectorSockets(), "connector sockets after stop");
  }

  /**
   * While a watcher follows forks, this JVM's VM thread and its collector's threads run at the
   * watcher's nice value, -20 (root), and once it stops at the one they had: a collection stops
   * the watcher's threads too, and must not wait behind the processes it has not stopped yet.
   */
  public void jvmServiceThreadsRunAtTheWatchersNiceWhileItWatches() throws Exception {
    Map<Integer, Long> before = serviceThreadNices();
    assertTrue(before.size() >= 2, "no VM or collector thread found: " + before);
    assertTrue(before.values().stream().allMatch(n -> n > -20), "already at -20: " + before);
    // one of them at -20 already, as someone else set it: left there afterwards
    int other = Collections.max(before.keySet());
    renice(other, -20);
    try {
      Watcher w = watch(List.of(rule().build()), Watcher.Discovery.CONNECTOR,
          Duration.ofSeconds(1));
      // (a collector thread started meanwhile takes the value of the thread that starts it)
      Map<Integer, Long> during = serviceThreadNices();
      assertTrue(during.keySet().containsAll(before.keySet()), before + " → " + during);
      assertTrue(during.values().stream().allMatch(n -> n == -20), "while it watches: " + during);
      w.stop();
      Map<Integer, Long> after = serviceThreadNices();
      long usual = before.get(Collections.min(before.keySet()));
      Map<Integer, Long> expected = new java.util.TreeMap<>();
      after.keySet().forEach(t -> expected.put(t, before.getOrDefault(t, usual)));
      expected.put(other, -20L);
      assertEquals(expected, after, "after it stopped");
    } finally {
      renice(other, before.get(other));
    }
  }

  private static void renice(int tid, long nice) throws Exception {
    assertEquals(0, new ProcessBuilder("renice", "-n", Long.toString(nice), "-p",
        Integer.toString(tid)).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(),
        "renice " + nice + " of thread " + tid);
  }

  /** The nice value of each of this JVM's VM and G1 collector threads, by thread id. */
  private static Map<Integer, Long> serviceThreadNices() throws IOException {
    Map<Integer, Long> out = new java.util.TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : tasks.toList()) {
        try {
          String comm = small(t.resolve("comm")).trim();
          if (comm.equals("VM Thread") || comm.startsWith("GC Thread")
              || comm.startsWith("G1 ")) {
            String[] f = statFields(small(t.resolve("stat")));
            out.put(Integer.parseInt(t.getFileName().toString()), Long.parseLong(f[19 - 3]));
          }
        } catch (IOException e) {
          // the thread ended
        }
      }
    }
    return out;
  }

  /**
   * This JVM's process-events sockets: its descriptors that are netlink sockets of the
   * connector's protocol (11), by the inodes {@code /proc/self/net/netlink} lists.
   */
  static long connectorSockets() throws IOException {
    return connectorFds().size();
  }


  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      return e.toString();
    }
  }

  /**
   * A matching descendant of an adoption found outside its cgroup — its fork lost to a
   * connector overflow, a move that failed — is brought back by the next scan that sees it, and
   * not adopted a second time: a shell (a copy, of a name the rule also matches) and its
   * stand-in child, started before the watcher, are adopted together; the child is moved out by
   * hand (back beside this JVM); a reload, which scans, brings it back. Before the fix the scan
   * found it, took it for "governed with its ancestor", and left it out for good.
   */
  public void aDescendantFoundOutsideItsAncestorsCgroupIsBroughtBack() throws Exception {
    Path shell = dir.resolve(name + "p");
    Files.copy(Path.of("/bin/sh").toRealPath(), shell);
    Files.setPosixFilePermissions(shell, PosixFilePermissions.fromString("rwxr-xr-x"));
    Process parent = new ProcessBuilder(shell.toString(), "-c", "\"$0\" 30 & wait",
        standIn.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    started.add(parent);
    long child = awaitChild(parent);
    // the stand-in by now, not the shell's fork of itself: an exec after the watcher started
    // would be an event, decided maybe before the scan reaches the parent, and adopted alone
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!read("/proc/" + child + "/comm").trim().equals(name)
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(name, read("/proc/" + child + "/comm").trim(), "the child's program");
    WatchRule both = WatchRule.forCommands(name, name + "p")
        .constraints(Constraints.builder().memoryLimitMb(64).build())
        .jobId(prefix + "-{pid}").build();
    Watcher w = watch(List.of(both), Watcher.Discovery.CONNECTOR, Duration.ofSeconds(1));
    GovernedWorkload adoption = awaitAdoption(parent.pid()).workload();
    assertGoverned(adoption);
    String cgroup = adoption.cgroupPath().orElseThrow();
    String leaf = cgroup.substring(cgroup.lastIndexOf('/') + 1);
    assertTrue(awaitIn(child, leaf), "the child was adopted with its parent: "
        + read("/proc/" + child + "/cgroup"));
    moveBesideThisJvm(child);
    assertFalse(inFfrtmpCgroup(child), read("/proc/" + child + "/cgroup"));
    w.reload(List.of(both));
    assertTrue(awaitIn(child, leaf), "not brought back into " + cgroup + ": "
        + read("/proc/" + child + "/cgroup"));
    assertEquals(List.of(parent.pid()), List.copyOf(adopted.keySet()), "adopted once");
    assertEquals(List.of(), skipped, "nothing skipped");
  }

  /** Waits up to 10 s for {@code pid} to be in a cgroup named {@code leaf}. */
  private static boolean awaitIn(long pid, String leaf) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    do {
      if (read("/proc/" + pid + "/cgroup").contains("/" + leaf + "\n")) {
        return true;
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    return false;
  }

  /**
   * Moves {@code pid} out of every cgroup of ffrtmp's it is in, into this JVM's cgroup of that
   * hierarchy (where it came from: this JVM started it), found through this JVM's mounts.
   */
  private static void moveBesideThisJvm(long pid) throws IOException {
    ProcCgroup mine = ProcCgroup.parse(Files.readString(Path.of("/proc/self/cgroup")));
    ProcCgroup its = ProcCgroup.parse(Files.readString(Path.of("/proc/" + pid + "/cgroup")));
    for (MountInfo.Mount m : MountInfo.parse(Files.readString(Path.of("/proc/self/mountinfo")))
        .mounts()) {
      String key = m.superOptions().stream().filter(its.v1()::containsKey).findFirst()
          .orElse(null);
      boolean v2 = m.fsType().equals("cgroup2");
      String from = v2 ? its.v2() : key == null ? null : its.v1().get(key);
      String to = v2 ? mine.v2() : key == null ? null : mine.v1().get(key);
      if (m.root().equals("/") && from != null && to != null
          && from.contains("ffrtmp-wrapper-")) {
        Files.writeString(Path.of(m.mountPoint() + to, "cgroup.procs"), Long.toString(pid));
      }
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

  /**
   * A matching fork bomb is contained by its rule's limit: a shell, copied under a name of the
   * test's own, whose every process forks two more and waits, started as uid 65534 under a rule
   * of {@code pids_max} 64. Within {@code settle} every process of it is in the adoption's
   * cgroup, and from then on their number no longer grows; it was adopted once, nothing was
   * skipped. Should it escape, the user's process limit ({@code RLIMIT_NPROC}) stops it before
   * the machine's and before the task limit of the unit the check runs in, the check fails, and
   * kills it by its name.
   *
   * <p>Contained means by the rule's limit: the bomb never reaches a quarter of the process
   * limit (without the watcher's following of forks it reaches any limit within a second; a
   * watcher that falls behind it, while the JVM collects garbage say, lets it grow to thousands
   * before it has stopped them all).
   *
   * @param settle how long the watcher may take, from the adoption, to have all of it in the
   *     cgroup
   * @param nproc the process limit of uid 65534 for the bomb: what the machine bears, and below
   *     the task limit of the unit the check runs in (the JVM's threads count there too)
   */
  public void forkBombIsContainedByItsRulesPidsLimit(Duration settle, int nproc)
      throws Exception {
    forkBombIsContainedByItsRulesPidsLimit(settle, nproc, null);
  }

  /**
   * {@link #forkBombIsContainedByItsRulesPidsLimit(Duration, int)} with a full collection of this
   * JVM's garbage ({@code System.gc()}: every Java thread stopped, the watcher's too) forced a
   * moment after the bomb's start, while it grows: the watcher then reads and stops nothing
   * until the collection ends.
   *
   * @param collectAfter how long after the bomb's start to collect, or null not to
   */
  public void forkBombIsContainedByItsRulesPidsLimit(Duration settle, int nproc,
      @Nullable Duration collectAfter) throws Exception {
    String bomb = "fb" + name.substring(2);
    Path shell = dir.resolve(bomb);
    Files.copy(Path.of("/bin/bash").toRealPath(), shell);
    Files.setPosixFilePermissions(shell, PosixFilePermissions.fromString("rwxr-xr-x"));
    bombs.add(bomb);
    watch(List.of(WatchRule.forCommands(bomb)
            .constraints(Constraints.builder().pidsMax(64).build())
            .jobId(prefix + "-bomb-{pid}").build()),
        Watcher.Discovery.CONNECTOR, Duration.ofSeconds(1));
    // below the watcher's priority, as the guide's unit runs it (Nice=-10 there; the JVM's own
    // threads, its garbage collector's among them, must not wait behind the bomb)
    List<String> cmd = new ArrayList<>(List.of("nice", "-n", "10",
        "prlimit", "--nproc=" + nproc + ":" + nproc));
    cmd.addAll(Arrays.asList(asNobody()));
    cmd.addAll(List.of(shell.toString(), "-c", "f() { f & f & wait; }; f"));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    started.add(p);
    long t0 = System.nanoTime();
    double collectedMs = 0;
    if (collectAfter != null) {
      Thread.sleep(collectAfter.toMillis());
      long g0 = System.nanoTime();
      System.gc();
      collectedMs = (System.nanoTime() - g0) / 1e6;
    }
    Adoption a = awaitAdoption(p.pid());
    String leaf = a.workload().cgroupPath().map(c -> c.substring(c.lastIndexOf('/') + 1))
        .orElseThrow(() -> new AssertionError("no cgroup: " + a.workload().warnings()));
    long hierarchies = cgroupLinesWith(p.pid(), leaf);
    assertTrue(hierarchies > 0, "the bomb's first process is not in " + leaf);
    // contained: every process of it in the cgroup in 5 samples in a row (one listing of /proc
    // is no snapshot: a child forked meanwhile may be missing from it)
    // from the adoption: how long that takes is the connector check's (and awaitAdoption's,
    // 10 s); meanwhile the watcher holds what the bomb forks beyond 32 outside the cgroup
    long deadline = a.atNanos() + settle.toNanos();
    int peak = 0;
    int inARow = 0;
    int atContainment = 0;
    int[] counts = {0, 0};
    while (inARow < 5 && System.nanoTime() < deadline) {
      counts = bombCounts(bomb, leaf, hierarchies);
      peak = Math.max(peak, counts[0]);
      inARow = counts[1] == 0 ? inARow + 1 : 0;
      atContainment = counts[1] == 0 ? Math.max(atContainment, counts[0]) : 0;
      Thread.sleep(50);
    }
    double containedMs = (System.nanoTime() - t0) / 1e6;
    assertEquals(5, inARow, "after " + settle + " " + counts[1] + " of the bomb's " + counts[0]
        + " processes are outside its cgroup " + leaf);
    // and from then on it no longer grows: what forks is in the cgroup, under pids_max
    for (int i = 0; i < 20; i++) {
      Thread.sleep(50);
      counts = bombCounts(bomb, leaf, hierarchies);
      peak = Math.max(peak, counts[0]);
      assertEquals(0, counts[1], counts[1] + " of " + counts[0] + " outside after containment");
      assertTrue(counts[0] <= Math.max(64, atContainment), counts[0]
          + " processes after containment with " + atContainment + ": it grew");
    }
    System.err.printf("watch: a fork bomb (pids_max 64) all in its cgroup %.0f ms after its"
        + " start, adopted %.1f ms after its exec; %d processes then, at most %d%s%n",
        containedMs, a.sinceExec().toNanos() / 1e6, atContainment, peak, collectAfter == null
            ? "" : String.format(" (a full collection %d ms after its start took %.0f ms)",
                collectAfter.toMillis(), collectedMs));
    // contained by the rule's limit, long before the user's process limit
    assertTrue(peak < nproc / 4, "the bomb grew to " + peak + " processes, a quarter or more of"
        + " the user's process limit " + nproc + ", before the watcher had it whole");
    assertEquals(List.of(p.pid()), List.copyOf(adopted.keySet()));
    assertEquals(List.of(), skipped);
    killByName(bomb);
  }

  private final List<String> bombs = new ArrayList<>();

  /** How many processes of a name there are, and how many of them are outside a cgroup. */
  private static int[] bombCounts(String comm, String leaf, long hierarchies) throws IOException {
    int all = 0;
    int outside = 0;
    for (long pid : byName(comm)) {
      try {
        long in = cgroupLinesWith(pid, leaf);
        all++;
        if (in != hierarchies) {
          outside++;
        }
      } catch (IOException e) {
        // gone meanwhile
      }
    }
    return new int[] {all, outside};
  }

  private static long cgroupLinesWith(long pid, String leaf) throws IOException {
    String text = small(Path.of("/proc/" + pid + "/cgroup"));
    long n = 0;
    for (int i = text.indexOf(leaf); i >= 0; i = text.indexOf(leaf, i + leaf.length())) {
      n++;
    }
    return n;
  }

  /** The processes whose {@code comm} is {@code comm}. */
  private static List<Long> byName(String comm) throws IOException {
    List<Long> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path p : s) {
        String n = p.getFileName().toString();
        if (n.chars().allMatch(Character::isDigit)) {
          try {
            if (small(p.resolve("comm")).strip().equals(comm)) {
              out.add(Long.parseLong(n));
            }
          } catch (IOException e) {
            // gone meanwhile
          }
        }
      }
    }
    return out;
  }

  /** Into one buffer: a check that reads thousands of files a second must not make garbage. */
  private static final byte[] READ = new byte[8192];

  /**
   * A small file's text, read into {@link #READ}: sampling a fork bomb reads thousands of files
   * a second, and the garbage of {@code Files.readString} (8 KiB buffers each) would make the
   * JVM collect — stopping the watcher's threads with it — while the bomb grows.
   */
  private static synchronized String small(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      int n = in.readNBytes(READ, 0, READ.length);
      return new String(READ, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
    }
  }

  /**
   * Stops, then kills, every process of a name (this check's own), until none is left: by
   * {@code kill(2)}, not a forked {@code kill}, which a bomb at its process limit can leave
   * without a process to fork.
   */
  private static void killByName(String comm) throws Exception {
    long t0 = System.nanoTime();
    long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
    List<Long> left = byName(comm);
    int most = left.size();
    int passes = 0;
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      // stopped first, all of them: a stopped process forks no more while the others die
      for (int signal : new int[] {SIGSTOP, Processes.SIGKILL}) {
        for (long pid : left) {
          Processes.signal(pid, signal);
        }
      }
      passes++;
      Thread.sleep(20);
      left = byName(comm);
      most = Math.max(most, left.size());
    }
    if (passes > 0) {
      System.err.printf("watch: %s killed: at most %d processes, %d passes, %.0f ms%n", comm,
          most, passes, (System.nanoTime() - t0) / 1e6);
    }
    assertEquals(List.of(), left, "processes named " + comm + " left");
  }

  /** SIGSTOP on Linux (x86-64 and arm64); the SPI names only what a backend sends. */
  private static final int SIGSTOP = 19;

  /** The median of some durations, in ms. */
  public static double medianMs(List<Long> nanos) {
    List<Long> s = new ArrayList<>(nanos);
    Collections.sort(s);
    int n = s.size();
    return (n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0) / 1e6;
  }

  /**
   * CPU time of this JVM's watcher threads (their native names, cut to 15 characters, start
   * with {@code ffrtmp-watch}), in ns, from {@code /proc/self/task}: ticks of 10 ms.
   */
  public static long watcherCpuNanos() throws IOException {
    long ticks = 0;
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : tasks.toList()) {
        try {
          String stat = Files.readString(t.resolve("stat"));
          String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          if (comm.startsWith("ffrtmp-watch")) {
            String[] f = statFields(stat);
            ticks += Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
          }
        } catch (IOException e) {
          // the thread ended
        }
      }
    }
    return ticks * 10_000_000L;
  }

  /** A {@code stat} line's fields after the name: field n of proc(5) at index n - 3. */
  private static String[] statFields(String stat) {
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  /** The names of this JVM's live watcher threads. */
  public static List<String> watcherThreads() {
    List<String> out = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith("ffrtmp-watch")) {
        out.add(t.getName());
      }
    }
    return out;
  }

  /**
   * Kills the fork bombs, stops the watchers, kills what was started, waits for every adopted
   * workload's report (so its cgroup is removed) and deletes the stand-in.
   */
  @Override
  public void close() throws Exception {
    // the bombs first, while the watchers still hold what they stopped: a watcher that stops
    // continues the escapees it held, outside their cgroup, and a check that failed half-way
    // (not adopted in time, say) would let its bomb grow to the user's process limit
    for (String b : bombs) {
      killByName(b);
    }
    for (Watcher w : watchers) {
      w.stop();
    }
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
    }
    for (Adoption a : adopted.values()) {
      Host.killQuietly(a.workload().pid());
      assertNotNull(a.workload().onExit().get(30, TimeUnit.SECONDS));
    }
    for (GovernedWorkload w : recovered) {
      Host.killQuietly(w.pid());
      w.onExit().get(30, TimeUnit.SECONDS);
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.toList()) {
        Files.deleteIfExists(f);
      }
    }
    Files.deleteIfExists(dir);
    assertFalse(Files.exists(dir));
  }
}
