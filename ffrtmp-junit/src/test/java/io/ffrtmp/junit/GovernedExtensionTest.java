package io.ffrtmp.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.ffrtmp.Workload;
import io.ffrtmp.junit.samples.LeftBehindSample;
import io.ffrtmp.junit.samples.MemoryHogSample;
import io.ffrtmp.junit.samples.UnenforceableSample;
import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * The extension as a suite uses it, through JUnit's EngineTestKit: as root (this host's cgroup
 * backend enforces the limits) and as uid 65534 (it cannot: skipped with the reason, or failed
 * when asked).
 */
class GovernedExtensionTest {
  private static EngineExecutionResults run(Class<?> sample) {
    return EngineTestKit.engine("junit-jupiter").selectors(selectClass(sample)).execute();
  }

  /** Every report entry the tests published, key to value. */
  private static Map<String, String> entries(EngineExecutionResults r) {
    return r.allEvents().reportingEntryPublished().stream()
        .map(e -> e.getRequiredPayload(ReportEntry.class))
        .flatMap(e -> e.getKeyValuePairs().entrySet().stream())
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  private static void requireRootWithCgroups() {
    Host.require(Host.isRoot(), "the limits are enforced for root (uid 65534: the other test)");
    Host.require(!Workload.backends().stream().filter(b -> b.usable()
        && !b.name().equals("nice-fallback")).toList().isEmpty(), "no cgroup backend usable here");
  }

  @Test
  void asRoot_theTestsWorkloadIsUnderItsMemoryLimit_andItsReportIsPublished() {
    requireRootWithCgroups();
    EngineExecutionResults r = run(MemoryHogSample.class);
    r.testEvents().assertStatistics(s -> s.succeeded(1).failed(0).aborted(0));
    String report = entries(r).get("ffrtmp.junit-MemoryHogSample-aHogIsOomKilled-1");
    assertTrue(report != null && report.contains("\"exit_reason\":\"oom\"")
        && report.contains("\"memory_limit_mb\":64"), String.valueOf(entries(r)));
  }

  /**
   * A failing test's workload is killed at its end with the daemon it started in a session of
   * its own (the whole cgroup), and a passing test's ended workload leaves no child behind;
   * both reports are published.
   */
  @Test
  void theTestsEnd_killsWhatItStarted_passingOrFailing_daemonsIncluded() throws Exception {
    requireRootWithCgroups();
    LeftBehindSample.PIDS.clear();
    EngineExecutionResults r = run(LeftBehindSample.class);
    r.testEvents().assertStatistics(s -> s.succeeded(1).failed(1).aborted(0));
    List<Long> pids = List.copyOf(LeftBehindSample.PIDS);
    try {
      assertEquals(3, pids.size(), pids.toString());
      for (long pid : pids) {
        assertTrue(Host.awaitGone(pid, 5000), "process " + pid + " of " + pids + " was killed");
      }
    } finally {
      pids.forEach(Host::killQuietly);
    }
    Map<String, String> e = entries(r);
    String failed = e.get("ffrtmp.junit-LeftBehindSample-failsWhileItsWorkloadRuns-1");
    assertTrue(failed != null && failed.contains("\"exit_reason\":\"signal\"")
        && failed.contains("\"pids_max\":64"), e.toString());
    assertTrue(e.containsKey("ffrtmp.junit-LeftBehindSample-passesAfterItsWorkloadEnded-1"),
        e.toString());
  }

  /** As uid 65534 there is no memory limit to be had: skipped with the reason, or failed. */
  @Test
  void asNobody_anUnenforceableLimit_skipsTheTestWithTheReason_orFailsItWhenAsked(
      @TempDir Path tmp) throws Exception {
    Host.require(Host.isRoot(), "needs root to switch to uid 65534 with setpriv");
    Host.require(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    String cp = ChildJvm.worldReadableClasspath(Files.createDirectory(tmp.resolve("cp")));
    Path childTmp = Files.createDirectory(tmp.resolve("tmp"));
    Files.setPosixFilePermissions(childTmp, PosixFilePermissions.fromString("rwxrwxrwx"));
    List<String> cmd = new ArrayList<>(List.of(
        "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
    cmd.addAll(ChildJvm.command(cp, childTmp, "io.ffrtmp.junit.samples.SampleMain",
        List.of(UnenforceableSample.class.getName())));
    Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
    assertEquals(0, p.exitValue(), out);
    String skipped = line(out, "skippedWhereTheLimitCannotBeEnforced");
    assertTrue(skipped.contains(" ABORTED ffrtmp cannot enforce the test's constraints here: ")
        && skipped.contains("memory_limit_mb"), out);
    // and why no cgroup backend is usable for this user
    assertTrue(skipped.contains("(backends: ") && skipped.contains("cgroup-v1: "), out);
    String failed = line(out, "failedWhereTheLimitCannotBeEnforced");
    assertTrue(failed.contains(" FAILED ffrtmp cannot enforce the test's constraints here: ")
        && failed.contains("memory_limit_mb"), out);
  }

  private static String line(String out, String test) {
    return out.lines().filter(l -> l.startsWith("RESULT " + test + "(")).findFirst()
        .orElse("(no result for " + test + ")");
  }
}
