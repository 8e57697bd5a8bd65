package io.ffrtmp.cgroups.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.cgroups.v1.CgroupV1Strategy;
import io.ffrtmp.testing.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Leaks over many sequential runs in one JVM (1,000 in the normal build, 10,000 with
 * -Dffrtmp.test.long=true) and 200 concurrent runs of the same job id.
 */
class LeakAndConcurrencyTest {
  private List<Path> parents = List.of();

  @BeforeEach
  void requireV1() throws Exception {
    Host.require(Host.isRoot(), "needs root for the real cgroup v1 hierarchies");
    CgroupV1Strategy v1 = new CgroupV1Strategy();
    Host.require(v1.probe().usable(), "cgroup-v1 not usable: " + v1.probe().reason());
    parents = io.ffrtmp.cgroups.faults.HierarchiesAccess.of(v1);
  }

  private long cgroups(String prefix) throws Exception {
    long n = 0;
    for (Path p : parents) {
      try (Stream<Path> s = Files.list(p)) {
        n += s.filter(d -> d.getFileName().toString().startsWith(prefix)).count();
      }
    }
    return n;
  }

  private static int fds() throws Exception {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return (int) s.count();
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(30);
    }
    return Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
  }

  private static int threads() {
    return Thread.getAllStackTraces().size();
  }

  private static void run(String job) throws Exception {
    WorkloadReport r = Workload.run("/bin/true").withJobId(job).withCpuQuota(100)
        .withMemoryLimitMb(64).start().awaitReport();
    if (r.exitReason() != ExitReason.SUCCESS || !r.warnings().isEmpty()) {
      throw new AssertionError(r.toJson());
    }
  }

  @Test
  void sequentialRuns_doNotGrowCgroupsFdsThreadsOrHeap() throws Exception {
    int n = Reliability.count(1_000, 10_000);
    String job = "leak-" + ProcessHandle.current().pid();
    for (int i = 0; i < 50; i++) {
      run(job); // warm-up: lazily started threads and loaded classes are not leaks
    }
    Thread.sleep(200);
    long heap0 = heapAfterGc();
    int fd0 = fds();
    int th0 = threads();
    long cg0 = cgroups("ffrtmp-wrapper-" + job);
    for (int i = 0; i < n; i++) {
      run(job);
    }
    Thread.sleep(200);
    long heap1 = heapAfterGc();
    int fd1 = fds();
    int th1 = threads();
    long cg1 = cgroups("ffrtmp-wrapper-" + job);
    System.out.printf("leaks: %d sequential runs: cgroups %d -> %d, fds %d -> %d, threads %d -> %d,"
        + " heap after GC %+.1f KB%n", n, cg0, cg1, fd0, fd1, th0, th1, (heap1 - heap0) / 1024.0);
    assertEquals(0, cg1);
    assertEquals(fd0, fd1, "file descriptors");
    assertTrue(th1 <= th0 + 2, "threads " + th0 + " -> " + th1);
    assertTrue(heap1 - heap0 < 4L << 20, "retained heap grew by " + (heap1 - heap0) + " bytes");
  }

  @Test
  void twoHundredConcurrentRunsOfTheSameJobId_getDistinctCgroups() throws Exception {
    String job = "same-" + ProcessHandle.current().pid();
    List<GovernedWorkload> ws = java.util.Collections.synchronizedList(new ArrayList<>());
    // started from 4 threads at once; each runs long enough that all 200 live at the same time
    List<Thread> starters = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread th = new Thread(() -> {
        for (int i = 0; i < 50; i++) {
          try {
            ws.add(Workload.run("sleep", "8").withJobId(job).withMemoryLimitMb(64).start());
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          } catch (io.ffrtmp.EnforcementException e) {
            throw new IllegalStateException("not strict: never refused", e);
          }
        }
      });
      th.start();
      starters.add(th);
    }
    for (Thread th : starters) {
      th.join();
    }
    assertEquals(200, ws.size());
    Set<String> live = new HashSet<>();
    for (GovernedWorkload w : ws) {
      assertTrue(w.process().orElseThrow().isAlive(), "all 200 run at once");
      live.add(w.cgroupPath().orElseThrow());
    }
    assertEquals(200, live.size(), "distinct cgroups while all run");
    Set<String> paths = new HashSet<>();
    for (GovernedWorkload w : ws) {
      WorkloadReport r = w.awaitReport();
      assertEquals(ExitReason.SUCCESS, r.exitReason(), r.toJson());
      assertEquals(job, r.jobId());
      paths.add(r.cgroupPath());
    }
    assertEquals(200, paths.size(), "distinct cgroups");
    for (int i = 0; i < 300 && cgroups("ffrtmp-wrapper-" + job) > 0; i++) {
      Thread.sleep(10);
    }
    assertEquals(0, cgroups("ffrtmp-wrapper-" + job), "nothing left behind");
    System.out.println("concurrency: 200 concurrent runs of job id " + job + ": 200 distinct"
        + " cgroups, 200 correct reports, 0 left behind");
  }
}
