package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a workload's output goes: captured (bounded), a file, appended, discarded. */
class OutputTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void aCapture_keepsTheLastBytes_andTwoMegabytesNeverBlockTheWorkload() throws Exception {
    // 2 MiB of lines on stdout, a few on stderr: an undrained pipe would block it after 64 KiB
    GovernedWorkload w = Workload.run("sh", "-c", "i=0; while [ $i -lt 32768 ]; do"
        + " echo \"line $i of the output, sixty-four bytes long.............\"; i=$((i+1));"
        + " done; echo oops >&2; echo end")
        .withStdout(Output.capture(4096)).withStderr(Output.capture(100)).start();
    WorkloadReport r = w.awaitReport(WAIT);
    assertEquals(ExitReason.SUCCESS, r.exitReason(), r.toJson());
    String out = w.capturedStdout().orElseThrow();
    assertEquals(4096, out.length(), "the last 4096 bytes");
    assertTrue(out.endsWith("line 32767 of the output, sixty-four bytes long.............\nend\n"),
        out.substring(out.length() - 200));
    assertEquals(Optional.of("oops\n"), w.capturedStderr());
  }

  @Test
  void filesAndDiscard_areOpenedForTheWorkload_andNothingIsCaptured(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("out.log");
    Path err = dir.resolve("err.log");
    Files.writeString(out, "old\n");
    Files.writeString(err, "old\n");
    GovernedWorkload w = Workload.run("sh", "-c", "echo to-out; echo to-err >&2")
        .withStdout(Output.toFile(out)).withStderr(Output.appendTo(err)).start();
    w.awaitReport(WAIT);
    assertEquals("to-out\n", Files.readString(out), "truncated, then written");
    assertEquals("old\nto-err\n", Files.readString(err), "appended to");
    assertEquals(Optional.empty(), w.capturedStdout());
    GovernedWorkload d = Workload.run("sh", "-c", "echo nothing").withStdout(Output.discard())
        .withStderr(Output.inherit()).start();
    assertEquals(ExitReason.SUCCESS, d.awaitReport(WAIT).exitReason());
  }

  @Test
  void badValues_nameTheParameterAndTheRange() {
    assertEquals("maxBytes must be 1 to 67108864 (64 MiB), got 0",
        assertThrows(IllegalArgumentException.class, () -> Output.capture(0)).getMessage());
    assertEquals("file", assertThrows(NullPointerException.class,
        () -> Output.toFile(null)).getMessage());
    assertEquals("output", assertThrows(NullPointerException.class,
        () -> Workload.run("true").withStdout(null)).getMessage());
  }
}
