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
import io.ffrtmp.testing.Host;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
    };
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
        .filter(e -> e.constraint().equals("memory_limit_mb")).findFirst()
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
      assertTrue(a.atNanos() - t0 >= a.sinceExec().toNanos(), "exec before the start?");
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
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks += Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
          }
        } catch (IOException e) {
          // the thread ended
        }
      }
    }
    return ticks * 10_000_000L;
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
   * Stops the watchers, kills what was started, waits for every adopted workload's report
   * (so its cgroup is removed) and deletes the stand-in.
   */
  @Override
  public void close() throws Exception {
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
