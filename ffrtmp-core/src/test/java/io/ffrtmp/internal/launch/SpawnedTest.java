package io.ffrtmp.internal.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.internal.os.ExitWatcher;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The spawned child's exit status and reaping, through a pidfd and through the poll of kernels
 * without pidfds (before 5.3), on real processes.
 */
class SpawnedTest {
  private static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin");

  @Test
  void exitStatus_andSignal_throughThePidfd_andThroughThePoll() throws Exception {
    for (ExitWatcher w : new ExitWatcher[] {ExitWatcher.shared(), ExitWatcher.pollingOnly()}) {
      Spawned exit3 = Spawned.start(List.of("/bin/sh", "-c", "exit 3"), new ProcessBuilder(),
          ENV, new int[0][], w);
      assertTrue(exit3.waitFor(10, TimeUnit.SECONDS));
      assertEquals(3, exit3.exitValue());
      assertFalse(exit3.isAlive());
      assertTrue(exit3.onExit().isDone());
      assertThrows(UnsupportedOperationException.class, exit3::toHandle,
          "no handle is made of a child already reaped");

      Spawned sleeper = Spawned.start(List.of("/bin/sleep", "30"), new ProcessBuilder(), ENV,
          new int[0][], w);
      assertTrue(sleeper.isAlive());
      assertThrows(IllegalThreadStateException.class, sleeper::exitValue);
      long pid = sleeper.pid();
      ProcessHandle handle = sleeper.toHandle();
      assertEquals(pid, handle.pid());
      sleeper.destroyForcibly();
      assertEquals(137, sleeper.waitFor(), "SIGKILL: 128 + 9");
      assertFalse(handle.isAlive());
      assertEquals(handle, sleeper.toHandle(), "a handle taken before the end stays");
      // reaped: no zombie left behind
      assertFalse(java.nio.file.Files.exists(java.nio.file.Path.of("/proc/" + pid)));
      sleeper.destroy(); // after the reap: does nothing, whatever process has the pid now
    }
  }

  @Test
  void aProgramThatCannotBeRun_isAnErrorNumber() {
    Spawned.SpawnException e = assertThrows(Spawned.SpawnException.class,
        () -> Spawned.start(List.of("/nonexistent/ffrtmp-program"), new ProcessBuilder(), ENV,
            new int[0][], ExitWatcher.shared()));
    assertEquals(2, e.errno());
    assertEquals("Cannot run program \"/nonexistent/ffrtmp-program\": error=2, No such file or"
        + " directory", e.getMessage());
  }
}
