package io.ffrtmp.examples.bench;

import io.ffrtmp.Constraints;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.WatchListener;
import io.ffrtmp.WatchRule;
import io.ffrtmp.Watcher;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * ffrtmp's benchmarks: each scenario measures a baseline and the governed figure in the same run,
 * interleaved, and prints both with their p50 ratio. Ratios are the claims; absolute times on a
 * shared machine are not.
 *
 * <pre>
 * java -p ffrtmp-examples/target/lib -m io.ffrtmp.examples/io.ffrtmp.examples.bench.Benchmarks \
 *     [launch|exit|scale|usage|cli|records|watch|metrics|all] [--quick]
 * </pre>
 */
public final class Benchmarks {
  private final boolean quick;

  private Benchmarks(boolean quick) {
    this.quick = quick;
  }

  /**
   * Entry point.
   *
   * @param args the scenario ({@code all} by default) and {@code --quick} for fewer iterations
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    String scenario = "all";
    boolean quick = false;
    for (String a : args) {
      if (a.equals("--quick")) {
        quick = true;
      } else {
        scenario = a;
      }
    }
    Benchmarks b = new Benchmarks(quick);
    System.out.printf(Locale.ROOT, "ffrtmp benchmarks — kernel %s, %d CPUs, Java %s, %s%n",
        System.getProperty("os.version"), Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), java.time.Instant.now());
    int failures = 0;
    if (scenario.equals("all") || scenario.equals("launch")) {
      failures += b.launch();
    }
    if (scenario.equals("all") || scenario.equals("exit")) {
      failures += b.exitDetection();
    }
    if (scenario.equals("all") || scenario.equals("usage")) {
      failures += b.usage();
    }
    if (scenario.equals("all") || scenario.equals("scale")) {
      failures += b.scale();
    }
    if (scenario.equals("all") || scenario.equals("cli")) {
      failures += b.cli();
    }
    if (scenario.equals("all") || scenario.equals("records")) {
      failures += b.records();
    }
    if (scenario.equals("all") || scenario.equals("watch")) {
      failures += b.watch();
    }
    if (scenario.equals("all") || scenario.equals("metrics")) {
      failures += b.metrics();
    }
    if (missed > 0) {
      System.out.println();
      System.out.println(missed + " goal(s) not met in this run: docs/PERFORMANCE.md gives, for"
          + " each, where the time goes (measured) and what was tried.");
    }
    System.exit(failures == 0 ? 0 : 1);
  }

  /** Goals this run missed. */
  private static int missed;

  private static String goal(boolean met) {
    if (!met) {
      missed++;
    }
    return met ? "MET" : "NOT MET";
  }

  // ---- metrics: what counting and scraping cost per workload ---------------------------------

  /**
   * {@link io.ffrtmp.metrics.WorkloadMetrics} and the CLI's Prometheus endpoint with {@code n}
   * running workloads (`sleep`, memory limit 64 MB): the heap the counts hold per workload (used
   * heap after GC with the counts, then with them closed and dropped), and the time of one HTTP
   * scrape — each workload's usage read once, and from the cache of readings — against
   * the scrape of the same endpoint with no workload, measured in the same run.
   */
  int metrics() throws Exception {
    int n = quick ? 100 : 1000;
    int scrapes = quick ? 20 : 50;
    System.out.println();
    System.out.println("[metrics] " + n + " running `sleep` workloads counted by WorkloadMetrics"
        + " and scraped through the CLI's Prometheus endpoint (HTTP on loopback)");
    java.net.InetSocketAddress at = new java.net.InetSocketAddress(
        java.net.InetAddress.getLoopbackAddress(), 0);
    // HTTP/1.1 on one kept connection, as Prometheus scrapes
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    long[] empty;
    try (io.ffrtmp.metrics.WorkloadMetrics none = io.ffrtmp.metrics.WorkloadMetrics.start(
            java.time.Duration.ZERO);
        io.ffrtmp.cli.PrometheusEndpoint e =
            io.ffrtmp.cli.PrometheusEndpoint.serve(none, at)) {
      empty = scrapes(http, e.port(), scrapes, 0);
    }
    List<GovernedWorkload> ws = java.util.Collections.synchronizedList(new ArrayList<>());
    long[] cold;
    long[] cached;
    long perWorkloadHeap;
    int lines;
    int bad = 0;
    try {
      // usage readings at most 100 ms old, scraped 150 ms apart: each scrape reads every
      // workload's usage once, as a scrape every 15 s does with the default age of 1 s
      io.ffrtmp.metrics.WorkloadMetrics fresh = io.ffrtmp.metrics.WorkloadMetrics.start(
          java.time.Duration.ofMillis(100));
      io.ffrtmp.metrics.WorkloadMetrics cache = io.ffrtmp.metrics.WorkloadMetrics.start();
      for (int i = 0; i < n; i++) {
        ws.add(scaleWorkload("bench-metrics-" + i));
      }
      try (io.ffrtmp.cli.PrometheusEndpoint e =
          io.ffrtmp.cli.PrometheusEndpoint.serve(fresh, at)) {
        cold = scrapes(http, e.port(), scrapes, 150);
        lines = scrape(http, e.port()).split("\n").length;
      }
      try (io.ffrtmp.cli.PrometheusEndpoint e =
          io.ffrtmp.cli.PrometheusEndpoint.serve(cache, at)) {
        scrape(http, e.port()); // fills the cache
        cached = scrapes(http, e.port(), scrapes, 0);
      }
      fresh.close();
      long with = usedHeapAfterGc();
      cache.close();
      cache = null;
      long without = usedHeapAfterGc();
      perWorkloadHeap = (with - without) / n;
      if (fresh.activeCount() != n) {
        bad++;
      }
    } finally {
      bad += killAll(ws);
    }
    Stats s0 = Stats.of("scrape, no workload", empty);
    Stats sc = Stats.of("scrape, " + n + " workloads, usage read once", cold);
    Stats sw = Stats.of("scrape, " + n + " workloads, usage cached (1 s)", cached);
    System.out.println(s0.line());
    System.out.println(sc.line());
    System.out.println(sw.line());
    System.out.printf(Locale.ROOT, "  %d lines a scrape; per workload: %.1f us a scrape with its"
        + " usage read, %.1f us cached; %d bytes of heap in the counts%n", lines,
        (sc.percentile(50) - s0.percentile(50)) / 1e3 / n,
        (sw.percentile(50) - s0.percentile(50)) / 1e3 / n, perWorkloadHeap);
    System.out.println("  p50 ratio to the empty scrape: usage read " + Stats.ratio(sc, s0)
        + ", cached " + Stats.ratio(sw, s0) + "; reports wrong: " + bad);
    return bad == 0 ? 0 : 1;
  }

  private static long[] scrapes(java.net.http.HttpClient http, int port, int n, long pauseMs)
      throws Exception {
    scrape(http, port); // the first: class loading and the connection
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      Thread.sleep(pauseMs);
      long t0 = System.nanoTime();
      scrape(http, port);
      out[i] = System.nanoTime() - t0;
    }
    return out;
  }

  private static String scrape(java.net.http.HttpClient http, int port) throws Exception {
    java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("scrape: HTTP " + r.statusCode());
    }
    return r.body();
  }

  // ---- watch: from exec to placed, and the cost of what is not watched -----------------------

  /**
   * The watcher: how long after its exec a process is in its cgroup (the connector, and the
   * scan at its default 1 s, measured in the same run; the original wrapper's 10 s scan leaves a
   * process ungoverned for half its interval on average), and what a storm of execs that no
   * rule names costs it.
   */
  int watch() throws Exception {
    int n = quick ? 20 : 100;
    Path dir = Files.createTempDirectory("ffrtmp-bench-watch-");
    String name = "fb" + Long.toString(System.nanoTime() % 100_000_000L, 36);
    Path standIn = dir.resolve(name);
    Files.copy(Path.of("/bin/sleep"), standIn);
    Files.setPosixFilePermissions(standIn,
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    WatchRule rule = WatchRule.forCommands(name).jobId("bench-watch-{pid}")
        .constraints(Constraints.builder().memoryLimitMb(256).build()).build();
    System.out.println();
    System.out.println("[watch] a copy of sleep started " + n + " times, each adopted under a"
        + " 256 MB limit; time from its exec to placed (the kernel's time of the exec with the"
        + " connector, its start time with the scan)");
    int failures = 0;
    try {
      long[] connector = adoptions(rule, standIn, n, Watcher.Discovery.AUTO);
      long[] scan = adoptions(rule, standIn, Math.max(10, n / 5), Watcher.Discovery.SCAN);
      Stats sc = Stats.of("connector", connector);
      Stats ss = Stats.of("scan every 1 s", scan);
      System.out.println(sc.line());
      System.out.println(ss.line());
      System.out.printf(Locale.ROOT, "  ratio scan(1 s)/connector p50 = %.0f; the original's"
          + " 10 s scan (uniform delay: p50 5 s, p99 9.9 s) / connector: p50 = %.0f, p99 ="
          + " %.0f%n", (double) ss.percentile(50) / sc.percentile(50),
          5e9 / sc.percentile(50), 9.9e9 / sc.percentile(99));
      failures += storm(rule, standIn);
    } finally {
      Files.deleteIfExists(standIn);
      Files.deleteIfExists(dir);
    }
    return failures;
  }

  /** Starts the stand-in {@code n} times under a watcher; the times from exec to adopted. */
  private static long[] adoptions(WatchRule rule, Path standIn, int n, Watcher.Discovery d)
      throws Exception {
    java.util.concurrent.BlockingQueue<Long> since = new java.util.concurrent.LinkedBlockingQueue<>();
    List<GovernedWorkload> adopted = new java.util.concurrent.CopyOnWriteArrayList<>();
    long[] out = new long[n];
    try (Watcher w = watcher(rule, d, adopted, since)) {
      if (d == Watcher.Discovery.AUTO) {
        System.out.println("  discovery: " + w.discoveryDetail());
      }
      java.util.Random random = new java.util.Random();
      for (int i = 0; i < n; i++) {
        if (d == Watcher.Discovery.SCAN) {
          // at a random point of the interval: right after an adoption is right after a scan
          Thread.sleep(random.nextInt(1000));
        }
        Process p = new ProcessBuilder(standIn.toString(), "30").start();
        Long t = since.poll(30, TimeUnit.SECONDS);
        if (t == null) {
          throw new IllegalStateException("pid " + p.pid() + " not adopted within 30 s");
        }
        out[i] = t;
        p.destroyForcibly().waitFor();
      }
    }
    for (GovernedWorkload g : adopted) {
      g.onExit().get(30, TimeUnit.SECONDS);
    }
    return out;
  }

  /**
   * 1,000 execs per loop of a program no rule names, from as many loops as CPUs, while a
   * watcher runs: the exec rate, the watcher's CPU time, and a stand-in started at the end still
   * adopted at once.
   */
  private int storm(WatchRule rule, Path standIn) throws Exception {
    int loops = Runtime.getRuntime().availableProcessors();
    java.util.concurrent.BlockingQueue<Long> since = new java.util.concurrent.LinkedBlockingQueue<>();
    List<GovernedWorkload> adopted = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (Watcher w = watcher(rule, Watcher.Discovery.AUTO, adopted, since)) {
      // warm the reader's code path first, as a watcher that has run a while has
      run("sh", "-c", "i=0; while [ $i -lt 500 ]; do /bin/true; i=$((i+1)); done");
      long cpu0 = watcherCpuNanos();
      long t0 = System.nanoTime();
      List<Process> ps = new ArrayList<>();
      for (int i = 0; i < loops; i++) {
        ps.add(new ProcessBuilder("sh", "-c",
            "i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done").start());
      }
      for (Process p : ps) {
        p.waitFor();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      Process last = new ProcessBuilder(standIn.toString(), "30").start();
      Long t = since.poll(30, TimeUnit.SECONDS);
      last.destroyForcibly().waitFor();
      long cpu = watcherCpuNanos() - cpu0;
      int execs = loops * 1000;
      System.out.printf(Locale.ROOT, "[watch storm] %d execs of /bin/true (no rule names it) from"
          + " %d loops in %.2f s = %.0f execs/s; the watcher's threads used %.0f ms of CPU ="
          + " %.0f µs an exec, %.1f%% of one CPU at this rate (%s); a stand-in started after it:"
          + " adopted %s after its exec%n", execs, loops, seconds, execs / seconds, cpu / 1e6,
          cpu / 1e3 / execs, 100.0 * cpu / 1e9 / seconds, w.discovery(),
          t == null ? "NOT" : Stats.ms(t));
      if (t == null || !adopted.stream().allMatch(g -> g.jobId().startsWith("bench-watch-"))) {
        return 1;
      }
    }
    for (GovernedWorkload g : adopted) {
      g.onExit().get(30, TimeUnit.SECONDS);
    }
    return 0;
  }

  /** A watcher of the benchmark's agent that records each adoption and its time since exec. */
  private static Watcher watcher(WatchRule rule, Watcher.Discovery d,
      List<GovernedWorkload> adopted, java.util.concurrent.BlockingQueue<Long> since)
      throws IOException {
    return Workload.watch(List.of(rule)).withDiscovery(d).withAgent("bench-watch")
        .withListener(new WatchListener() {
          @Override
          public void adopted(GovernedWorkload g, WatchRule r, java.time.Duration sinceExec) {
            adopted.add(g);
            since.add(sinceExec.toNanos());
          }
        }).start();
  }

  /** CPU time of this JVM's watcher threads ({@code ffrtmp-watch-*}), in ns. */
  private static long watcherCpuNanos() {
    var mx = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (var info : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("ffrtmp-watch")) {
        total += Math.max(0, mx.getThreadCpuTime(info.getThreadId()));
      }
    }
    return total;
  }

  // ---- 1. launch overhead --------------------------------------------------------------------

  int launch() throws Exception {
    int warmup = quick ? 20 : 100;
    int n = quick ? 100 : 500;
    // the libcgroup pipeline drives the v1 controllers cpu, cpuacct and memory
    boolean cgexec = Files.isExecutable(Path.of("/usr/bin/cgexec"))
        && Files.isDirectory(Path.of("/sys/fs/cgroup/cpu"))
        && Files.isDirectory(Path.of("/sys/fs/cgroup/memory"));
    long seed = System.nanoTime();
    java.util.Random random = new java.util.Random(seed);
    System.out.println();
    System.out.println("[launch] /bin/true from start() to exit, report and cgroup removal;"
        + " cpu quota 50, memory limit 256 MB; " + n + " runs each after at least " + warmup
        + " warm-up rounds, interleaved in a random order per round (seed " + seed + "), so"
        + " that no series always follows the other's cgroup removals");
    String[] strategy = {"?"};
    long[][] pg = interleaved(random, warmup, n, this::plainRun, () -> strategy[0] = governedRun());
    Stats sp = Stats.of("plain ProcessBuilder.start()+waitFor()", pg[0]);
    Stats sg = Stats.of("ffrtmp governed (" + strategy[0] + ")", pg[1]);
    System.out.println(sp.line());
    System.out.println(sg.line());
    double r50 = (double) sg.percentile(50) / sp.percentile(50);
    double r90 = (double) sg.percentile(90) / sp.percentile(90);
    double r99 = (double) sg.percentile(99) / sp.percentile(99);
    System.out.printf(Locale.ROOT, "  ratio governed/plain p50 = %.2f (goal <= 1.5: %s),"
        + " p90 = %.2f (goal <= 2: %s), p99 = %.2f%n", r50, goal(r50 <= 1.5), r90,
        goal(r90 <= 2), r99);
    if (cgexec) {
      // a separate round: the pipeline's seven processes and three cgroup removals disturb
      // whatever follows them, so it is compared with governed runs that share that disturbance
      int[] round = {0};
      long[][] lg = interleaved(random, warmup / 5, n / 5,
          () -> libcgroupPipeline(round[0]++), () -> strategy[0] = governedRun());
      Stats sl = Stats.of("libcgroup cgcreate+cgset×2+cgexec+cgdelete×3", lg[0]);
      Stats sg2 = Stats.of("ffrtmp governed, interleaved with libcgroup", lg[1]);
      System.out.println(sl.line());
      System.out.println(sg2.line());
      double faster = (double) sl.percentile(50) / sg2.percentile(50);
      System.out.printf(Locale.ROOT, "  libcgroup/governed p50 = %.2f (goal >= 5: %s)%n", faster,
          goal(faster >= 5));
    } else {
      System.out.println("  libcgroup baseline not measured: /usr/bin/cgexec missing"
          + " (apt-get install cgroup-tools) or no cgroup v1 cpu and memory hierarchies");
    }
    keeperMemory();
    return 0;
  }

  /** One measured step of a benchmark. */
  private interface Step {
    void run() throws Exception;
  }

  /**
   * Times {@code a} and {@code b} alternately, in a random order per round, after warm-up: at
   * least {@code warmup} rounds, then more until the JIT compilers have been idle for a whole
   * block of rounds (at most {@value #MAX_WARMUP_BLOCKS} blocks): on a small machine a compiler
   * thread still at work takes a CPU from whichever launch runs beside it, which is start-up
   * cost, not the steady state measured here.
   */
  private static long[][] interleaved(java.util.Random random, int warmup, int n, Step a, Step b)
      throws Exception {
    for (int i = 0; i < warmup; i++) {
      round(random, a, b, null, 0);
    }
    java.lang.management.CompilationMXBean jit =
        java.lang.management.ManagementFactory.getCompilationMXBean();
    int extra = 0;
    if (jit != null && jit.isCompilationTimeMonitoringSupported()) {
      for (int block = 0; block < MAX_WARMUP_BLOCKS; block++) {
        long before = jit.getTotalCompilationTime();
        for (int i = 0; i < WARMUP_BLOCK; i++) {
          round(random, a, b, null, 0);
        }
        extra += WARMUP_BLOCK;
        if (jit.getTotalCompilationTime() == before) {
          break;
        }
      }
    }
    System.out.println("  warm-up: " + (warmup + extra) + " rounds (" + warmup
        + ", then until the JIT compilers were idle for " + WARMUP_BLOCK + " rounds)");
    long[][] t = new long[2][n];
    for (int i = 0; i < n; i++) {
      round(random, a, b, t, i);
    }
    return t;
  }

  private static final int WARMUP_BLOCK = 50;
  private static final int MAX_WARMUP_BLOCKS = 40;

  /** One round: {@code a} and {@code b} in a random order, timed into {@code t[.][i]}. */
  private static void round(java.util.Random random, Step a, Step b, long @Nullable [][] t, int i)
      throws Exception {
    boolean aFirst = random.nextBoolean();
    for (int k = 0; k < 2; k++) {
      int which = (k == 0) == aFirst ? 0 : 1;
      long t0 = System.nanoTime();
      (which == 0 ? a : b).run();
      if (t != null) {
        t[which][i] = System.nanoTime() - t0;
      }
    }
  }

  private void plainRun() throws Exception {
    new ProcessBuilder("/bin/true").inheritIO().start().waitFor();
  }

  private static String governedRun() throws Exception {
    WorkloadReport r = Workload.run("/bin/true").withJobId("bench-launch").withCpuQuota(50)
        .withMemoryLimitMb(256).start().awaitReport();
    if (r.exitCode() == null || r.exitCode() != 0 || !r.warnings().isEmpty()) {
      throw new IllegalStateException("governed run failed: " + r.toJson());
    }
    return r.strategy();
  }

  /** What the keeper (the workload's parent, recording its exit) costs in memory. */
  private static void keeperMemory() throws Exception {
    io.ffrtmp.GovernedWorkload w = Workload.run("sleep", "30").withJobId("bench-keeper").start();
    try {
      long keeper = w.process().orElseThrow().toHandle().parent().orElseThrow().pid();
      Thread.sleep(100);
      long rss = kb(Path.of("/proc/" + keeper + "/status"), "VmRSS:");
      long pss = kb(Path.of("/proc/" + keeper + "/smaps_rollup"), "Pss:");
      System.out.printf(Locale.ROOT, "  keeper (the workload's parent, one per workload):"
          + " VmRSS %d kB, Pss %d kB (static, no libc: its pages are shared by every keeper)%n",
          rss, pss);
    } finally {
      w.terminate(java.time.Duration.ZERO);
      w.awaitReport();
    }
  }

  private static long kb(Path file, String key) throws Exception {
    for (String line : Files.readAllLines(file)) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
      }
    }
    return -1;
  }

  private static void libcgroupPipeline(int i) throws Exception {
    // one -g per controller (cpu and cpuacct are separate hierarchies here); cgdelete removes
    // only its first -g here, so it runs once per hierarchy, or it would leave cgroups behind
    String n = "ffrtmp-bench-cgexec";
    run("cgcreate", "-g", "cpu:" + n, "-g", "cpuacct:" + n, "-g", "memory:" + n);
    run("cgset", "-r", "cpu.cfs_quota_us=50000", n);
    run("cgset", "-r", "memory.limit_in_bytes=268435456", n);
    run("cgexec", "-g", "cpu:" + n, "-g", "cpuacct:" + n, "-g", "memory:" + n, "/bin/true");
    run("cgdelete", "-g", "cpu:" + n);
    run("cgdelete", "-g", "cpuacct:" + n);
    run("cgdelete", "-g", "memory:" + n);
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed");
    }
  }

  // ---- 2. exit detection of adopted processes ------------------------------------------------

  /** Starts a process that is not this JVM's child (its parent shell exits at once). */
  private static long orphanSleep() throws Exception {
    Process sh = new ProcessBuilder("/bin/sh", "-c", "sleep 600 >/dev/null 2>&1 & echo $!").start();
    String line = new BufferedReader(new InputStreamReader(sh.getInputStream())).readLine();
    sh.waitFor();
    return Long.parseLong(line.trim());
  }

  int exitDetection() throws Exception {
    int n = quick ? 50 : 500;
    int nJdk = quick ? 20 : 50;
    System.out.println();
    System.out.println("[exit] adopted (non-child) process: from SIGKILL to a complete report, " + n
        + " runs after warm-up; baseline: the JDK's ProcessHandle.onExit() on equal processes ("
        + nJdk + ", waited for together since each takes about a second)");
    long[] ours = new long[n];
    for (int i = -(quick ? 20 : 200); i < n; i++) {
      long b = orphanSleep();
      GovernedWorkload w = Workload.attach(b).withJobId("bench-exit").start();
      CompletableFuture<Long> oursDone = w.onExit().thenApply(r -> System.nanoTime());
      long tb = System.nanoTime();
      ProcessHandle.of(b).orElseThrow().destroyForcibly();
      long db = oursDone.get(10, TimeUnit.SECONDS) - tb;
      if (i >= 0) {
        ours[i] = db;
      }
    }
    // processes that exit while being adopted: killed from another thread during start()
    List<Long> during = new ArrayList<>();
    List<Long> noticed = new ArrayList<>();
    int missed = 0;
    java.util.Random random = new java.util.Random(42);
    for (int i = -(quick ? 10 : 50); i < n; i++) {
      long b = orphanSleep();
      long[] killedAt = new long[1];
      int delayUs = random.nextInt(3000);
      Thread killer = new Thread(() -> {
        long until = System.nanoTime() + delayUs * 1000L;
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        killedAt[0] = System.nanoTime();
        ProcessHandle.of(b).ifPresent(ProcessHandle::destroyForcibly);
      });
      GovernedWorkload w;
      killer.start();
      long started;
      try {
        w = Workload.attach(b).withJobId("bench-exit-adopting").start();
        started = System.nanoTime();
      } catch (io.ffrtmp.NoSuchProcessException | io.ffrtmp.AttachException e) {
        killer.join();
        missed++; // gone (or a zombie) before the adoption began: nothing to report
        continue;
      }
      long reported = w.onExit().thenApply(r -> System.nanoTime()).get(10, TimeUnit.SECONDS);
      killer.join();
      if (i >= 0) {
        during.add(Math.max(0, reported - killedAt[0]));
        // the adoption cannot report before it has finished: how soon after the later of the
        // kill and the end of start() the exit was seen
        noticed.add(Math.max(0, reported - Math.max(killedAt[0], started)));
      }
    }
    long[] duringArr = during.stream().mapToLong(Long::longValue).toArray();
    if (duringArr.length == 0) {
      throw new IllegalStateException("no process exited during its adoption (" + missed
          + " were gone before it began): the measurement needs another timing");
    }
    long[] noticedArr = noticed.stream().mapToLong(Long::longValue).toArray();
    long[] all = new long[ours.length + noticedArr.length];
    System.arraycopy(ours, 0, all, 0, ours.length);
    System.arraycopy(noticedArr, 0, all, ours.length, noticedArr.length);
    long[] jdk = new long[nJdk];
    List<CompletableFuture<Long>> done = new ArrayList<>();
    long[] killedAt = new long[nJdk];
    List<Long> pids = new ArrayList<>();
    for (int i = 0; i < nJdk; i++) {
      long a = orphanSleep();
      pids.add(a);
      done.add(ProcessHandle.of(a).orElseThrow().onExit().thenApply(h -> System.nanoTime()));
    }
    for (int i = 0; i < nJdk; i++) {
      killedAt[i] = System.nanoTime();
      ProcessHandle.of(pids.get(i)).orElseThrow().destroyForcibly();
    }
    for (int i = 0; i < nJdk; i++) {
      jdk[i] = done.get(i).get(30, TimeUnit.SECONDS) - killedAt[i];
    }
    Stats sj = Stats.of("JDK ProcessHandle.onExit() (non-child)", jdk);
    Stats so = Stats.of("ffrtmp attach: exit to complete report", ours);
    Stats sd = Stats.of("exit during adoption: kill to report", duringArr);
    Stats sn = Stats.of("exit during adoption: seen after start()", noticedArr);
    Stats sa = Stats.of("ffrtmp attach: exit seen, both kinds", all);
    System.out.println(sj.line());
    System.out.println(so.line());
    System.out.println(sd.line() + " (" + missed + " gone before the adoption began;"
        + " includes finishing the adoption)");
    System.out.println(sn.line());
    System.out.println(sa.line());
    System.out.printf(Locale.ROOT, "  JDK/ffrtmp p50 = %.0fx; ffrtmp p99 (both) = %s (goal <= 5 ms:"
        + " %s)%n", (double) sj.percentile(50) / Math.max(1, sa.percentile(50)),
        Stats.ms(sa.percentile(99)), goal(sa.percentile(99) <= 5_000_000));
    return 0;
  }

  // ---- records: list and recover at scale ---------------------------------------------------

  /**
   * {@code list()} of 10,000 records and {@code recover()} of 1,000, against an empty records
   * directory in the same run, and with 300 more processes on the host (the old recovery
   * scanned /proc once per record). The records are copies of a real one (this JVM's start
   * record of a {@code sleep}), in an agent's directory of their own, whose governor and
   * keeper are gone and whose exit was recorded: the common case after an agent's restart.
   */
  int records() throws Exception {
    int listed = quick ? 2_000 : 10_000;
    int recovered = quick ? 200 : 1_000;
    String agent = "bench-records-" + ProcessHandle.current().pid();
    System.out.println();
    System.out.println("[records] Workload.recovery(agent).list() of " + listed
        + " records and recover() of " + recovered + " (each awaited to its report), against"
        + " an empty records directory; list again with 300 more processes on the host");
    io.ffrtmp.Recovery records = Workload.recovery(agent);
    GovernedWorkload w = Workload.run("sleep", "600").withJobId("bench-records")
        .withAgent(agent).start();
    Path dir = records.directory().orElseThrow(() -> new IllegalStateException(
        "no state directory: " + records.warnings()));
    Path template;
    try (var s = Files.list(dir)) {
      template = s.filter(f -> f.toString().endsWith(".start")).findFirst().orElseThrow();
    }
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    long deadPid = gone.pid();
    String text = Files.readString(template, java.nio.charset.StandardCharsets.ISO_8859_1)
        .replaceAll("(?m)^(governor_pid|pid|keeper_pid)=.*$", "$1=" + deadPid);
    w.terminate(java.time.Duration.ZERO);
    w.awaitReport();
    String exit = "ffrtmp-exit 1\npid " + deadPid + "\nexited 0\nended "
        + java.time.Instant.now().getEpochSecond() + " 0\nend\n";
    List<Process> others = new ArrayList<>();
    try {
      long empty = medianMillisOf(5, () -> records.list());
      for (int i = 0; i < listed; i++) {
        String name = "ffrtmp-wrapper-bench-records-" + i + "." + deadPid + "." + i;
        Files.writeString(dir.resolve(name + ".start"), text,
            java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.writeString(dir.resolve(name + ".exit"), exit);
      }
      int[] count = {0};
      long full = medianMillisOf(5, () -> count[0] = records.list().size());
      for (int i = 0; i < 300; i++) {
        others.add(new ProcessBuilder("sleep", "600").start());
      }
      long crowded = medianMillisOf(5, () -> records.list());
      others.forEach(Process::destroyForcibly);
      System.out.printf(Locale.ROOT, "  list: empty %d ms, %d records %d ms (%d found, %.1f µs"
          + " per record; goal <= 1000 ms: %s), with 300 more processes %d ms (ratio %.2f)%n",
          empty, listed, full, count[0], full * 1000.0 / listed, goal(full <= 1000), crowded,
          (double) crowded / Math.max(1, full));
      // keep the first `recovered` records, drop the rest
      for (int i = recovered; i < listed; i++) {
        String name = "ffrtmp-wrapper-bench-records-" + i + "." + deadPid + "." + i;
        Files.delete(dir.resolve(name + ".start"));
        Files.delete(dir.resolve(name + ".exit"));
      }
      long t0 = System.nanoTime();
      List<GovernedWorkload> all = records.recover();
      long claimed = System.nanoTime();
      for (GovernedWorkload r : all) {
        r.awaitReport();
      }
      long reported = System.nanoTime();
      long emptyRecover = medianMillisOf(5, () -> records.recover());
      System.out.printf(Locale.ROOT, "  recover: %d records claimed in %d ms, all reported in"
          + " %d ms (%.1f µs per workload); an empty directory %d ms%n", all.size(),
          (claimed - t0) / 1_000_000, (reported - t0) / 1_000_000,
          (reported - t0) / 1000.0 / Math.max(1, all.size()), emptyRecover);
      return all.size() == recovered && count[0] == listed ? 0 : 1;
    } finally {
      others.forEach(Process::destroyForcibly);
      try (var s = Files.list(dir)) {
        for (Path f : (Iterable<Path>) s::iterator) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  private static long medianMillisOf(int n, Step step) throws Exception {
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      step.run();
      t[i] = System.nanoTime() - t0;
    }
    java.util.Arrays.sort(t);
    return t[n / 2] / 1_000_000;
  }

  // ---- 3. usage collection -------------------------------------------------------------------

  int usage() throws Exception {
    int n = quick ? 200 : 2000;
    System.out.println();
    System.out.println("[usage] GovernedWorkload.usage(), a live snapshot of an adopted process"
        + " (cpu quota 50, memory 256 MB), " + n + " times; baseline: reading /proc/<pid>/stat"
        + " once (the cheapest per-process read)");
    Process sleep = new ProcessBuilder("sleep", "600").start();
    io.ffrtmp.GovernedWorkload w = null;
    try {
      w = io.ffrtmp.Workload.attach(sleep.pid()).withJobId("bench-usage").withCpuQuota(50)
          .withMemoryLimitMb(256).start();
      long[] base = new long[n];
      long[] usage = new long[n];
      Path stat = Path.of("/proc/" + sleep.pid() + "/stat");
      for (int i = -200; i < n; i++) {
        long t0 = System.nanoTime();
        Files.readString(stat);
        long t1 = System.nanoTime();
        w.usage();
        long t2 = System.nanoTime();
        if (i >= 0) {
          base[i] = t1 - t0;
          usage[i] = t2 - t1;
        }
      }
      Stats sb = Stats.of("read /proc/<pid>/stat", base);
      Stats su = Stats.of("usage() (" + w.strategy() + ")", usage);
      System.out.println(sb.line());
      System.out.println(su.line());
      System.out.printf(Locale.ROOT, "  ratio usage/stat-read p50 = %s%n", Stats.ratio(su, sb));
      double meanMs = java.util.Arrays.stream(usage).average().orElse(0) / 1e6;
      // 1,000 snapshots a second take 1,000 × meanMs ms of each 1,000 ms: meanMs × 100 %
      System.out.printf(Locale.ROOT, "  1,000 workloads polled once a second: %.1f %% of one core"
          + " (mean %.3f ms per snapshot)%n", meanMs * 100, meanMs);
    } finally {
      if (w != null) {
        w.detach();
      }
      sleep.destroyForcibly().waitFor();
    }
    return 0;
  }

  // ---- 5. CLI start-up -----------------------------------------------------------------------

  /**
   * The CLI's answer time against the JVM's own ({@code java -version} of the same java),
   * interleaved: {@code bin/ffrtmp run -- /bin/true} and {@code bin/ffrtmp backends}, run from
   * the repository root (the launcher is looked up as {@code bin/ffrtmp} there).
   */
  int cli() throws Exception {
    Path launcher = Path.of("bin/ffrtmp").toAbsolutePath();
    System.out.println();
    if (!Files.isExecutable(launcher)) {
      System.out.println("[cli] not measured: " + launcher + " missing (run from the repository"
          + " root after mvn package)");
      return 0;
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    int warmup = 3;
    int n = quick ? 10 : 20;
    System.out.println("[cli] wall time of a whole command, " + n + " runs each after " + warmup
        + " warm-up runs, interleaved; baseline: " + java + " -version");
    long[] jvm = new long[n];
    long[] run = new long[n];
    long[] backends = new long[n];
    // the launcher runs $JAVA_HOME/bin/java: the same java as this one where it is known
    Path bin = java.startsWith("/") ? Path.of(java).getParent() : null;
    Path javaHome = bin == null ? null : bin.getParent();
    String home = javaHome == null ? null : javaHome.toString();
    for (int i = -warmup; i < n; i++) {
      long a = timed(List.of(java, "-version"), null);
      long b = timed(List.of(launcher.toString(), "run", "--", "/bin/true"), home);
      long c = timed(List.of(launcher.toString(), "backends"), home);
      if (i >= 0) {
        jvm[i] = a;
        run[i] = b;
        backends[i] = c;
      }
    }
    Stats sj = Stats.of("java -version", jvm);
    Stats sr = Stats.of("ffrtmp run -- /bin/true", run);
    Stats sb = Stats.of("ffrtmp backends", backends);
    System.out.println(sj.line() + "  mean=" + Stats.ms(mean(jvm)));
    System.out.println(sr.line() + "  mean=" + Stats.ms(mean(run)));
    System.out.println(sb.line() + "  mean=" + Stats.ms(mean(backends)));
    double rr = (double) mean(run) / mean(jvm);
    double rb = (double) mean(backends) / mean(jvm);
    System.out.printf(Locale.ROOT, "  ratio of means run/java -version = %.2f (goal <= 4: %s)%n",
        rr, goal(rr <= 4));
    System.out.printf(Locale.ROOT, "  ratio of means backends/java -version = %.2f (goal <= 3: %s)%n",
        rb, goal(rb <= 3));
    return 0;
  }

  /** Runs a command to its end, its output discarded, and returns its wall time in ns. */
  private static long timed(List<String> cmd, @Nullable String javaHome)
      throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    if (javaHome != null) {
      pb.environment().put("JAVA_HOME", javaHome); // the launcher uses the same java
    }
    long t0 = System.nanoTime();
    int rc = pb.start().waitFor();
    long t = System.nanoTime() - t0;
    if (rc != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " exited with " + rc);
    }
    return t;
  }

  private static long mean(long[] a) {
    long sum = 0;
    for (long x : a) {
      sum += x;
    }
    return sum / Math.max(1, a.length);
  }

  // ---- 4. scale ------------------------------------------------------------------------------

  int scale() throws Exception {
    int n = quick ? 100 : 1000;
    System.out.println();
    System.out.println("[scale] " + n + " concurrently governed `sleep` workloads from one JVM");
    int failures = 0;
    failures += scaleRun(n);
    failures += scaleAttach(n);
    failures += concurrentStarts(quick ? 50 : 100, 8);
    return failures;
  }

  /**
   * {@code n} starts from {@code threads} threads at once, against the single-thread start
   * measured in the same run: the time each {@code start()} takes (a `sleep` workload, cpu
   * quota 10, memory limit 64 MB), until every workload runs; then all are killed and their
   * reports checked.
   */
  private int concurrentStarts(int n, int threads) throws Exception {
    List<GovernedWorkload> ws = java.util.Collections.synchronizedList(new ArrayList<>());
    long[] single;
    long[] concurrent;
    int bad = 0;
    try {
      single = timedStarts(n, 1, i -> scaleWorkload("bench-scale-c1-" + i), ws);
    } finally {
      bad += killAll(ws);
      ws.clear();
    }
    try {
      concurrent = timedStarts(n, threads, i -> scaleWorkload("bench-scale-c8-" + i), ws);
    } finally {
      bad += killAll(ws);
    }
    // the baseline: the same with plain ProcessBuilder.start(), which shows what concurrency
    // costs any process start on this machine (a start is CPU work: fork, exec, a reaper thread)
    long[] plainSingle = plainStarts(n, 1);
    long[] plainConcurrent = plainStarts(n, threads);
    Stats s1 = Stats.of("start(), one thread", single);
    Stats s8 = Stats.of("start(), " + threads + " threads at once", concurrent);
    Stats p1 = Stats.of("plain ProcessBuilder.start(), one thread", plainSingle);
    Stats p8 = Stats.of("plain, " + threads + " threads at once", plainConcurrent);
    System.out.println("  " + n + " starts of `sleep` from one thread, then " + n + " from "
        + threads + " threads at once (" + Runtime.getRuntime().availableProcessors()
        + " CPUs):");
    System.out.println(s1.line());
    System.out.println(s8.line());
    System.out.println(p1.line());
    System.out.println(p8.line());
    double r = (double) s8.percentile(99) / Math.max(1, s1.percentile(50));
    double rp = (double) p8.percentile(99) / Math.max(1, p1.percentile(50));
    Thread.sleep(500);
    long left = ffrtmpCgroups();
    System.out.printf(Locale.ROOT, "  concurrent p99 / single-thread p50 = %.2f (goal <= 5: %s;"
        + " plain: %.2f); reports wrong: %d; cgroups left: %d%n", r, goal(r <= 5), rp, bad,
        left);
    return bad == 0 && left == 0 ? 0 : 1;
  }

  /** Start times of {@code n} plain `sleep` processes from {@code threads} threads at once. */
  private static long[] plainStarts(int n, int threads) throws Exception {
    List<Process> ps = java.util.Collections.synchronizedList(new ArrayList<>());
    try {
      return timedStarts(n, threads, i -> new ProcessBuilder("sleep", "600").start(), ps);
    } finally {
      synchronized (ps) {
        for (Process p : ps) {
          p.destroyForcibly().waitFor();
        }
      }
    }
  }

  /** Starts one thing of a timed series. */
  private interface Starter<T> {
    T start(int i) throws Exception;
  }

  /**
   * Times {@code n} starts made by {@code threads} threads, all released at once; what started
   * is added to {@code started} (a synchronized list), also when a start fails.
   */
  private static <T> long[] timedStarts(int n, int threads, Starter<T> starter, List<T> started)
      throws Exception {
    long[] t = new long[n];
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        fs.add(pool.submit(() -> {
          go.await();
          long t0 = System.nanoTime();
          started.add(starter.start(k));
          t[k] = System.nanoTime() - t0;
          return null;
        }));
      }
      go.countDown();
      for (java.util.concurrent.Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(1, TimeUnit.MINUTES);
    }
    return t;
  }

  private static GovernedWorkload scaleWorkload(String id) throws Exception {
    return Workload.run("sleep", "600").withJobId(id).withCpuQuota(10).withMemoryLimitMb(64)
        .start();
  }

  /** Kills every workload and returns how many reports were not the SIGKILL they should be. */
  private static int killAll(List<GovernedWorkload> ws) throws Exception {
    int bad = 0;
    List<GovernedWorkload> copy;
    synchronized (ws) {
      copy = new ArrayList<>(ws);
    }
    for (GovernedWorkload w : copy) {
      w.process().orElseThrow().destroyForcibly();
    }
    for (GovernedWorkload w : copy) {
      WorkloadReport r = w.awaitReport();
      if (!"SIGKILL".equals(r.signal())) {
        bad++;
      }
    }
    return bad;
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  private static int fds() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return (int) s.count();
    }
  }

  private static int threads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  private static long ffrtmpCgroups() throws IOException {
    long count = 0;
    for (String h : List.of("/sys/fs/cgroup", "/sys/fs/cgroup/cpu")) {
      Path p = Path.of(h);
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.walk(p, 3)) {
          count += s.filter(d -> d.getFileName().toString().startsWith("ffrtmp-wrapper-bench-scale"))
              .count();
        }
      }
    }
    return count;
  }

  private int scaleRun(int n) throws Exception {
    // warm up the code paths first, so that their classes are not counted as per-workload heap
    Workload.run("/bin/true").withJobId("bench-scale-warm").withMemoryLimitMb(64).start()
        .awaitReport();
    long heap0 = usedHeapAfterGc();
    int fd0 = fds();
    int th0 = threads();
    long t0 = System.nanoTime();
    List<GovernedWorkload> ws = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ws.add(Workload.run("sleep", "600").withJobId("bench-scale-" + i).withCpuQuota(10)
          .withMemoryLimitMb(64).start());
    }
    long started = System.nanoTime() - t0;
    long heap1 = usedHeapAfterGc();
    int th1 = threads();
    for (GovernedWorkload w : ws) {
      w.process().orElseThrow().destroyForcibly();
    }
    int bad = 0;
    for (GovernedWorkload w : ws) {
      WorkloadReport r = w.awaitReport();
      if (!"SIGKILL".equals(r.signal()) || r.cgroupPath() == null && !r.strategy().equals("nice-fallback")) {
        bad++;
      }
    }
    ws.clear();
    Thread.sleep(500);
    long heap2 = usedHeapAfterGc();
    int fd2 = fds();
    int th2 = threads();
    long left = ffrtmpCgroups();
    System.out.printf(Locale.ROOT, "  run mode: started %d in %.2f s (%.2f ms each); heap per"
            + " workload %.1f KB (goal <= 64 KB: %s); threads %d -> %d while running %d"
            + " (goal: independent of the count — no thread per child: %s) -> %d after%n",
        n, started / 1e9, started / 1e6 / n, (heap1 - heap0) / 1024.0 / n,
        goal((heap1 - heap0) / 1024.0 / n <= 64), th0, th1, n, goal(th1 - th0 <= 2), th2);
    System.out.printf(Locale.ROOT, "  run mode: reports wrong: %d; left behind: %d cgroups, %d fds"
        + " (%d -> %d), heap %+.1f KB%n", bad, left, fd2 - fd0, fd0, fd2, (heap2 - heap0) / 1024.0);
    return bad == 0 && left == 0 && fd2 <= fd0 ? 0 : 1;
  }

  private int scaleAttach(int n) throws Exception {
    List<Long> pids = new ArrayList<>(n);
    Process sh = new ProcessBuilder("/bin/sh", "-c",
        "i=0; while [ $i -lt " + n + " ]; do sleep 600 >/dev/null 2>&1 & echo $!; i=$((i+1)); done")
        .start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(sh.getInputStream()))) {
      for (String line; (line = r.readLine()) != null; ) {
        pids.add(Long.parseLong(line.trim()));
      }
    }
    sh.waitFor();
    long heap0 = usedHeapAfterGc();
    int th0 = threads();
    int fd0 = fds();
    long t0 = System.nanoTime();
    List<GovernedWorkload> ws = new ArrayList<>(n);
    for (long pid : pids) {
      ws.add(Workload.attach(pid).withJobId("bench-scale-a" + pid).withCpuQuota(10)
          .withDescendants(false).start());
    }
    long started = System.nanoTime() - t0;
    long heap1 = usedHeapAfterGc();
    int th1 = threads();
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    int bad = 0;
    for (GovernedWorkload w : ws) {
      WorkloadReport r = w.onExit().get(60, TimeUnit.SECONDS);
      if (r.exitReason() != io.ffrtmp.ExitReason.UNKNOWN) {
        bad++;
      }
    }
    ws.clear();
    Thread.sleep(500);
    int fd2 = fds();
    int th2 = threads();
    long left = ffrtmpCgroups();
    System.out.printf(Locale.ROOT, "  attach mode: adopted %d in %.2f s (%.2f ms each); heap per"
            + " workload %.1f KB (goal <= 64 KB: %s); threads %d -> %d while watching %d"
            + " processes (goal: independent of the count: %s) -> %d after%n",
        n, started / 1e9, started / 1e6 / n, (heap1 - heap0) / 1024.0 / n,
        goal((heap1 - heap0) / 1024.0 / n <= 64), th0, th1, n, goal(th1 - th0 <= 2), th2);
    System.out.printf(Locale.ROOT, "  attach mode: reports wrong: %d; left behind: %d cgroups, %d"
        + " fds (%d -> %d)%n", bad, left, fd2 - fd0, fd0, fd2);
    return bad == 0 && left == 0 && fd2 <= fd0 ? 0 : 1;
  }
}
