package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standard output of {@code --json} is exactly one JSON document in every ending of the
 * wrapper — normal end, timeout, a failed launch, a strict refusal, every signal that would end
 * it, SIGQUIT's thread dump — in run and attach mode; and inputs that
 * reach the file system or the backend registry are usage errors (exit status 2).
 */
class CliEndingsIT {
  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();
  /** Detached workloads (their wrapper gone, they are no one's descendants): killed at the end. */
  private final List<Long> workloads = new ArrayList<>();
  private Path cli;

  @BeforeEach
  void needsTheLauncher() {
    cli = Shell.launcher();
  }

  /** Unique to this JVM: the cgroups this test leaves (detach keeps them) are found by it. */
  private final String tag = "endings-" + ProcessHandle.current().pid() + "-";

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
    }
    for (long w : workloads) {
      ProcessHandle.of(w).ifPresent(ProcessHandle::destroyForcibly);
    }
    // detached workloads keep their cgroups; their processes are gone now: remove the cgroups
    assertEquals(List.of(), Shell.removeCgroups("ffrtmp-wrapper-" + tag), "could not remove");
  }

  /** Starts the CLI; waits for its start line on standard error; stdout goes to a file. */
  private Process cli(Path out, String startLine, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(cli.toString()));
    cmd.addAll(List.of(args));
    Process p = withState(new ProcessBuilder(Shell.withDefaultSignals(cmd))
        .redirectOutput(out.toFile())).start();
    started.add(p);
    BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(),
        StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line; (line = err.readLine()) != null; ) {
      seen.append(line).append('\n');
      if (line.contains(startLine)) {
        // keep draining standard error so the wrapper never blocks on it
        Thread t = new Thread(() -> {
          try {
            err.transferTo(java.io.Writer.nullWriter());
          } catch (java.io.IOException e) {
            // gone
          }
        });
        t.setDaemon(true);
        t.start();
        return p;
      }
    }
    throw new AssertionError("no start line '" + startLine + "': " + seen);
  }

  /** The build's state directory, not the machine's: the workloads' records land there. */
  private static ProcessBuilder withState(ProcessBuilder pb) {
    pb.environment().put("FFRTMP_JAVA_OPTS",
        "-Dffrtmp.state=" + Shell.ROOT.resolve("ffrtmp-examples/target/ffrtmp-state"));
    return pb;
  }

  /** The whole of standard output must parse as one JSON object. */
  private static Map<String, Object> oneDocument(Path out) throws Exception {
    String text = Files.readString(out);
    assertEquals(1, text.lines().filter(l -> !l.isBlank()).count(), "one line: " + text);
    return Json.object(text.trim());
  }

  private static int endOf(Process p) throws Exception {
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the wrapper ended");
    return p.exitValue();
  }

  @Test
  void attach_json_stoppedWithSigterm_printsOneReport() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "40").start();
    started.add(sleeper);
    Path out = dir.resolve("attach.json");
    Process p = cli(out, "attached to", "attach", "--pid", Long.toString(sleeper.pid()),
        "--json", "--job-id", tag + "attach");
    p.destroy(); // SIGTERM, the documented way to stop watching
    assertEquals(0, endOf(p));
    Map<String, Object> r = oneDocument(out);
    assertEquals("detached", r.get("exit_reason"));
    assertTrue(sleeper.isAlive(), "the workload is not signalled");
  }

  /**
   * SIGTERM or SIGINT to {@code run --json} (a unit stopped, Ctrl-C): one detached report, the
   * workload runs on — and its records stay, so that {@code ffrtmp wait} reports its real end
   * later, as it does for a wrapper without {@code --json}: every result once, none lost.
   */
  @Test
  void run_json_stoppedWithSigtermOrSigint_printsOneDetachedReport_andWaitGetsTheEnd()
      throws Exception {
    assertEquals(143, detachedThenWaited("TERM"));
    assertEquals(130, detachedThenWaited("INT"));
  }

  /**
   * Every other signal whose default action would end the wrapper (SIGHUP through the JVM's
   * shutdown, the rest caught by the CLI, SIGUSR2 included: {@code bin/ffrtmp} moves the JVM's
   * own use of it elsewhere) ends it with 128 + N and one detached report; the workload runs on,
   * and {@code wait} reports its end.
   */
  @Test
  void run_json_everyOtherEndingSignal_printsOneDetachedReport() throws Exception {
    for (String signal : List.of("HUP", "USR1", "USR2", "ALRM", "VTALRM", "PROF", "XCPU", "IO",
        "PWR", "SYS", "STKFLT", "TRAP")) {
      assertEquals(128 + signalNumber(signal), detachedThenWaited(signal), signal);
    }
    try (var s = Files.list(Path.of(System.getProperty("user.dir")))) {
      assertEquals(List.of(), s.filter(f -> f.getFileName().toString().startsWith("hs_err"))
          .toList(), "no JVM crash file in the working directory");
    }
  }

  /**
   * Sends {@code signal} to {@code run --json} of a workload that ends (status 7) once told to;
   * checks the one detached document and that the workload runs on; then lets it end and checks
   * that {@code ffrtmp wait} reports that end, from the records the wrapper left.
   *
   * @return the wrapper's exit status
   */
  private int detachedThenWaited(String signal) throws Exception {
    Path out = dir.resolve("run-" + signal + ".json");
    Path go = dir.resolve("go-" + signal);
    String job = tag + signal;
    Process p = cli(out, "started pid", "run", "--json", "--job-id", job, "--", "sh", "-c",
        "while [ ! -e \"$0\" ]; do sleep 0.05; done; exit 7", go.toString());
    new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
    int code = endOf(p);
    Map<String, Object> r = oneDocument(out);
    assertEquals("detached", r.get("exit_reason"), signal);
    long workload = ((Number) r.get("pid")).longValue(); // the keeper's child
    workloads.add(workload);
    assertTrue(ProcessHandle.of(workload).map(ProcessHandle::isAlive).orElse(false),
        "the workload runs on after SIG" + signal);
    Files.createFile(go);
    Path end = dir.resolve("wait-" + signal + ".json");
    Process wait = withState(new ProcessBuilder(cli.toString(), "wait", "--job-id", job,
        "--json")).redirectOutput(end.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    started.add(wait);
    assertEquals(7, endOf(wait), "wait exits with the workload's status, after SIG" + signal
        + ": " + Files.readString(end));
    Map<String, Object> last = oneDocument(end);
    assertEquals(7L, ((Number) last.get("exit_code")).longValue(), signal);
    assertEquals("error", last.get("exit_reason"), signal);
    assertEquals(workload, ((Number) last.get("pid")).longValue(), signal);
    return code;
  }

  /** Linux's numbers of these signals (the same on x86-64 and arm64). */
  private static int signalNumber(String name) {
    return Map.ofEntries(Map.entry("HUP", 1), Map.entry("TRAP", 5), Map.entry("USR1", 10),
        Map.entry("USR2", 12), Map.entry("ALRM", 14), Map.entry("STKFLT", 16),
        Map.entry("XCPU", 24), Map.entry("VTALRM", 26), Map.entry("PROF", 27),
        Map.entry("IO", 29), Map.entry("PWR", 30), Map.entry("SYS", 31)).get(name);
  }

  /** What bin/ffrtmp sets for its JVM (the suspend signal's move) is not the workload's. */
  @Test
  void run_theWorkloadsEnvironment_hasNotTheLaunchersJvmSettings() throws Exception {
    Process p = new ProcessBuilder(cli.toString(), "run", "--job-id", tag + "env", "--", "sh",
        "-c", "echo sr=${_JAVA_SR_SIGNUM:-unset} set=${FFRTMP_SR_SIGNUM_SET:-unset}")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    started.add(p);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, endOf(p), out);
    assertEquals("sr=unset set=unset", out.trim());
  }

  /** SIGQUIT is the JVM's thread dump: on stderr, and the wrapper goes on to its one report. */
  @Test
  void run_json_sigquit_dumpsThreadsOnStderr_andTheReportStaysAlone() throws Exception {
    Path out = dir.resolve("quit.json");
    Path err = dir.resolve("quit.err");
    List<String> cmd = List.of(cli.toString(), "run", "--json", "--job-id", tag + "quit", "--",
        "sh", "-c", "sleep 2; exit 5");
    Process p = new ProcessBuilder(Shell.withDefaultSignals(cmd)).redirectOutput(out.toFile())
        .redirectError(err.toFile()).start();
    started.add(p);
    for (int i = 0; i < 600 && !Files.readString(err).contains("started pid"); i++) {
      Thread.sleep(10);
    }
    new ProcessBuilder("kill", "-QUIT", Long.toString(p.pid())).start().waitFor();
    assertEquals(5, endOf(p), Files.readString(err));
    assertEquals(5L, ((Number) oneDocument(out).get("exit_code")).longValue());
    assertTrue(Files.readString(err).contains("Full thread dump"), Files.readString(err));
  }

  /** A strict refusal is a report too (exit code 125, the refused constraint), and status 125. */
  @Test
  void run_json_strictRefusal_printsTheRefusalsReport() throws Exception {
    Path out = dir.resolve("strict.json");
    Process p = new ProcessBuilder(cli.toString(), "run", "--json", "--strict", "--strategy",
        "nice-fallback", "--memory-limit", "64", "--job-id", tag + "strict", "--", "true")
        .redirectOutput(out.toFile()).start();
    started.add(p);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(125, endOf(p), err);
    assertTrue(err.contains("Error: strict mode: not started"), err);
    Map<String, Object> r = oneDocument(out);
    assertEquals(125L, ((Number) r.get("exit_code")).longValue(), r.toString());
    assertEquals("error", r.get("exit_reason"));
    assertEquals(0L, ((Number) r.get("pid")).longValue());
    assertEquals(tag + "strict", r.get("job_id"));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> enforcement = (List<Map<String, Object>>) r.get("enforcement");
    assertEquals(List.of("memory_limit_mb"), enforcement.stream()
        .map(e -> e.get("constraint")).toList(), r.toString());
    assertEquals(false, r.get("platform_sla_compliant"));
  }

  @Test
  void run_json_normalEndAndTimeout_printOneReportEach() throws Exception {
    Path normal = dir.resolve("normal.json");
    Process p = cli(normal, "started pid", "run", "--json", "--job-id", tag + "normal", "--",
        "sh", "-c", "echo noise; exit 4");
    assertEquals(4, endOf(p));
    assertEquals("error", oneDocument(normal).get("exit_reason"));

    Path timeout = dir.resolve("timeout.json");
    Process t = cli(timeout, "started pid", "run", "--json", "--job-id", tag + "timeout",
        "--timeout", "1", "--grace", "1",
        "--", "sh", "-c", "(trap '' TERM; exec sleep 42) & wait");
    endOf(t);
    assertEquals("timeout", oneDocument(timeout).get("exit_reason"));

    Path notFound = dir.resolve("not-found.json");
    Process n = new ProcessBuilder(cli.toString(), "run", "--json", "--job-id",
        tag + "not-found", "--", "/nonexistent/command").redirectOutput(notFound.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    started.add(n);
    assertEquals(127, endOf(n));
    assertEquals(127L, ((Number) oneDocument(notFound).get("exit_code")).longValue());
  }

  @Test
  void unknownStrategyOrAnEscapingCgroupParent_areUsageErrors() throws Exception {
    String escape = "ffrtmp-escape-" + ProcessHandle.current().pid();
    for (List<String> bad : List.of(List.of("--strategy", "bogus"),
        List.of("--cgroup-parent", "/../../../../tmp/" + escape))) {
      List<String> cmd = new ArrayList<>(List.of(cli.toString(), "run"));
      cmd.addAll(bad);
      cmd.addAll(List.of("--", "true"));
      Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(2, endOf(p), err);
      assertTrue(err.startsWith("Error: Invalid value for " + bad.get(0) + ": "), err);
    }
    assertFalse(Files.exists(Path.of("/tmp", escape)), "nothing created outside the hierarchy");
  }

  @Test
  void forcingNiceFallback_whereACgroupBackendIsUsable_warnsOfNoFallback() throws Exception {
    Process b = new ProcessBuilder(cli.toString(), "backends").start();
    String backends = new String(b.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    endOf(b);
    Assumptions.assumeTrue(backends.lines().anyMatch(l -> l.contains("cgroup-v")
        && l.contains(" usable ")), "no cgroup backend usable here: " + backends);
    Process p = new ProcessBuilder(cli.toString(), "run", "--strategy", "nice-fallback", "--",
        "true").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, endOf(p), err);
    assertFalse(err.contains("No cgroup backend usable"), err);
  }
}
