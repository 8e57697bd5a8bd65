package io.ffrtmp.cgroups.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.TestCgroups;
import io.ffrtmp.cgroups.v1.CgroupV1Strategy;
import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The governing JVM killed with SIGKILL at random moments, during start-up and during the run:
 * the workload is never killed, never left stopped, and never unconstrained once placed.
 * 30 kills in the normal build, 100 with -Dffrtmp.test.long=true.
 */
class CrashTest {

  @Test
  void randomSigkillsOfTheGoverningJvm(@TempDir Path tmp) throws Exception {
    Host.require(Host.isRoot(), "needs root for the real cgroup v1 hierarchies");
    CgroupV1Strategy v1 = new CgroupV1Strategy();
    Host.require(v1.probe().usable(), "cgroup-v1 not usable: " + v1.probe().reason());
    int kills = Reliability.count(30, 100);
    long seed = System.nanoTime();
    Random random = new Random(seed);
    String tag = "3" + (ProcessHandle.current().pid() % 1000);
    // this JVM's own job id: another build on the host (its own CrashTest) is left alone
    String job = "crash-" + ProcessHandle.current().pid() + "-j";
    int placed = 0;
    int notStarted = 0;
    List<Path> parents = new ArrayList<>();
    for (var p : io.ffrtmp.cgroups.faults.HierarchiesAccess.of(v1)) {
      parents.add(p);
    }
    try {
      for (int i = 0; i < kills; i++) {
        String duration = tag + "." + i;
        Process jvm = new ProcessBuilder(ChildJvm.command(ChildJvm.classpath(), tmp,
                List.of("-Dffrtmp.test.memoryMb=64", "-Dffrtmp.test.jobId=" + job),
                "io.ffrtmp.testing.LaunchMain",
                List.of("5", "200", "sleep", duration)))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        long delay = random.nextInt(900);
        Thread.sleep(delay);
        jvm.destroyForcibly();
        jvm.waitFor();
        Thread.sleep(300);
        List<Long> found = find("sleep", duration);
        // the keeper (the shim staying as the workload's parent) is a process of the shim too:
        // none may be stuck before its fork or its child's exec
        List<Long> inShim = new ArrayList<>(find("ffrtmp-shim", duration));
        inShim.removeIf(k -> ProcessHandle.of(k).map(h -> h.children()
            .anyMatch(c -> found.contains(c.pid()))).orElse(true));
        assertEquals(List.of(), inShim, "no process stuck before its exec (kill after " + delay + " ms)");
        assertTrue(found.size() <= 1, "one workload at most: " + found);
        if (found.isEmpty()) {
          notStarted++;
          continue;
        }
        long pid = found.get(0);
        try {
          String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          assertTrue(!f[0].equals("T") && !f[0].equals("Z"), "running, not stopped: " + stat);
          assertEquals("5", f[19 - 3], "nice in force");
          assertEquals("200", Files.readString(Path.of("/proc/" + pid + "/oom_score_adj")).trim());
          String cg = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
          assertTrue(cg.lines().anyMatch(l -> l.contains(":memory:")
              && l.contains("/ffrtmp-wrapper-" + job)), "placed in its memory cgroup: " + cg);
          assertTrue(cg.lines().anyMatch(l -> l.contains(":cpu:")
              && l.contains("/ffrtmp-wrapper-" + job)), "placed in its cpu cgroup: " + cg);
          placed++;
        } finally {
          long keeper = ProcessHandle.of(pid).flatMap(ProcessHandle::parent)
              .map(ProcessHandle::pid).orElse(-1L);
          Host.killQuietly(pid);
          Host.awaitGone(pid, 5000);
          if (keeper > 1) {
            Host.awaitGone(keeper, 5000); // it records the exit, then ends with the workload
          }
        }
      }
    } finally {
      // what the dead JVMs left: empty cgroups, collected here as a later start would
      for (Path parent : parents) {
        try (Stream<Path> s = Files.list(parent)) {
          for (Path d : (Iterable<Path>) s.filter(
              d -> d.getFileName().toString().startsWith("ffrtmp-wrapper-" + job))::iterator) {
            assertEquals("", Files.readString(d.resolve("cgroup.procs")).trim(), d.toString());
            assertEquals(List.of(), TestCgroups.remove(CgroupFs.REAL, List.of(d), Duration.ofSeconds(2)));
          }
        }
      }
    }
    System.out.printf("crash: %d SIGKILLs of the governing JVM (seed %d): %d workloads found"
        + " running, placed, with nice and OOM score; %d never started; 0 stopped, 0 unplaced%n",
        kills, seed, placed, notStarted);
    assertEquals(kills, placed + notStarted);
  }

  /** Processes whose command line is exactly {@code <prog> <arg>} (prog by its last component). */
  private static List<Long> find(String prog, String arg) throws Exception {
    List<Long> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      for (Path d : (Iterable<Path>) s::iterator) {
        String n = d.getFileName().toString();
        if (!n.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String[] argv = new String(Files.readAllBytes(d.resolve("cmdline")),
              StandardCharsets.UTF_8).split("\0");
          if (argv.length >= 2 && argv[0].endsWith(prog) && argv[argv.length - 1].equals(arg)) {
            out.add(Long.parseLong(n));
          }
        } catch (java.io.IOException e) {
          // gone
        }
      }
    }
    return out;
  }
}
