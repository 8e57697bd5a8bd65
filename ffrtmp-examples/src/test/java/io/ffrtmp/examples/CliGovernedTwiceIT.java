package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing is governed twice, across JVMs: {@code ffrtmp attach} refuses the keeper and the
 * workload of a run of another {@code ffrtmp} process, naming its job, and adopting a process
 * tree that holds such a run leaves the run out.
 */
class CliGovernedTwiceIT {
  @TempDir Path dir;
  private Path cli;
  private final List<Process> started = new ArrayList<>();
  private final String tag = "twice-" + ProcessHandle.current().pid();
  /** The state directory of the CLIs this test starts. */
  private static final Path STATE = Shell.ROOT.resolve("ffrtmp-examples/target/ffrtmp-state");

  @BeforeEach
  void needsTheLauncher() {
    cli = Shell.launcher();
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
    }
    // the wrappers were killed: their cgroups stay (empty) unless removed here, and their
    // records until a recovery: this test's own, by its tag
    assertEquals(List.of(), Shell.removeCgroups("ffrtmp-wrapper-" + tag), "could not remove");
    try (java.util.stream.Stream<Path> records = Files.list(STATE)) {
      for (Path r : (Iterable<Path>) records::iterator) {
        if (r.getFileName().toString().startsWith("ffrtmp-wrapper-" + tag)) {
          Files.deleteIfExists(r);
        }
      }
    }
  }

  private Process start(List<String> cmd, Path err) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(err.toFile());
    pb.environment().put("FFRTMP_JAVA_OPTS", "-Dffrtmp.state=" + STATE);
    Process p = pb.start();
    started.add(p);
    return p;
  }

  private static String awaitLine(Path file, String part) throws Exception {
    for (int i = 0; i < 1500; i++) {
      if (Files.exists(file)) {
        for (String l : Files.readAllLines(file)) {
          if (l.contains(part)) {
            return l;
          }
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no '" + part + "' in " + file + ": "
        + (Files.exists(file) ? Files.readString(file) : "(none)"));
  }

  /** The workload's pid from "[wrapper] started pid N job ...". */
  private static long startedPid(String line) {
    return Long.parseLong(line.split("started pid ")[1].split(" ")[0]);
  }

  private static String attach(Path cli, long pid) throws Exception {
    Process a = new ProcessBuilder(cli.toString(), "attach", "--pid", Long.toString(pid))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(a.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(a.waitFor(60, TimeUnit.SECONDS));
    assertEquals(1, a.exitValue(), err);
    return err;
  }

  @Test
  void attach_toTheKeeperOrTheWorkloadOfAnotherRun_isRefused_namingTheJob() throws Exception {
    Path err = dir.resolve("run.err");
    start(List.of(cli.toString(), "run", "--job-id", tag, "--", "sleep", "33"), err);
    long workload = startedPid(awaitLine(err, "started pid"));
    long keeper = ProcessHandle.of(workload).flatMap(ProcessHandle::parent).orElseThrow().pid();
    assertEquals("Error: process " + keeper + " is already governed by ffrtmp: it is the launch"
        + " keeper of job " + tag + " (pid " + keeper + "); stop or detach that run first\n",
        attach(cli, keeper));
    assertTrue(attach(cli, workload).startsWith("Error: process " + workload + " is already"
        + " governed by ffrtmp: it is the workload of job " + tag + " (pid " + keeper + ")"));
  }

  @Test
  void attach_toAProcessTreeHoldingARun_leavesTheRunOut() throws Exception {
    Path runErr = dir.resolve("inner.err");
    // a shell whose descendants are another ffrtmp's JVM, its keeper and its workload
    Process shell = start(List.of("sh", "-c", cli + " run --job-id " + tag + "-inner -- sleep 34"
        + "; sleep 1"), runErr);
    long workload = startedPid(awaitLine(runErr, "started pid"));
    long keeper = ProcessHandle.of(workload).flatMap(ProcessHandle::parent).orElseThrow().pid();
    String before = Files.readString(Path.of("/proc/" + workload + "/cgroup"));
    Path attachErr = dir.resolve("attach.err");
    Process attacher = start(List.of(cli.toString(), "attach", "--pid",
        Long.toString(shell.pid()), "--job-id", tag + "-outer"), attachErr);
    awaitLine(attachErr, "attached to pid");
    String warned = awaitLine(attachErr, "is already governed by ffrtmp");
    assertTrue(warned.contains("process " + keeper + " (a descendant of " + shell.pid()
        + ") is already governed by ffrtmp: it is the launch keeper of job " + tag + "-inner"),
        warned);
    assertEquals(before, Files.readString(Path.of("/proc/" + workload + "/cgroup")),
        "the inner run's workload stays where its run put it");
    attacher.destroy(); // SIGTERM: detach
    assertTrue(attacher.waitFor(60, TimeUnit.SECONDS));
  }
  @Test
  void attach_toAProcessAnotherAttachAdopted_isRefused_andTakenOverOnceThatJvmDied()
      throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "36").start();
    started.add(sleeper);
    String pid = Long.toString(sleeper.pid());
    String job = tag + "-adopted";
    Path firstErr = dir.resolve("first.err");
    Process first = start(List.of(cli.toString(), "attach", "--pid", pid, "--job-id", job),
        firstErr);
    awaitLine(firstErr, "attached to pid " + pid);

    // another JVM: the adoption is seen through the first one's record, named
    Path secondErr = dir.resolve("second.err");
    Process second = start(List.of(cli.toString(), "attach", "--pid", pid, "--job-id",
        tag + "-second"), secondErr);
    assertTrue(second.waitFor(60, TimeUnit.SECONDS));
    assertEquals(1, second.exitValue(), Files.readString(secondErr));
    assertEquals("Error: process " + pid + " is already governed by ffrtmp: it was adopted as job "
        + job + " (attach mode), governed by the JVM pid " + first.pid() + "; stop or detach"
        + " that run first\n", Files.readString(secondErr));

    // its JVM dies: the process stays adopted (refused still), and 'wait' takes it over
    first.destroyForcibly().waitFor();
    Process third = start(List.of(cli.toString(), "attach", "--pid", pid), dir.resolve("3.err"));
    assertTrue(third.waitFor(60, TimeUnit.SECONDS));
    assertEquals(1, third.exitValue());
    assertTrue(Files.readString(dir.resolve("3.err")).contains("it was adopted as job " + job
        + " (attach mode), whose governing JVM ended: it awaits a recovery"),
        Files.readString(dir.resolve("3.err")));
    Path report = dir.resolve("wait.json");
    ProcessBuilder pb = new ProcessBuilder(cli.toString(), "wait", "--job-id", job, "--json")
        .redirectOutput(report.toFile()).redirectError(dir.resolve("wait.err").toFile());
    pb.environment().put("FFRTMP_JAVA_OPTS",
        "-Dffrtmp.state=" + STATE);
    Process wait = pb.start();
    started.add(wait);
    awaitLine(dir.resolve("wait.err"), "waiting for pid " + pid + " job " + job
        + " (recovered)");
    sleeper.destroy();
    assertTrue(wait.waitFor(60, TimeUnit.SECONDS));
    assertEquals(3, wait.exitValue(), "exit status unknown: " + Files.readString(
        dir.resolve("wait.err")));
    String doc = Files.readString(report);
    assertTrue(doc.contains("\"job_id\":\"" + job + "\"") && doc.contains("\"mode\":\"attach\"")
        && doc.contains("\"pid\":" + pid + ",") && doc.contains("\"exit_reason\":\"unknown\""),
        doc);
    assertEquals(1, doc.lines().count(), doc);
  }
}
