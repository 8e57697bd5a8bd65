package io.ffrtmp.internal.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.internal.os.ProcFs;
import io.ffrtmp.testing.Host;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the launch shim joins: its pid into a {@code cgroup.procs}, 0 (the calling thread) into a
 * cgroup v1 {@code tasks} file — regular files stand in for the cgroupfs there — and, for one
 * cgroup v2 directory, a workload born in it (clone3 into the cgroup) while the keeper stays
 * where it is, on the real kernel.
 */
class JoinFilesTest {
  @TempDir Path dir;

  @Test
  void procsGetsTheKeepersPid_tasksGetsZero() throws Exception {
    Path procs = Files.createDirectories(dir.resolve("a")).resolve("cgroup.procs");
    Path tasks = Files.createDirectories(dir.resolve("b")).resolve("tasks");
    Path notTasks = Files.createDirectories(dir.resolve("c")).resolve("subtasks");
    for (Path p : List.of(procs, tasks, notTasks)) {
      Files.writeString(p, "");
    }
    Launch.Started s = Launch.start(new ProcessBuilder("true"), List.of(procs, tasks, notTasks),
        null, null, true, false, new Launch.Keeper(dir.resolve("exit"), List.of()), false);
    assertTrue(s.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, s.process().exitValue(), Launch.takeNotes(s.errFile()).toString());
    String keeper = Long.toString(s.process().pid());
    assertEquals(keeper, Files.readString(procs).trim());
    assertEquals("0", Files.readString(tasks).trim());
    assertEquals(keeper, Files.readString(notTasks).trim(), "only a file named tasks");
  }

  @Test
  void oneProcsFileThatIsNoCgroup_theKeeperJoinsByItsPid() throws Exception {
    Path procs = Files.createDirectories(dir.resolve("not-a-cgroup")).resolve("cgroup.procs");
    Files.writeString(procs, "");
    Launch.Started s = Launch.start(new ProcessBuilder("true"), List.of(procs), null, null, true,
        false, new Launch.Keeper(dir.resolve("exit"), List.of()), false);
    assertTrue(s.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, s.process().exitValue(), Launch.takeNotes(s.errFile()).toString());
    assertEquals(Long.toString(s.process().pid()), Files.readString(procs).trim(),
        "clone3 refused a directory that is no cgroup: the keeper joined instead");
  }

  @Test
  void oneCgroupV2_theWorkloadIsBornInIt_theKeeperStaysOutside() throws Exception {
    Host.require(Host.isRoot(), "needs root to create a cgroup v2 directory");
    Path mount = null;
    for (String line : ProcFs.read(Path.of("/proc/self/mountinfo")).split("\n")) {
      String[] f = line.split(" ");
      int dash = List.of(f).indexOf("-");
      if (dash > 0 && f[dash + 1].equals("cgroup2")) {
        mount = Path.of(f[4]);
      }
    }
    Host.require(mount != null, "no cgroup v2 hierarchy mounted");
    String own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
        .filter(l -> l.startsWith("0::")).findFirst().orElse("0::/").substring(3);
    // under the hierarchy's root, which has no "no internal processes" rule
    Path parent = mount;
    Path cg = parent.resolve("ffrtmp-test-clone-" + ProcessHandle.current().pid());
    try {
      Files.createDirectory(cg);
    } catch (java.io.IOException e) {
      Host.require(false, "cannot create a cgroup under " + parent + ": " + e);
    }
    try {
      Launch.Started s = Launch.start(new ProcessBuilder("sh", "-c",
              "grep ^0:: /proc/self/cgroup; grep ^0:: /proc/$PPID/cgroup"),
          List.of(cg.resolve("cgroup.procs")), null, null, true, false,
          new Launch.Keeper(dir.resolve("exit"), List.of()), false);
      String out = new String(s.process().getInputStream().readAllBytes(),
          StandardCharsets.UTF_8);
      assertTrue(s.process().waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, s.process().exitValue(), Launch.takeNotes(s.errFile()) + out);
      assertEquals("0::/" + cg.getFileName() + "\n0::" + own + "\n", out,
          "workload inside, keeper outside");
    } finally {
      for (int i = 0; i < 200 && Files.exists(cg); i++) {
        try {
          Files.delete(cg);
        } catch (java.io.IOException busy) {
          Thread.sleep(10);
        }
      }
    }
    assertTrue(!Files.exists(cg), "removed " + cg);
  }
}
