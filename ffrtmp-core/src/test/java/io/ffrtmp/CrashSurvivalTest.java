package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The library never owns the workload: a JVM that started it through the library is killed, and
 * the workload runs on, not stopped, with its nice and OOM score.
 */
class CrashSurvivalTest {

  @ParameterizedTest(name = "governing JVM killed with {0}")
  @ValueSource(strings = {"SIGKILL", "SIGTERM"})
  void workloadSurvivesTheDeathOfTheGoverningJvm(String signal, @TempDir Path tmp)
      throws Exception {
    Process jvm =
        new ProcessBuilder(
                ChildJvm.command(
                    ChildJvm.classpath(),
                    tmp,
                    "io.ffrtmp.testing.LaunchMain",
                    List.of("7", "300", "sleep", "60")))
            .redirectErrorStream(true)
            .start();
    long workload = -1;
    try {
      // (the agent's stdout is a pipe: the library's warning about inheriting it comes first)
      String line = ChildJvm.pidLine(jvm);
      assertTrue(line != null && line.startsWith("PID "), "child JVM said: " + line);
      workload = Long.parseLong(line.substring(4).trim());
      ProcessHandle keeper = ProcessHandle.of(workload).flatMap(ProcessHandle::parent)
          .orElseThrow();
      assertEquals(jvm.pid(), keeper.parent().orElseThrow().pid(),
          "the workload's keeper is the governing JVM's child");

      if (signal.equals("SIGKILL")) {
        jvm.destroyForcibly();
      } else {
        jvm.destroy();
      }
      assertTrue(jvm.waitFor(20, TimeUnit.SECONDS), "child JVM ended");
      Thread.sleep(300);

      assertTrue(Host.alive(workload), "workload " + workload + " still runs");
      String stat = Files.readString(Path.of("/proc/" + workload + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      assertNotEquals("T", f[0], "workload is not stopped: " + stat);
      assertEquals("7", f[19 - 3], "nice kept: " + stat);
      assertEquals("300", Files.readString(Path.of("/proc/" + workload + "/oom_score_adj")).trim());
      assertNotEquals(String.valueOf(jvm.pid()), f[4 - 3], "re-parented away from the dead JVM");
    } finally {
      jvm.destroyForcibly();
      if (workload > 0) {
        long keeper = ProcessHandle.of(workload).flatMap(ProcessHandle::parent)
            .map(ProcessHandle::pid).orElse(-1L);
        Host.killQuietly(workload);
        // the keeper writes the exit record into this test's directory, then ends
        if (keeper > 1) {
          Host.awaitGone(keeper, 5000);
        }
      }
    }
  }
}
