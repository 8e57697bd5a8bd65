package io.ffrtmp.internal.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the launch shim writes into the files it joins: its pid into a {@code cgroup.procs}, 0
 * (the calling thread) into a cgroup v1 {@code tasks} file. Regular files stand in for the
 * cgroupfs here; the real kernel's placement is checked by the cgroup suites.
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
}
