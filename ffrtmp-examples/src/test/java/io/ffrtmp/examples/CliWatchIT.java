package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ffrtmp watch} as root, from the launcher: a watcher killed while what it adopted runs,
 * and a new one that takes it back instead of adopting it again; SIGHUP reading the config file
 * again. The stand-in is a copy of {@code sleep} under a name of the test's own.
 */
class CliWatchIT {
  @TempDir Path dir;
  private Path cli;
  private String name;
  private Path standIn;
  private String tag;
  private final List<Process> started = new ArrayList<>();

  @BeforeEach
  void needsRootAndTheLauncher() throws Exception {
    cli = Shell.launcher();
    boolean root = Files.readString(Path.of("/proc/self/status")).lines()
        .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1].equals("0");
    if (!root) {
      System.err.println("SKIPPED: the watcher's CLI tests need root");
    }
    Assumptions.assumeTrue(root, "the watcher's CLI tests need root");
    tag = "cw" + ProcessHandle.current().pid();
    name = "fc" + Long.toString(System.nanoTime() % 100_000_000L, 36);
    standIn = dir.resolve(name);
    Files.copy(Path.of("/bin/sleep"), standIn);
    Files.setPosixFilePermissions(standIn, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : started) {
      p.destroyForcibly().waitFor();
    }
    assertEquals(List.of(), Shell.removeCgroups("ffrtmp-wrapper-" + tag), "cgroups left");
  }

  /**
   * A watcher whose stdout and stderr lines are queued as they come; {@code early}: its stderr
   * lines before it said it watches.
   */
  private record Watch(Process process, BlockingQueue<String> out, BlockingQueue<String> err,
      List<String> early) {
    String next(BlockingQueue<String> q, String containing) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      List<String> seen = new ArrayList<>();
      while (System.nanoTime() < deadline) {
        String line = q.poll(100, TimeUnit.MILLISECONDS);
        if (line != null) {
          seen.add(line);
          if (line.contains(containing)) {
            return line;
          }
        }
      }
      throw new AssertionError("no line with '" + containing + "' in 30 s: " + seen);
    }
  }

  private Watch watch(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(cli.toString(), "watch"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(Shell.withDefaultSignals(cmd));
    pb.environment().put("FFRTMP_JAVA_OPTS", "-Dffrtmp.state=" + dir.resolve("state"));
    Process p = pb.start();
    started.add(p);
    Watch w = new Watch(p, new LinkedBlockingQueue<>(), new LinkedBlockingQueue<>(),
        new ArrayList<>());
    pump(p.getInputStream(), w.out());
    pump(p.getErrorStream(), w.err());
    for (String line = ""; !line.contains("[wrapper] watching for"); ) {
      line = w.err().poll(30, TimeUnit.SECONDS);
      if (line == null) {
        throw new AssertionError("not watching after 30 s: " + w.early());
      }
      w.early().add(line);
    }
    return w;
  }

  private static void pump(java.io.InputStream in, BlockingQueue<String> q) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in,
          StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          q.add(line);
        }
      } catch (java.io.IOException e) {
        // the process ended
      }
    });
    t.setDaemon(true);
    t.start();
  }

  private static void signal(String name, Process p) throws Exception {
    assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start()
        .waitFor());
  }

  private Process standIn(String seconds) throws Exception {
    Process p = new ProcessBuilder(standIn.toString(), seconds).start();
    started.add(p);
    return p;
  }

  private static String cgroupOf(long pid) throws Exception {
    return Files.readAllLines(Path.of("/proc/" + pid + "/cgroup")).stream()
        .filter(l -> l.contains("memory")).findFirst().orElseThrow();
  }

  @Test
  void aRestartedWatcher_takesBackWhatTheKilledOneAdopted_noNewCgroup() throws Exception {
    String[] args = {"--target", name, "--memory-limit", "64", "--agent", tag,
        "--job-id", tag + "-{pid}", "--json"};
    Watch first = watch(args);
    Process job = standIn("60");
    String adopted = first.next(first.out(), "\"event\":\"adopted\"");
    assertTrue(adopted.startsWith("{\"event\":\"adopted\",\"pid\":" + job.pid() + ",\"job_id\":\""
        + tag + "-" + job.pid() + "\""), adopted);
    String cgroup = cgroupOf(job.pid());
    assertTrue(cgroup.contains("ffrtmp-wrapper-" + tag + "-" + job.pid()), cgroup);
    // the watcher dies without a word; its adoption stays governed
    first.process().destroyForcibly().waitFor();
    assertEquals(cgroup, cgroupOf(job.pid()));
    Watch second = watch(args);
    String recovered = second.next(second.out(), "\"event\":");
    assertTrue(recovered.startsWith("{\"event\":\"recovered\",\"pid\":" + job.pid()), recovered);
    assertEquals(cgroup, cgroupOf(job.pid()), "moved into another cgroup");
    // its end is reported by the new watcher, once; nothing was adopted again meanwhile
    job.destroy();
    String ended = second.next(second.out(), "\"event\":");
    assertTrue(ended.startsWith("{\"event\":\"ended\",\"report\":{"), ended);
    assertTrue(ended.contains("\"job_id\":\"" + tag + "-" + job.pid() + "\""), ended);
    assertTrue(second.next(second.err(), "[wrapper] JOB ").startsWith("[wrapper] JOB " + tag
        + "-" + job.pid() + " | intent=production | sla="), "the original's JOB line");
    // SIGTERM stops it, exit status 0 (Process.destroy() would close the pipes it writes to)
    signal("TERM", second.process());
    assertTrue(second.process().waitFor(30, TimeUnit.SECONDS));
    String stopped = second.next(second.err(), "stopped watching");
    assertTrue(stopped.contains("0 workloads left"), stopped);
    assertEquals(0, second.process().exitValue());
    assertTrue(second.out().stream().noneMatch(l -> l.contains("adopted")), "adopted again");
  }

  /**
   * The connector's socket overflowing for real: the watcher is stopped (SIGSTOP) while events
   * pour in, until the kernel drops some of them (its own count of the socket's drops, in
   * {@code /proc/net/netlink}); a process the rule names started then is among what is lost.
   * Continued, the watcher reads what was kept, is told of the loss ({@code ENOBUFS}), says so
   * and scans, and the scan adopts it.
   */
  @Test
  void anOverflowingConnector_isFollowedByOneScan_thatAdoptsWhatWasMissed() throws Exception {
    Watch w = watch("--target", name, "--memory-limit", "64", "--agent", tag, "--job-id",
        tag + "-{pid}");
    assertTrue(w.early().stream().anyMatch(l -> l.contains("process-events connector")),
        w.early().toString());
    long socket = connectorSocket(w.process().pid());
    signal("STOP", w.process());
    Process missed;
    try {
      // events until the kernel drops some: this JVM's threads, a fork and an exit event each
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (drops(socket) == 0) {
        assertTrue(System.nanoTime() < deadline, "the socket has not overflowed in 60 s");
        for (int i = 0; i < 200; i++) {
          Thread t = new Thread(() -> { });
          t.start();
          t.join();
        }
      }
      long before = drops(socket);
      missed = standIn("60");
      // its fork and exec among the events dropped: the kernel drops every event from now on
      // until the watcher reads
      long deadline2 = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (drops(socket) < before + 2) {
        assertTrue(System.nanoTime() < deadline2, "its events were not dropped");
        Thread.sleep(10);
      }
    } finally {
      signal("CONT", w.process());
    }
    String warning = w.next(w.err(), "WARNING");
    assertEquals("[wrapper] WARNING: the process-events socket overflowed (ENOBUFS): events were"
        + " lost; scanning /proc for what was missed", warning);
    String adopted = w.next(w.out(), "adopted pid " + missed.pid());
    assertTrue(adopted.startsWith("adopted pid " + missed.pid() + " job " + tag + "-"
        + missed.pid() + " (rule " + name + ")"), adopted);
    assertTrue(cgroupOf(missed.pid()).endsWith("/ffrtmp-wrapper-" + tag + "-" + missed.pid()),
        cgroupOf(missed.pid()));
    missed.destroy();
    w.next(w.out(), "ended pid " + missed.pid());
    signal("TERM", w.process());
    assertTrue(w.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, w.process().exitValue());
  }

  /**
   * {@code --metrics-listen}: a Prometheus scrape of the watcher, every line parsed as the text
   * format (HELP, TYPE, samples of a declared family), while an adoption runs and after it ended.
   */
  @Test
  void metricsListen_servesPrometheusTextFormat_everyLineParses() throws Exception {
    Watch w = watch("--target", name, "--memory-limit", "64", "--agent", tag, "--job-id",
        tag + "-{pid}", "--metrics-listen", "127.0.0.1:0");
    String serving = w.early().stream().filter(l -> l.contains("serving Prometheus metrics"))
        .findFirst().orElseThrow(() -> new AssertionError(w.early().toString()));
    java.util.regex.Matcher at = java.util.regex.Pattern
        .compile("\\[wrapper\\] serving Prometheus metrics at (http://127\\.0\\.0\\.1:[0-9]+/metrics)")
        .matcher(serving);
    assertTrue(at.matches(), serving);
    java.net.URI uri = java.net.URI.create(at.group(1));
    Process job = standIn("60");
    String id = tag + "-" + job.pid();
    w.next(w.out(), "adopted pid " + job.pid());
    Map<String, Double> running = Prometheus.parse(scrape(uri));
    assertEquals(1.0, running.get("ffrtmp_jobs_total{state=\"started\"}"));
    assertEquals(1.0, running.get("ffrtmp_jobs_by_mode_total{mode=\"attach\"}"));
    assertEquals(1.0, running.get("ffrtmp_jobs_active"));
    String series = "{job_id=\"" + id + "\",pid=\"" + job.pid() + "\"}";
    assertEquals(64.0 * 1024 * 1024, running.get("ffrtmp_workload_memory_limit_bytes" + series),
        "the limit in force: " + running);
    assertTrue(running.containsKey("ffrtmp_workload_cpu_usage_seconds_total" + series), running
        .toString());
    job.destroy();
    w.next(w.out(), "ended pid " + job.pid());
    Map<String, Double> after = Prometheus.parse(scrape(uri));
    assertEquals(1.0, after.get("ffrtmp_jobs_total{state=\"completed\"}"));
    assertEquals(1.0, after.get("ffrtmp_jobs_by_exit_total{exit=\"unknown\"}"),
        "an adopted process's exit status is never known");
    assertEquals(1.0, after.get("ffrtmp_job_duration_seconds_count{mode=\"attach\"}"));
    assertEquals(0.0, after.get("ffrtmp_jobs_active"));
    assertTrue(after.keySet().stream().noneMatch(k -> k.contains(id)), "its series ended with it: "
        + after);
    signal("TERM", w.process());
    assertTrue(w.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, w.process().exitValue());
    // stopped: nothing listens any more
    assertThrows(java.io.IOException.class, () -> scrape(uri));
  }

  @Test
  void metricsListen_refusesAnAddressOffTheHost() throws Exception {
    Process p = new ProcessBuilder(cli.toString(), "watch", "--target", name,
        "--metrics-listen", "0.0.0.0:9464").redirectErrorStream(true).start();
    started.add(p);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue(), out);
    assertTrue(out.contains("Invalid value for --metrics-listen: '0.0.0.0:9464': must be a"
        + " loopback address"), out);
  }

  private static String scrape(java.net.URI uri) throws Exception {
    java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(uri).timeout(java.time.Duration.ofSeconds(30))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
        r.headers().toString());
    return r.body();
  }

  /** The inode of a process's process-events socket (netlink protocol 11, the connector). */
  private static long connectorSocket(long pid) throws Exception {
    Set<Long> sockets = new HashSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
      for (Path fd : fds) {
        try {
          String link = Files.readSymbolicLink(fd).toString();
          if (link.startsWith("socket:[")) {
            sockets.add(Long.parseLong(link.substring(8, link.length() - 1)));
          }
        } catch (java.io.IOException e) {
          // closed meanwhile
        }
      }
    }
    List<Long> found = netlink().stream().filter(c -> c[0] == 11 && sockets.contains(c[2]))
        .map(c -> c[2]).toList();
    assertEquals(1, found.size(), "the watcher's connector sockets: " + found);
    return found.get(0);
  }

  /** How many events the kernel dropped for a netlink socket. */
  private static long drops(long inode) throws Exception {
    return netlink().stream().filter(c -> c[2] == inode).findFirst()
        .orElseThrow(() -> new AssertionError("no socket " + inode)) [1];
  }

  /** {@code /proc/net/netlink}: {protocol, drops, inode} per socket. */
  private static List<long[]> netlink() throws Exception {
    return Files.readAllLines(Path.of("/proc/net/netlink")).stream().skip(1)
        .map(l -> l.trim().split("\\s+"))
        .map(c -> new long[] {Long.parseLong(c[1]), Long.parseLong(c[8]), Long.parseLong(c[9])})
        .toList();
  }

  @Test
  void aRecordItCannotTakeBack_isAWarningOnStandardError() throws Exception {
    Path agentDir = Files.createDirectories(dir.resolve("state").resolve("agent-" + tag));
    Path corrupt = agentDir.resolve("ffrtmp-wrapper-bad.1.1.start");
    Files.writeString(corrupt, "version=1\npid=x\n");
    Watch w = watch("--target", name, "--agent", tag, "--json");
    String warning = w.early().stream().filter(l -> l.contains("WARNING")).findFirst()
        .orElseThrow(() -> new AssertionError("no warning: " + w.early()));
    assertTrue(warning.startsWith("[wrapper] WARNING: refusing record " + corrupt)
        && warning.contains("corrupt"), warning);
    assertTrue(w.out().isEmpty(), "standard output keeps to the events: " + w.out());
    signal("TERM", w.process());
    assertTrue(w.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, w.process().exitValue());
  }

  @Test
  void sighup_readsTheConfigAgain_forWhatStartsFromThenOn() throws Exception {
    Path other = dir.resolve(name + "b");
    Files.copy(standIn, other);
    Path config = dir.resolve("watch-config.yaml");
    Files.writeString(config, "scan_interval: 1s\ntarget_commands: [" + name + "]\n"
        + "default_limits:\n  memory_limit: 64\n");
    Watch w = watch("--config", config.toString(), "--agent", tag, "--job-id", tag + "-{pid}");
    Process first = standIn("60");
    assertTrue(w.next(w.out(), "adopted").startsWith("adopted pid " + first.pid() + " job "
        + tag + "-" + first.pid() + " (rule " + name + ")"));
    Files.writeString(config, "target_commands: [" + name + "b]\ncommands:\n  " + name + "b:\n"
        + "    limits: {memory_limit: 32}\n");
    signal("HUP", w.process());
    assertTrue(w.next(w.err(), "reloaded").contains("watching for " + name + "b"));
    Process second = new ProcessBuilder(other.toString(), "60").start();
    started.add(second);
    assertTrue(w.next(w.out(), "adopted").startsWith("adopted pid " + second.pid()));
    String memory = cgroupOf(second.pid());
    assertTrue(memory.endsWith("/ffrtmp-wrapper-" + tag + "-" + second.pid()), memory);
    assertEquals("33554432", Files.readString(Path.of("/sys/fs/cgroup/memory"
        + memory.substring(memory.indexOf(":/") + 1), "memory.limit_in_bytes")).trim(),
        "the new rule's limit");
    // a broken file leaves the rules as they were
    Files.writeString(config, "target_commands: [" + name + "]\nfilterz: {}\n");
    signal("HUP", w.process());
    String refused = w.next(w.err(), "not reloaded");
    assertTrue(refused.contains(":2: filterz: unknown key"), refused);
    assertTrue(w.process().isAlive());
    first.destroy();
    second.destroy();
    w.next(w.out(), "ended pid");
    w.next(w.out(), "ended pid");
    signal("TERM", w.process());
    assertTrue(w.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, w.process().exitValue());
    assertFalse(w.err().stream().anyMatch(l -> l.contains("Exception")), w.err().toString());
  }
}
