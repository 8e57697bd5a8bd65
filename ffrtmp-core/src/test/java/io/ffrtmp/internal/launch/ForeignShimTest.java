package io.ffrtmp.internal.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.Host;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar's shim for the other first-class architecture (arm64 on an x86-64 build machine, and
 * the reverse), run for real under qemu-user: placement (a file standing in for {@code
 * cgroup.procs}), nice, oom_score_adj, setsid, the keeper's fork and exit record, exec with argv
 * intact, exit statuses. The program it execs is the host's own (qemu-user hands an exec of a
 * native binary to the kernel).
 */
class ForeignShimTest {
  @TempDir Path dir;
  private Path shim;
  private String qemu;

  @BeforeEach
  void extractTheForeignShim() throws Exception {
    String arch = Shim.arch();
    String other = arch.equals("x86_64") ? "aarch64" : "x86_64";
    qemu = "/usr/bin/qemu-" + other;
    if (System.getenv("FFRTMP_CROSS_REQUIRED") == null) {
      Host.require(Files.isExecutable(Path.of(qemu)), qemu + " missing (Debian: qemu-user)");
    }
    boolean required = System.getenv("FFRTMP_CROSS_REQUIRED") != null; // set by .ci/run
    try (InputStream in = Shim.class.getResourceAsStream("ffrtmp-shim-" + other)) {
      if (!required) {
        Host.require(in != null, "no " + other + " shim in this build (its cross compiler is not"
            + " installed)");
      }
      assertNotNull(in, "the jar carries the " + other + " shim (built with the cross compiler)");
      shim = dir.resolve("ffrtmp-shim-" + other);
      Files.write(shim, in.readAllBytes());
    }
    Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwx------"));
  }

  /** Runs the foreign shim in keeper mode; returns exit status and standard output. */
  private Result keep(String nice, String oom, String... command) throws Exception {
    Path procs = dir.resolve("cgroup.procs");
    Files.writeString(procs, "");
    Path tasks = Files.createDirectories(dir.resolve("v1")).resolve("tasks");
    Files.writeString(tasks, "");
    List<String> cmd = new ArrayList<>(List.of(qemu, shim.toString(),
        dir.resolve("errors").toString(), "k", nice, oom, "2", procs.toString(),
        tasks.toString(), dir.resolve("exit").toString(), "2", procs.toString(),
        "/proc/self/rusage:children", "--"));
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    return new Result(p.exitValue(), out, p.pid(), Files.readString(procs).trim(),
        Files.readString(tasks).trim(), Files.readString(dir.resolve("exit")));
  }

  private record Result(int exit, String out, long keeper, String joined, String joinedTasks,
      String record) {}

  @Test
  void placesItself_setsNiceOomAndSession_forksTheWorkload_andRecordsItsExit() throws Exception {
    Result r = keep("7", "321", "/bin/sh", "-c",
        "read -r s < /proc/self/stat; echo \"$s\"; cat /proc/self/oom_score_adj; exit 5");
    assertEquals(5, r.exit(), r.out());
    assertEquals(Long.toString(r.keeper()), r.joined(), "the keeper placed itself (qemu's pid)");
    assertEquals("0", r.joinedTasks(), "a v1 tasks file gets the calling thread, 0");
    String[] lines = r.out().split("\n");
    String[] stat = lines[0].substring(lines[0].lastIndexOf(')') + 2).split(" ");
    assertEquals(Long.toString(r.keeper()), stat[4 - 3], "the workload is the keeper's child");
    assertEquals(Long.toString(r.keeper()), stat[6 - 3], "in the keeper's new session");
    assertEquals("7", stat[19 - 3], "nice");
    assertEquals("321", lines[1], "oom_score_adj");
    assertTrue(r.record().startsWith("ffrtmp-exit 1\npid "), r.record());
    assertTrue(r.record().contains("\nexited 5\n"), r.record());
    assertTrue(r.record().contains("\nfile "), "a counter file copied: " + r.record());
    // the pseudo-counter: the keeper's getrusage of the children it reaped
    assertTrue(r.record().matches("(?s).*\nfile \\d+ /proc/self/rusage:children\nuser_usec \\d+\n"
        + "system_usec \\d+\n.*"), r.record());
    assertTrue(r.record().endsWith("end\n"), r.record());
  }

  @Test
  void argvIsPassedIntact_andASignalDeathIsPassedOn() throws Exception {
    List<String> args = new ArrayList<>(List.of("/bin/sh", "-c", "echo \"$0 $# ${600}\"",
        "argv-zero"));
    for (int i = 1; i <= 600; i++) {
      args.add(Integer.toString(i));
    }
    Result r = keep("-", "-", args.toArray(String[]::new));
    assertEquals(0, r.exit(), r.out());
    assertEquals("argv-zero 600 600\n", r.out());

    Result killed = keep("-", "-", "/bin/sh", "-c", "kill -TERM $$");
    assertEquals(128 + 15, killed.exit(), "the keeper dies of the same signal");
    assertTrue(killed.record().contains("\nsignaled 15\n"), killed.record());

    Result missing = keep("-", "-", "no-such-command-ffrtmp");
    assertEquals(127, missing.exit());
    // (qemu-user does not emulate PR_SET_CHILD_SUBREAPER: a "subreaper" note may come first)
    assertTrue(Files.readString(dir.resolve("errors")).lines().anyMatch(l -> l.equals(
        "not-found\tno-such-command-ffrtmp\t2")), "the note of the failed exec");
  }

  /**
   * The flags of the JVM's spawn: "d" changes directory, "p" writes the workload's pid to
   * descriptor 3 (a file here, a pipe from the JVM), which the workload does not inherit, nor
   * any other descriptor above 2.
   */
  @Test
  void directoryAndPidPipe_andNoInheritedDescriptors() throws Exception {
    Path work = Files.createDirectories(dir.resolve("work"));
    Path pidFile = dir.resolve("pid");
    Process p = new ProcessBuilder("/bin/sh", "-c", "exec \"$@\" 3>\"$0\" 4</dev/null",
        pidFile.toString(), qemu, shim.toString(), dir.resolve("errors").toString(), "kpd",
        work.toString(), "-", "-", "0", dir.resolve("exit").toString(), "0", "--", "/bin/sh",
        "-c", "pwd; echo $$; ls /proc/self/fd | wc -l").redirectErrorStream(true).start();
    String[] out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
        .split("\n");
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), String.join("\n", out));
    assertEquals(work.toString(), out[0]);
    assertEquals(out[1] + "\n", Files.readString(pidFile), "the workload's pid, on fd 3");
    // ls sees 0, 1, 2 and its own directory (qemu-user may add descriptors of its own, which
    // are not the workload's: it hides them from /proc/self/fd)
    assertEquals("4", out[2].trim(), "descriptors of the workload: none above 2 but ls's own");
  }

  /** The systemd backend's mode: nothing runs before the go (SIGURG), then the workload does. */
  @Test
  void waitMode_startsTheWorkloadOnlyAfterTheGo() throws Exception {
    Path marker = dir.resolve("ran");
    Process p = new ProcessBuilder(qemu, shim.toString(), dir.resolve("errors").toString(), "kw",
        "-", "-", "0", dir.resolve("exit").toString(), "0", "--", "/bin/sh", "-c",
        "echo ran > " + marker).redirectErrorStream(true).start();
    long pid = p.pid();
    // ready once it leads its own session (setsid comes after blocking every signal)
    for (int i = 0; i < 3000 && io.ffrtmp.internal.os.ProcFs.stat(pid)
        .map(st -> st.session() != pid).orElse(false); i++) {
      Thread.sleep(10);
    }
    Thread.sleep(300);
    assertTrue(p.isAlive(), "waits for the go");
    assertTrue(!Files.exists(marker), "the workload has not run");
    io.ffrtmp.internal.os.Posix.kill((int) pid, io.ffrtmp.internal.os.Signals.SIGURG);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(),
        StandardCharsets.UTF_8));
    assertEquals("ran", Files.readString(marker).trim());
  }

  /**
   * One cgroup.procs in keeper mode: the shim tries to clone the workload into that directory
   * (a regular directory here, which clone3 refuses — and qemu-user may not offer clone3 at
   * all) and then joins by its pid, as before.
   */
  @Test
  void aLoneProcsFile_thatIsNoCgroup_isJoinedByPid() throws Exception {
    Path procs = Files.createDirectories(dir.resolve("lone")).resolve("cgroup.procs");
    Files.writeString(procs, "");
    Process p = new ProcessBuilder(qemu, shim.toString(), dir.resolve("errors").toString(), "k",
        "-", "-", "1", procs.toString(), dir.resolve("exit").toString(), "0", "--", "/bin/sh",
        "-c", "exit 3").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    assertEquals(3, p.exitValue(), out);
    assertEquals(Long.toString(p.pid()), Files.readString(procs).trim());
    assertTrue(Files.readString(dir.resolve("exit")).contains("\nexited 3\n"));
  }
}
