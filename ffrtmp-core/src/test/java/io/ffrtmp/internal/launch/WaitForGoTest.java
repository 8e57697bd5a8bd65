package io.ffrtmp.internal.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.internal.os.Posix;
import io.ffrtmp.internal.os.ProcFs;
import io.ffrtmp.internal.os.Signals;
import io.ffrtmp.testing.Host;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shim's "wait for go" mode (a backend that places the launched process itself, systemd):
 * the workload starts only after the JVM's SIGURG, and never when the start is cancelled or the
 * JVM is gone.
 */
class WaitForGoTest {
  @TempDir Path dir;

  private Launch.Keeper keeper() {
    return new Launch.Keeper(dir.resolve("exit"), List.of());
  }

  @Test
  void theWorkloadStartsOnlyAfterTheGo() throws Exception {
    Path marker = dir.resolve("ran");
    Launch.Started s = Launch.start(new ProcessBuilder("sh", "-c", "echo ran > " + marker
            + "; echo $PPID"), List.of(), null, null, false, false, keeper(), true);
    assertEquals(0, s.workloadPid(), "not known before the go");
    Thread.sleep(500);
    long shim = s.process().pid();
    assertTrue(s.process().isAlive(), "the shim waits");
    assertEquals("", ProcFs.read(Path.of("/proc/" + shim + "/task/" + shim + "/children"))
        .trim(), "no workload yet");
    assertFalse(Files.exists(marker), "the workload has not run");
    assertEquals(shim, ProcFs.stat(shim).orElseThrow().session(), "in its own session already");
    Launch.Started go = Launch.go(s, keeper());
    assertTrue(go.workloadPid() > 0);
    String out = new String(go.process().getInputStream().readAllBytes(),
        StandardCharsets.UTF_8).trim();
    assertTrue(go.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, go.process().exitValue());
    assertEquals(Long.toString(shim), out, "the keeper is the workload's parent");
    assertTrue(Files.exists(marker));
  }

  @Test
  void sigtermCancelsTheStart_theWorkloadNeverRuns() throws Exception {
    Path marker = dir.resolve("ran");
    Launch.Started s = Launch.start(new ProcessBuilder("touch", marker.toString()), List.of(),
        null, null, false, false, keeper(), true);
    long shim = s.process().pid();
    for (int i = 0; i < 500 && ProcFs.stat(shim).orElseThrow().session() != shim; i++) {
      Thread.sleep(10);
    }
    Posix.kill((int) shim, Signals.SIGTERM);
    Launch.abandon(s);
    assertTrue(s.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(128 + 15, s.process().exitValue());
    assertFalse(Files.exists(marker));
    List<Launch.Note> notes = Launch.takeNotes(s.errFile());
    assertEquals(1, notes.size(), notes.toString());
    assertEquals("go", notes.get(0).kind());
    assertEquals("cancelled", notes.get(0).subject());
  }

  @Test
  void whenItsParentDiesWhileItWaits_itExitsWithoutRunningTheWorkload() throws Exception {
    Path marker = dir.resolve("ran");
    Path err = dir.resolve("err");
    // a parent that outlives the shim's start briefly, then dies, as a JVM could
    Process parent = new ProcessBuilder("sh", "-c", "\"$0\" \"$1\" kw - - 0 \"$2\" 0 -- touch"
        + " \"$3\" & echo $!; sleep 0.5", Shim.path().toString(), err.toString(),
        dir.resolve("exit").toString(), marker.toString()).start();
    long shim = Long.parseLong(new String(parent.getInputStream().readAllBytes(),
        StandardCharsets.UTF_8).trim());
    assertTrue(parent.waitFor(30, TimeUnit.SECONDS));
    assertTrue(Host.awaitGone(shim, 10_000), "the orphaned shim ends");
    assertFalse(Files.exists(marker), "and never runs the workload");
    assertTrue(Files.readString(err).startsWith("go\tparent-gone\t"), Files.readString(err));
  }
}
