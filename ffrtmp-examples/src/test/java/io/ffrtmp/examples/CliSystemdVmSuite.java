package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bin/ffrtmp} as the operator guide runs it under systemd, on a real systemd (PID 1) and a
 * real cgroup v2 kernel: the guide's unit for the watcher, written where the guide says, with the
 * original wrapper's {@code examples/watch-config.yaml} as it is (a test resource, byte for byte),
 * governing a real {@code ffmpeg} started after it. Not run by surefire or failsafe: {@code
 * mvn verify} boots the systemd VM of ffrtmp-cgroups once more for it ({@code
 * run-vm-suite.sh systemd <this module> io.ffrtmp.examples.CliSystemdVmSuite}), after {@code
 * bin/ffrtmp} is built. The VM is throwaway (an overlay of this machine's root), so the test
 * writes {@code /etc} and {@code /opt} as an operator would.
 */
class CliSystemdVmSuite {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Path UNIT_DIR = Path.of("/etc/systemd/system");
  private static final Path CONFIG = Path.of("/etc/ffrtmp/watch-config.yaml");
  private static final Path OPT = Path.of("/opt/ffrtmp");
  /** The original's examples/watch-config.yaml, byte for byte (ffrtmp-cli's WatchConfigTest). */
  private static final Path ORIGINAL = REPO.resolve(
      "ffrtmp-cli/src/test/resources/original/watch-config.yaml");
  private final List<Process> started = new ArrayList<>();
  private String unit = "";

  @BeforeAll
  static void aSystemdHostAndTheLauncher() throws Exception {
    assertEquals("systemd", Files.readString(Path.of("/proc/1/comm")).trim(), "systemd is PID 1");
    assertEquals("0", sh("id", "-u"), "the suite runs as root");
    assertTrue(Files.isExecutable(REPO.resolve("bin/ffrtmp")), REPO + "/bin/ffrtmp is built");
    assertTrue(Files.isExecutable(Path.of("/usr/bin/ffmpeg")), "ffmpeg is installed");
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (Process p : started) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (!unit.isEmpty()) {
      run("systemctl", "stop", unit);
      Files.deleteIfExists(UNIT_DIR.resolve(unit));
      run("systemctl", "daemon-reload");
    }
  }

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void theGuidesUnit_withTheOriginalsConfig_governsAnFfmpegStartedAfterIt() throws Exception {
    // the guide's unit, as it is, where its first line says
    List<String> block = guideBlock("### A unit for the watcher", "```ini");
    String first = block.get(0);
    assertTrue(first.startsWith("# /etc/systemd/system/"), first);
    Path unitFile = Path.of(first.substring(2).trim());
    unit = unitFile.getFileName().toString();
    Files.writeString(unitFile, String.join("\n", block) + "\n");
    String execStart = block.stream().filter(l -> l.startsWith("ExecStart=")).findFirst()
        .orElseThrow();
    assertEquals("ExecStart=" + OPT + "/bin/ffrtmp watch --config " + CONFIG, execStart);
    // installed as the guide's paths say: /opt/ffrtmp is this build, the config the original's
    if (!Files.isSymbolicLink(OPT)) {
      assertFalse(Files.exists(OPT), OPT + " exists and is not this test's");
      Files.createSymbolicLink(OPT, REPO);
    }
    Files.createDirectories(CONFIG.getParent());
    Files.copy(ORIGINAL, CONFIG, StandardCopyOption.REPLACE_EXISTING);
    sh("systemctl", "daemon-reload");
    sh("systemctl", "start", unit);
    String firstRun = sh("systemctl", "show", "-p", "InvocationID", "--value", unit);
    awaitLog(firstRun, l -> l.startsWith("[wrapper] watching for ffmpeg, gst-launch-1.0 with"
        + " the kernel's process-events connector"));
    long watcher = Long.parseLong(sh("systemctl", "show", "-p", "MainPID", "--value", unit));
    assertEquals("-10", sh("ps", "-o", "ni=", "-p", Long.toString(watcher)), "the unit's Nice=");

    // a real ffmpeg started by another user after the watcher, in / (the file blocks /tmp) ...
    Process ffmpeg = ffmpeg(Path.of("/"));
    // ... and one in /tmp, which the file's blocked_dirs keeps out
    Process inTmp = ffmpeg(Path.of("/tmp"));
    String scope = "/ffrtmp.slice/ffrtmp-wrapper-auto-ffmpeg-" + ffmpeg.pid() + ".scope";
    // ffmpeg's own min_runtime is 10 s (over the default's 5 s): adopted then, with its limits
    String adopted = awaitLog(firstRun, l -> l.startsWith("adopted pid " + ffmpeg.pid()));
    assertTrue(adopted.startsWith("adopted pid " + ffmpeg.pid() + " job auto-ffmpeg-"
        + ffmpeg.pid() + " (rule ffmpeg) ") && adopted.endsWith("strategy systemd cgroup "
        + scope), adopted);
    double after = Double.parseDouble(adopted.replaceAll(".*\\) ([0-9.]+) ms after its exec.*",
        "$1"));
    assertTrue(after >= 10_000, "adopted " + after + " ms after its exec, before min_runtime");
    assertEquals("0::" + scope, cgroup(ffmpeg.pid()));
    String scopeUnit = scope.substring(scope.lastIndexOf('/') + 1);
    assertEquals("CPUQuotaPerSecUSec=3s", sh("systemctl", "show", "-p", "CPUQuotaPerSecUSec",
        scopeUnit), "commands.ffmpeg.limits.cpu_quota: 300");
    assertEquals("MemoryMax=" + 8192L * 1024 * 1024, sh("systemctl", "show", "-p", "MemoryMax",
        scopeUnit), "commands.ffmpeg.limits.memory_limit: 8192");
    assertEquals("300000 100000", read(Path.of("/sys/fs/cgroup" + scope, "cpu.max")));
    String skipped = awaitLog(firstRun, l -> l.startsWith("skipped pid " + inTmp.pid()));
    assertEquals("skipped pid " + inTmp.pid() + " (ffmpeg): rule ffmpeg: its working directory"
        + " /tmp is blocked", skipped);
    assertEquals("0::/system.slice/ffrtmp-suite.service", cgroup(inTmp.pid()), "where it started");

    // systemctl reload: the unit's ExecReload= (SIGHUP) reads the file again
    sh("systemctl", "reload", unit);
    awaitLog(firstRun, l -> l.startsWith("[wrapper] reloaded " + CONFIG));
    // systemctl stop: the unit's KillMode=process leaves the adoption running, in its scope
    sh("systemctl", "stop", unit);
    assertTrue(ffmpeg.isAlive(), "ffmpeg outlived the watcher's stop");
    assertEquals("0::" + scope, cgroup(ffmpeg.pid()));
    awaitLog(firstRun, l -> l.startsWith("[wrapper] stopped watching"));
    // the next start takes it back, never adopts it again, and reports its end once
    sh("systemctl", "start", unit);
    String secondRun = sh("systemctl", "show", "-p", "InvocationID", "--value", unit);
    String recovered = awaitLog(secondRun, l -> l.startsWith("recovered pid " + ffmpeg.pid()));
    assertEquals("recovered pid " + ffmpeg.pid() + " job auto-ffmpeg-" + ffmpeg.pid()
        + " strategy systemd cgroup " + scope, recovered);
    awaitLog(secondRun, l -> l.startsWith("[wrapper] watching for"));
    ffmpeg.destroy();
    String ended = awaitLog(secondRun, l -> l.startsWith("ended pid " + ffmpeg.pid()));
    assertTrue(ended.startsWith("ended pid " + ffmpeg.pid() + " job auto-ffmpeg-"
        + ffmpeg.pid() + ": exit_reason="), ended);
    String job = awaitLog(secondRun, l -> l.startsWith("[wrapper] JOB auto-ffmpeg-"
        + ffmpeg.pid()));
    assertTrue(job.contains(" | intent=") && job.contains(" | sla=") && job.endsWith(
        " | pid=" + ffmpeg.pid()), job);
    List<String> second = log(secondRun);
    assertTrue(second.stream().noneMatch(l -> l.startsWith("adopted pid " + ffmpeg.pid())),
        "adopted again: " + second);
    sh("systemctl", "stop", unit);
    assertFalse(Files.exists(Path.of("/sys/fs/cgroup" + scope)), "the scope is gone");
    System.out.println("journalctl -u " + unit + ", the first run:\n  "
        + String.join("\n  ", log(firstRun)) + "\nthe second:\n  " + String.join("\n  ", second));
  }

  /** A real ffmpeg, as uid 65534 (exec'd directly: its pid is the process's), in {@code dir}. */
  private Process ffmpeg(Path dir) throws IOException {
    Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534",
        "--clear-groups", "/usr/bin/ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
        "-re", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "600", "-f", "null", "-")
        .directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    started.add(p);
    return p;
  }

  /** The fenced block of {@code fence} after {@code heading} in the operator guide. */
  private static List<String> guideBlock(String heading, String fence) throws IOException {
    List<String> guide = Files.readAllLines(REPO.resolve("docs/OPERATOR_GUIDE.md"));
    int at = guide.indexOf(heading);
    assertTrue(at >= 0, "no " + heading + " in the guide");
    int start = guide.subList(at, guide.size()).indexOf(fence) + at + 1;
    assertTrue(start > at, "no " + fence + " after " + heading);
    int end = guide.subList(start, guide.size()).indexOf("```") + start;
    assertTrue(end > start, "the block after " + heading + " does not end");
    return guide.subList(start, end);
  }

  /** The unit's lines of one run (its invocation) in the journal. */
  private List<String> log(String invocation) throws Exception {
    return List.of(sh("journalctl", "-u", unit, "_SYSTEMD_INVOCATION_ID=" + invocation, "-o",
        "cat", "--no-pager").split("\n"));
  }

  /** Waits up to 120 s for a line of one run in the journal. */
  private String awaitLog(String invocation, Predicate<String> line) throws Exception {
    for (int i = 0; i < 240; i++) {
      for (String l : log(invocation)) {
        if (line.test(l)) {
          return l;
        }
      }
      Thread.sleep(500);
    }
    throw new AssertionError("no such line in 120 s: " + log(invocation));
  }

  private static String cgroup(long pid) throws IOException {
    return read(Path.of("/proc/" + pid + "/cgroup"));
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file).trim();
  }

  /** Runs a command; its standard output, trimmed; fails with its output when it fails. */
  private static String sh(String... command) throws Exception {
    String[] r = run(command);
    assertEquals("0", r[0], String.join(" ", command) + ": " + r[1]);
    return r[1];
  }

  private static String[] run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " hangs");
    return new String[] {Integer.toString(p.exitValue()), out};
  }
}
