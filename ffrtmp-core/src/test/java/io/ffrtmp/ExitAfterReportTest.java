package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM that exits as soon as its report is in hand leaves no record behind: the next {@code
 * recover()} must not report the workload a second time.
 */
class ExitAfterReportTest {
  @Test
  void aJvmThatExitsRightAfterAwaitReport_leavesNoRecordToReportAgain(@TempDir Path tmp)
      throws Exception {
    String agent = "exit-after-" + ProcessHandle.current().pid();
    String state = System.getProperty("ffrtmp.state"); // the child's records are this JVM's
    Process jvm = new ProcessBuilder(ChildJvm.command(ChildJvm.classpath(), tmp,
        state == null ? List.of() : List.of("-Dffrtmp.state=" + state),
        "io.ffrtmp.testing.ExitAfterReportMain", List.of(agent)))
        .redirectErrorStream(true).start();
    String said = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(jvm.waitFor(60, TimeUnit.SECONDS), said);
    assertEquals(0, jvm.exitValue(), said);
    assertTrue(said.contains("REPORT SUCCESS"), said);
    List<Recoverable> left = Workload.recovery(agent).list();
    if (!left.isEmpty()) {
      for (GovernedWorkload w : Workload.recovery(agent).recover()) {
        w.awaitReport(java.time.Duration.ofSeconds(30)); // taken, so that nothing stays behind
      }
    }
    assertEquals(List.of(), left, "a record left: the next recover() would report it again");
  }
}
