package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launch without the JDK's process machinery: the JVM spawns the shim itself, so what
 * {@link ProcessBuilder} did for the caller's process description — pipes, file redirects, the
 * merged error stream, the working directory, the environment, descriptors not inherited — is
 * checked here, on real processes (nice-fallback: no cgroup needed).
 */
class SpawnTest {
  @TempDir Path tmp;

  private static GovernedWorkload start(ProcessBuilder pb) throws Exception {
    return Workload.run(pb).withStrategy("nice-fallback").start();
  }

  private static String text(InputStream in) throws Exception {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void pipes_stdinToStdout_andStderrApart() throws Exception {
    GovernedWorkload w = start(new ProcessBuilder("/bin/sh", "-c", "cat; echo to-err >&2"));
    Process p = w.process().orElseThrow();
    try (OutputStream in = p.getOutputStream()) {
      in.write("line one\nline two\n".getBytes(StandardCharsets.UTF_8));
    }
    assertEquals("line one\nline two\n", text(p.getInputStream()));
    assertEquals("to-err\n", text(p.getErrorStream()));
    assertEquals(0, w.awaitReport().exitCode());
    assertEquals(0, p.waitFor());
    assertEquals(0, p.exitValue());
    assertFalse(p.isAlive());
  }

  @Test
  void redirectErrorStream_mergesIntoStdout_andTheErrorStreamIsEmpty() throws Exception {
    GovernedWorkload w = start(new ProcessBuilder("/bin/sh", "-c", "echo out; echo err >&2")
        .redirectErrorStream(true));
    Process p = w.process().orElseThrow();
    assertEquals("out\nerr\n", text(p.getInputStream()));
    assertEquals(-1, p.getErrorStream().read());
    assertEquals(0, w.awaitReport().exitCode());
  }

  @Test
  void fileRedirects_read_write_append_andDiscard() throws Exception {
    Path input = tmp.resolve("in.txt");
    Files.writeString(input, "from a file\n");
    Path out = tmp.resolve("out.txt");
    Files.writeString(out, "old content that is truncated\n");
    Path log = tmp.resolve("log.txt");
    Files.writeString(log, "kept\n");
    GovernedWorkload w = start(new ProcessBuilder("/bin/sh", "-c", "cat; echo appended >&2")
        .redirectInput(input.toFile()).redirectOutput(out.toFile())
        .redirectError(Redirect.appendTo(log.toFile())));
    assertEquals(0, w.awaitReport().exitCode());
    assertEquals("from a file\n", Files.readString(out));
    assertEquals("kept\nappended\n", Files.readString(log));
    assertEquals(-1, w.process().orElseThrow().getInputStream().read(), "no pipe: empty");

    GovernedWorkload d = start(new ProcessBuilder("/bin/sh", "-c", "echo gone; echo gone >&2")
        .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD));
    assertEquals(0, d.awaitReport().exitCode());
  }

  @Test
  void missingInputFile_failsTheStart_namingTheFile_andLeavesNothingRunning() throws Exception {
    File missing = tmp.resolve("no-such-input").toFile();
    LaunchException e = assertThrows(LaunchException.class, () -> start(
        new ProcessBuilder("/bin/cat").redirectInput(missing)));
    assertInstanceOf(FileNotFoundException.class, e.getCause());
    assertEquals("Cannot run program \"/bin/cat\": " + missing + " (No such file or directory)",
        e.getMessage());
    File dir = tmp.toFile();
    LaunchException d = assertThrows(LaunchException.class, () -> start(
        new ProcessBuilder("/bin/cat").redirectOutput(dir)));
    assertTrue(d.getMessage().endsWith(dir + " (Is a directory)"), d.getMessage());
  }

  @Test
  void workingDirectory_isTheWorkloads_andAFileThereIsRefused() throws Exception {
    GovernedWorkload w = start(new ProcessBuilder("/bin/pwd").directory(tmp.toFile()));
    assertEquals(tmp.toRealPath() + "\n", text(w.process().orElseThrow().getInputStream()));
    assertEquals(0, w.awaitReport().exitCode());

    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    LaunchException e = assertThrows(LaunchException.class,
        () -> start(new ProcessBuilder("/bin/pwd").directory(file.toFile())));
    assertEquals(20, e.errno(), e.getMessage());
    assertTrue(e.getMessage().contains("Not a directory"), e.getMessage());
  }

  @Test
  void environment_isTheBuildersOnly() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("/usr/bin/env");
    pb.environment().clear();
    pb.environment().put("FFRTMP_SPAWN_TEST", "värde with spaces");
    GovernedWorkload w = start(pb);
    assertEquals("FFRTMP_SPAWN_TEST=värde with spaces\n",
        text(w.process().orElseThrow().getInputStream()));
    assertEquals(0, w.awaitReport().exitCode());
  }

  @Test
  void theJvmsDescriptors_areNotInherited() throws Exception {
    // the JDK opens files without O_CLOEXEC: the shim closes them before the workload runs
    try (FileInputStream open = new FileInputStream("/proc/self/status")) {
      GovernedWorkload w = start(new ProcessBuilder("/bin/ls", "/proc/self/fd"));
      List<String> fds = List.of(text(w.process().orElseThrow().getInputStream()).split("\n"));
      assertEquals(0, w.awaitReport().exitCode());
      // 0, 1, 2 and the directory ls itself opened to list them
      assertEquals(4, fds.size(), "descriptors of ls: " + fds);
      assertTrue(open.read() >= 0);
    }
  }

  @Test
  void theProcess_beforeAndAfterItsExit() throws Exception {
    GovernedWorkload w = start(new ProcessBuilder("/bin/sleep", "30"));
    Process p = w.process().orElseThrow();
    assertTrue(p.isAlive());
    assertThrows(IllegalThreadStateException.class, p::exitValue);
    assertFalse(p.waitFor(20, TimeUnit.MILLISECONDS));
    assertFalse(p.onExit().isDone());
    p.destroy();
    assertEquals(143, p.waitFor(), "SIGTERM: 128 + 15, as ProcessBuilder's processes report it");
    assertTrue(p.onExit().isDone());
    assertEquals(ExitReason.SIGNAL, w.awaitReport().exitReason());
  }
}
