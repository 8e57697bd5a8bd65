package io.ffrtmp.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MemberSignals#signalFrozen}'s thaw, against the cgroupfs fixture: what it says when the
 * thaw fails. The test's logger (slf4j-simple) writes to {@code System.err} as it is at each
 * call, so the test reads what was logged by swapping it for the call.
 */
class MemberSignalsTest {
  @TempDir Path root;

  /**
   * The end of a killed workload removes its emptied cgroup, which can come before the killer's
   * thaw: the thaw then finds no file. Nothing is left frozen, so nothing is warned about.
   */
  @Test
  void signalFrozen_cgroupRemovedBeforeTheThaw_warnsOfNothing() throws Exception {
    FixtureCgroupFs fs = new FixtureCgroupFs(root, true, d -> FixtureCgroupFs.v2Files("cpu"));
    Path dir = root.resolve("ffrtmp-job");
    fs.mkdir(dir);
    // frozen at once; the end's removal happens while the members are being signalled
    MemberSignals.FrozenProbe removedWhileFrozen = () -> {
      fs.rmdir(dir);
      return true;
    };
    String logged = logOf(() -> MemberSignals.signalFrozen(fs,
        new MemberSignals.Freezer(dir.resolve("cgroup.freeze"), "1", "0", removedWhileFrozen),
        dir.resolve("cgroup.procs"), 9, 0));
    assertEquals(List.of("ffrtmp-job/cgroup.freeze=1"), fs.writes, "frozen, then gone");
    assertFalse(logged.contains("could not thaw"), logged);
  }

  /** A thaw the kernel refuses while the cgroup is still there leaves it frozen: a warning. */
  @Test
  void signalFrozen_thawRefused_warnsNamingTheFileAndTheReason() throws Exception {
    FixtureCgroupFs fs = new FixtureCgroupFs(root, true, d -> FixtureCgroupFs.v2Files("cpu"))
        .refuse("cgroup.freeze", "0", "Permission denied");
    Path dir = root.resolve("ffrtmp-job");
    fs.mkdir(dir);
    String logged = logOf(() -> MemberSignals.signalFrozen(fs,
        new MemberSignals.Freezer(dir.resolve("cgroup.freeze"), "1", "0", () -> true),
        dir.resolve("cgroup.procs"), 9, 0));
    assertEquals("1", fs.read(dir.resolve("cgroup.freeze")));
    assertTrue(logged.contains("WARN") && logged.contains("could not thaw "
        + dir.resolve("cgroup.freeze") + ": Permission denied"), logged);
  }

  private static String logOf(Runnable r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream err = System.err;
    System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setErr(err);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
