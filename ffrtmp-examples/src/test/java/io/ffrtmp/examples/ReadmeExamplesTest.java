package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ffrtmp.Constraints;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's Java snippet, kept as compiled and running code (ffmpeg replaced by a command
 * every host has; the calls are the README's).
 */
class ReadmeExamplesTest {
  @Test
  void readmeSnippet() throws Exception {
    WorkloadReport r = Workload.run("sh", "-c", "exit 0")
        .withJobId("job-001").withCpuQuota(200).withMemoryLimitMb(4096)
        .start()
        .awaitReport();
    System.out.println(r.exitReason() + " " + r.toJson());
    assertEquals(ExitReason.SUCCESS, r.exitReason());

    List<String> cmd = List.of("sh", "-c", "exit 0");
    Constraints transcode = Constraints.builder().cpuQuota(200).memoryLimitMb(4096).build();
    GovernedWorkload t = Workload.run(cmd).withConstraints(transcode).withJobId("job-002").start();   // a template
    assertEquals(transcode, t.awaitReport().constraints());

    Process sleeper = new ProcessBuilder("sleep", "30").start();
    java.util.List<java.nio.file.Path> kept = java.util.List.of();
    try {
      long pid = sleeper.pid();
      GovernedWorkload a = Workload.attach(pid).withJobId("legacy-42").withCpuQuota(100).start();
      a.detach();   // stop governing; the process runs on
      assertEquals(true, sleeper.isAlive());

      List<GovernedWorkload> mine = Workload.recover("job-001");   // after an agent restart
      assertEquals(List.of(), mine, "job-001 was reported by this JVM: nothing to recover");
      GovernedWorkload g = Workload.run(cmd).withAgent("transcoder-a").start();          // recorded apart:
      assertEquals(List.of(), Workload.recovery("transcoder-a").recover(),                   // only this agent takes it
          "governed by this JVM: not taken");
      assertEquals(0, g.awaitReport().exitCode());
      kept = keptCgroups(pid);
    } finally {
      sleeper.destroyForcibly().waitFor();
      // detach keeps the cgroup while populated; once empty, remove it (a later start would)
      for (java.nio.file.Path d : kept) {
        for (int i = 0; i < 200 && java.nio.file.Files.exists(d); i++) {
          try {
            java.nio.file.Files.delete(d);
          } catch (java.io.IOException e) {
            Thread.sleep(10);
          }
        }
      }
    }
  }

  /** The directories of the cgroups {@code detach()} left the process in. */
  private static java.util.List<java.nio.file.Path> keptCgroups(long pid) throws Exception {
    java.util.List<java.nio.file.Path> out = new java.util.ArrayList<>();
    for (String line : java.nio.file.Files.readAllLines(
        java.nio.file.Path.of("/proc/" + pid + "/cgroup"))) {
      String[] f = line.split(":", 3);
      if (f.length == 3 && f[2].contains("ffrtmp-wrapper-legacy-42")) {
        String base;
        if (!f[1].isEmpty()) {
          base = "/sys/fs/cgroup/" + f[1];
        } else if (java.nio.file.Files.exists(java.nio.file.Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
          base = "/sys/fs/cgroup";
        } else {
          base = "/sys/fs/cgroup/unified";
        }
        java.nio.file.Path d = java.nio.file.Path.of(base + f[2]);
        if (java.nio.file.Files.isDirectory(d) && !out.contains(d)) {
          out.add(d);
        }
      }
    }
    return out;
  }
}
