package io.ffrtmp.internal.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launch's step timings (PERFORMANCE.md's table): printed at the end, and only when asked. */
class LaunchStepsTest {
  @TempDir Path dir;

  private String child(List<String> jvmArgs) throws Exception {
    List<String> cmd = ChildJvm.command(ChildJvm.classpath(), dir, jvmArgs,
        "io.ffrtmp.testing.LaunchMain", List.of("0", "0", "/bin/true"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("\"exit_code\":0"), out);
    return out;
  }

  @Test
  void asked_everyStepOfTheLaunchIsPrinted_atTheEnd() throws Exception {
    String out = child(List.of("-Dffrtmp.launchSteps=true", "-Dffrtmp.strategy=nice-fallback"));
    String steps = out.substring(out.indexOf("[launch steps]"));
    for (LaunchSteps.Step s : LaunchSteps.Step.values()) {
      if (s != LaunchSteps.Step.BEGIN) {
        assertTrue(steps.contains(s.what()), "step " + s + " missing: " + out);
      }
    }
    String row = "\\s+\\d+\\.\\d{3} ms\\s+\\d+\\.\\d{3} ms  .+"; // p50, p90, the step
    assertTrue(steps.lines().skip(1).allMatch(l -> l.matches(row)), steps);
  }

  @Test
  void notAsked_nothingIsPrinted() throws Exception {
    assertFalse(child(List.of("-Dffrtmp.strategy=nice-fallback")).contains("[launch steps]"));
  }
}
