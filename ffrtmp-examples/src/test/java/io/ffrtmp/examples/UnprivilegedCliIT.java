package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.examples.Shell.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as uid 65534 (nobody): clean degradation with the guide's messages, the documented
 * exit codes, and never a stack trace.
 */
class UnprivilegedCliIT {
  @TempDir Path dir;
  private Path inst;

  @BeforeEach
  void install() throws Exception {
    boolean root = Files.readString(Path.of("/proc/self/status")).lines()
        .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1].equals("0");
    boolean ready = root && Shell.onPath("setpriv")
        && Files.isExecutable(Shell.ROOT.resolve("bin/ffrtmp"));
    if (!ready) {
      System.err.println("SKIPPED: needs root, setpriv and a built bin/ffrtmp");
    }
    Assumptions.assumeTrue(ready, "needs root, setpriv and a built bin/ffrtmp");
    inst = Shell.unprivilegedInstall(dir);
  }

  private Result nobody(String command) throws Exception {
    Result r = Shell.asNobody(dir, inst, command);
    assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r);
    return r;
  }

  @Test
  void run_degradesCleanly_withTheGuidesMessages() throws Exception {
    Result r = nobody("ffrtmp run --nice -5 --oom-score -100 --cpu-quota 200 --memory-limit 128"
        + " -- sh -c \"exit 3\"");
    assertEquals(3, r.exit(), r.toString());
    String err = r.err();
    assertTrue(err.contains("[wrapper] WARNING: Cannot create cgroup (permission denied)\n"), err);
    assertTrue(err.contains("[wrapper] WARNING: Cannot set negative nice (requires root), using 0\n"), err);
    assertTrue(err.contains("[wrapper] WARNING: Cannot set negative OOM score (requires root), using 0\n"), err);
    assertTrue(err.contains("[wrapper] WARNING: Cannot enforce cpu_quota without cgroups"), err);
    assertTrue(err.contains("strategy nice-fallback"), err);
  }

  /** A failed system call is named with its errno's name and words, not a bare number. */
  @Test
  void attach_toAnotherUsersProcess_saysWhyNiceFailed_inWords() throws Exception {
    Process root = new ProcessBuilder("sleep", "3").start();
    try {
      Result r = nobody("ffrtmp attach --pid " + root.pid() + " --nice 5");
      assertEquals(0, r.exit(), r.toString());
      assertTrue(r.err().contains("[wrapper] WARNING: Cannot set nice 5 on thread " + root.pid()
          + " of process " + root.pid() + ": EPERM (Operation not permitted)\n"), r.err());
    } finally {
      root.destroyForcibly().waitFor();
    }
  }

  /** A state directory that cannot be written is said so at once: no wait that never ends. */
  @Test
  void waitAndList_withAStateDirectoryTheUserCannotWrite_endAtOnce_sayingWhy() throws Exception {
    Path ro = Files.createDirectory(dir.resolve("ro-state"));
    Path record = Files.writeString(ro.resolve("ro-job.1.1.start"), "version=1\njob_id=ro-job\n");
    for (Path p : new Path[] {record, ro}) {
      Files.setAttribute(p, "unix:uid", 65534);
    }
    Files.setPosixFilePermissions(ro, java.nio.file.attribute.PosixFilePermissions.fromString(
        "r-x------"));
    String state = "FFRTMP_JAVA_OPTS=\"$FFRTMP_JAVA_OPTS -Dffrtmp.state=" + ro + "\" timeout 60 ";
    Result w = nobody(state + "ffrtmp wait --job-id ro-job");
    assertEquals(1, w.exit(), w.toString());
    assertTrue(w.err().contains("[wrapper] WARNING: no state directory: " + ro
        + ": permission denied"), w.toString());
    assertTrue(w.err().contains("Error: no workload with job id ro-job here\n"), w.toString());
    Result l = nobody(state + "ffrtmp list");
    assertEquals(0, l.exit(), l.toString());
    assertTrue(l.err().contains("[wrapper] WARNING: no state directory: " + ro), l.toString());
  }

  @Test
  void run_exitCodes() throws Exception {
    assertEquals(0, nobody("ffrtmp run --nice 10 -- true").exit());
    assertEquals(2, nobody("ffrtmp run --cpu-quota -1 -- true").exit());
    assertEquals(127, nobody("ffrtmp run -- no-such-command-ffrtmp").exit());
    Result strict = nobody("ffrtmp run --strict --memory-limit 64 -- true");
    assertEquals(125, strict.exit(), strict.toString());
    assertTrue(strict.err().startsWith("Error: strict mode: not started, nice-fallback cannot enforce"
        + " memory_limit_mb"), strict.toString());
  }

  @Test
  void run_withoutNice_keepsTheInheritedNice_evenUnprivilegedAndStrict() throws Exception {
    // nothing requested, nothing changed: a wrapper at nice 7 may not lower its workload to 0,
    // and need not: --nice was not given
    Result r = nobody("nice -n 7 ffrtmp run --strict -- sh -c \"cut -d\\  -f19 /proc/\\$\\$/stat\"");
    assertEquals(0, r.exit(), r.toString());
    assertEquals("7\n", r.out(), r.toString());
  }

  @Test
  void run_json_isValid() throws Exception {
    Assumptions.assumeTrue(Shell.onPath("jq"), "needs jq");
    Result r = nobody("ffrtmp run --json --job-id nobody-json -- echo out > r.json;"
        + " jq -r \".strategy + \\\" \\\" + .exit_reason\" r.json");
    assertEquals(0, r.exit(), r.toString());
    assertEquals("nice-fallback success\n", r.out(), r.toString());
  }

  @Test
  void attach_ownProcess_andMissingPid() throws Exception {
    Result r = nobody("sleep 1 & ffrtmp attach --pid $! --cpu-quota 50 --nice 3");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("exit_reason=unknown"), r.toString());
    assertTrue(r.err().contains("nice: applied"), r.toString());
    Result missing = nobody("ffrtmp attach --pid 999999");
    assertEquals(1, missing.exit(), missing.toString());
    assertEquals("Error: process 999999 does not exist\n", missing.err());
    assertEquals(2, nobody("ffrtmp attach --pid 1").exit());
  }

  /**
   * Without root the watcher cannot use the process-events connector: it says so, scans /proc,
   * and adopts a process of its user within one interval (into nice-fallback: no cgroups).
   */
  @Test
  void watch_withoutRoot_scansProc_sayingWhy_andAdoptsWithinAnInterval() throws Exception {
    String name = "fu" + Long.toString(System.nanoTime() % 100_000_000L, 36);
    Path standIn = dir.resolve(name);
    Files.copy(Path.of("/bin/sleep"), standIn);
    Files.setPosixFilePermissions(standIn,
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Result r = nobody("timeout -s INT 8 ffrtmp watch --target " + name + " --scan-interval 200ms"
        + " --agent nobody-watch & sleep 4; ./" + name + " 1; wait");
    String err = r.err();
    assertTrue(err.contains("[wrapper] watching for " + name + " with a scan of /proc every 200 ms"
        + " (the kernel refused the subscription to process events: EPERM (Operation not"
        + " permitted): needs CAP_NET_ADMIN in the host's user namespace (root, outside a"
        + " container))") || err.contains("cannot join the process-events group: EPERM"), err);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("adopted pid [0-9]+ job auto-"
        + name + "-[0-9]+ \\(rule " + name + "\\) ([0-9.]+) ms after its exec, strategy"
        + " nice-fallback").matcher(r.out());
    assertTrue(m.find(), r.toString());
    assertTrue(Double.parseDouble(m.group(1)) < 200 + 1000, m.group());
    assertTrue(r.out().contains("ended pid "), r.toString());
    assertTrue(err.contains("[wrapper] stopped watching; 0 workloads left governed"), err);
  }
}
