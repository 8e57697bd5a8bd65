package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.examples.Shell.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator guide (shared/seed/OPERATOR_GUIDE.md), command block by command block, against
 * the real CLI ({@code bin/ffrtmp}, built by {@code mvn package}) on this host. Where a block
 * needs a moment between its lines (a background wrapper must have started its workload
 * before it is killed), the test waits for the wrapper's "started" line; nothing else is
 * changed.
 */
class GuideParityIT {
  @TempDir Path dir;

  static boolean root;
  static boolean v2;

  @BeforeAll
  static void requireBuild() throws Exception {
    Shell.launcher();
    root = Files.readString(Path.of("/proc/self/status")).lines()
        .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1].equals("0");
    v2 = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"));
  }

  private Result sh(String script) throws Exception {
    return Shell.run(dir, script, 120);
  }

  private static void requireRoot() {
    if (!root) {
      System.err.println("SKIPPED: needs root");
    }
    Assumptions.assumeTrue(root, "needs root");
  }

  private static void requireTool(String tool) {
    if (!Shell.onPath(tool)) {
      System.err.println("SKIPPED: needs " + tool + " (.ci/run installs it)");
    }
    Assumptions.assumeTrue(Shell.onPath(tool), "needs " + tool);
  }

  private void script(String name, String body) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  // ---- Installation -------------------------------------------------------------------------

  @Test
  void installation_verify() throws Exception {
    Result r = Shell.run(Shell.ROOT, "./bin/ffrtmp run --help && ./bin/ffrtmp attach --help", 60);
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("Usage: ffrtmp run"), r.toString());
    assertTrue(r.out().contains("Usage: ffrtmp attach"), r.toString());
    for (String flag : new String[] {"--job-id", "--sla-eligible", "--intent", "--cpu-quota",
        "--cpu-weight", "--nice", "--memory-limit", "--io-weight", "--oom-score", "--json",
        "--pid"}) {
      assertTrue(r.out().contains(flag), flag + " in help");
    }
  }

  // ---- Common Operations --------------------------------------------------------------------

  @Test
  void commonOperations_1_runFfmpegWithConstraints() throws Exception {
    requireTool("ffmpeg");
    assertEquals(0, sh("ffmpeg -loglevel error -f lavfi -i testsrc=duration=1:size=160x120:rate=10"
        + " -pix_fmt yuv420p input.mp4").exit());
    Result r = sh("ffrtmp run \\\n  --job-id job-001 \\\n  --sla-eligible \\\n  --cpu-quota 200 \\\n"
        + "  --memory-limit 4096 \\\n  -- ffmpeg -i input.mp4 output.mp4");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(Files.size(dir.resolve("output.mp4")) > 0);
    assertTrue(r.err().contains("[wrapper] started pid"), r.toString());
    assertTrue(r.err().contains("exit_reason=success"), r.toString());
    if (root) {
      assertTrue(r.err().contains("cpu_quota: applied"), r.toString());
      assertTrue(r.err().contains("memory_limit_mb: applied"), r.toString());
      assertTrue(r.err().contains("platform_sla_compliant=true (completed_within_limits)"), r.toString());
    }
  }

  @Test
  void commonOperations_2_attachToRunningProcess() throws Exception {
    requireTool("ffmpeg");
    Result r = sh("ffmpeg -loglevel error -re -f lavfi -i testsrc=duration=3:size=160x120:rate=10"
        + " -f null - &\nsleep 0.5\n"
        + "# Find process\nps aux | grep ffmpeg\n\n"
        + "# Attach wrapper\nffrtmp attach --pid $! --job-id job-002");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("ffmpeg -loglevel error -re"), "ps shows ffmpeg: " + r);
    assertTrue(r.err().contains("[wrapper] attached to pid"), r.toString());
    assertTrue(r.err().contains("exit_reason=unknown"), r.toString());
  }

  @Test
  void commonOperations_3_lowPriorityBackgroundJob() throws Exception {
    script("batch_job.sh", "read -r s < /proc/self/stat; set -- ${s##*) }; shift 16; echo nice=$1");
    Result r = sh("ffrtmp run \\\n  --cpu-weight 50 \\\n  --nice 10 \\\n  --intent test \\\n"
        + "  -- ./batch_job.sh");
    assertEquals(0, r.exit(), r.toString());
    assertEquals("nice=10\n", r.out(), r.toString());
  }

  @Test
  void commonOperations_4_highPriorityProductionJob() throws Exception {
    requireRoot();
    script("critical_app", "read -r s < /proc/self/stat; set -- ${s##*) }; shift 16; echo nice=$1");
    Result r = sh("ffrtmp run \\\n  --cpu-weight 200 \\\n  --nice -5 \\\n  --memory-limit 8192 \\\n"
        + "  --sla-eligible \\\n  -- ./critical_app");
    assertEquals(0, r.exit(), r.toString());
    assertEquals("nice=-5\n", r.out());
    assertTrue(r.err().contains("memory_limit_mb: applied"), r.toString());
  }

  // ---- Constraint Presets -------------------------------------------------------------------

  @Test
  void constraintPresets_allFive() throws Exception {
    script("my_command", "echo oom=$(cat /proc/self/oom_score_adj)");
    String[] presets = {
      "ffrtmp run -- my_command",
      "ffrtmp run --cpu-weight 50 --nice 10 -- my_command",
      "ffrtmp run --cpu-weight 200 --nice -5 -- my_command",
      "ffrtmp run --memory-limit 2048 --oom-score 500 -- my_command",
      "ffrtmp run --cpu-quota 400 --memory-limit 4096 -- my_command",
    };
    for (String preset : presets) {
      Result r = Shell.run(dir, preset, 60, "PATH", Shell.ROOT.resolve("bin") + ":" + dir + ":"
          + System.getenv("PATH"));
      assertEquals(0, r.exit(), preset + "\n" + r);
      assertTrue(r.out().startsWith("oom="), r.toString());
      if (preset.contains("--oom-score 500")) {
        assertEquals("oom=500\n", r.out());
      }
    }
  }

  // ---- Privilege requirements ---------------------------------------------------------------

  @Test
  void privileges_runningWithSudo() throws Exception {
    requireRoot();
    requireTool("sudo");
    script("my_command", "cat /proc/self/cgroup");
    Result r = Shell.run(dir, "sudo env PATH=\"$PATH\" ffrtmp run --cpu-quota 200 --memory-limit 4096"
        + " -- ./my_command && sudo env PATH=\"$PATH\" ffrtmp run --nice -10 -- ./my_command", 60);
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("ffrtmp-wrapper-unknown"), r.toString());
  }

  // ---- Troubleshooting ----------------------------------------------------------------------

  private Path unprivilegedInstall() throws Exception {
    requireRoot();
    requireTool("setpriv");
    return Shell.unprivilegedInstall(dir);
  }

  private Result asNobody(Path inst, String command) throws Exception {
    return Shell.asNobody(dir, inst, command);
  }

  @Test
  void troubleshooting_cannotCreateCgroup_permissionDenied() throws Exception {
    Path inst = unprivilegedInstall();
    Result r = asNobody(inst, "ffrtmp run --cpu-quota 200 -- true");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("[wrapper] WARNING: Cannot create cgroup (permission denied)\n"),
        r.toString());
    assertTrue(!r.err().contains("Exception") && !r.err().contains("\tat "), "no stack trace: " + r);
  }

  @Test
  void troubleshooting_cannotSetNegativeNice_andPositiveNiceWorks() throws Exception {
    Path inst = unprivilegedInstall();
    Result neg = asNobody(inst, "ffrtmp run --nice -10 -- true");
    assertEquals(0, neg.exit(), neg.toString());
    assertTrue(neg.err().contains(
        "[wrapper] WARNING: Cannot set negative nice (requires root), using 0\n"), neg.toString());
    Result pos = asNobody(inst, "ffrtmp run --nice 10 -- true");
    assertEquals(0, pos.exit(), pos.toString());
    assertTrue(!pos.err().contains("Cannot set negative nice"), pos.toString());
  }

  /**
   * Shell lines that kill the workload W, wait for it, remove the cgroups it was left in (its
   * wrapper is dead, so nobody else would before a later start's stale cleanup), and take its
   * records over with {@code ffrtmp wait} (the job named in wrapper.log's start line), so that
   * nothing of the test is left in the state directory either.
   */
  private static final String KILL_W_AND_CLEAN =
      "CG=$(cat /proc/$W/cgroup)\nkill $W\nwhile kill -0 $W 2>/dev/null; do sleep 0.05; done\n"
          + "echo \"$CG\" | grep ffrtmp-wrapper | while IFS=: read -r n c p; do\n"
          + "  if [ -n \"$c\" ]; then d=/sys/fs/cgroup/$c$p;"
          + " elif [ -e /sys/fs/cgroup/cgroup.controllers ]; then d=/sys/fs/cgroup$p;"
          + " else d=/sys/fs/cgroup/unified$p; fi\n"
          + "  for i in 1 2 3 4 5 6 7 8 9 10; do rmdir \"$d\" 2>/dev/null && break; sleep 0.1; done\n"
          + "done\n"
          + "J=$(sed -n 's/.*started pid [0-9]* job \\([^ ]*\\) .*/\\1/p' wrapper.log)\n"
          + "ffrtmp wait --job-id \"$J\" >/dev/null 2>&1\n";

  @Test
  void troubleshooting_wrapperExitsButWorkloadContinues() throws Exception {
    Result r = sh("# Start workload\nffrtmp run -- sleep 1000 2>wrapper.log &\nWRAPPER_PID=$!\n"
        + "until grep -q 'started pid' wrapper.log; do sleep 0.1; done\n\n"
        + "# Kill wrapper\nkill $WRAPPER_PID\nwait $WRAPPER_PID\necho wrapper-exit=$?\n\n"
        + "# Workload still running\nps aux | grep sleep\n"
        + "W=$(sed -n 's/.*started pid \\([0-9]*\\).*/\\1/p' wrapper.log)\n"
        + "kill -0 $W && echo workload-alive\ncat wrapper.log >&2\n" + KILL_W_AND_CLEAN);
    assertTrue(r.out().contains("workload-alive"), r.toString());
    assertTrue(r.out().contains("sleep 1000"), r.toString());
    assertTrue(r.err().contains("[wrapper] received termination signal: wrapper exiting, workload pid"),
        r.toString());
  }

  @Test
  void troubleshooting_ctrlCAtTheTerminal_doesNotReachTheWorkload() throws Exception {
    requireTool("script");
    // A real terminal: script(1) runs the wrapper on a pseudo-terminal; typing Ctrl-C (^C, 0x03)
    // makes the terminal send SIGINT to its foreground process group, the wrapper's.
    Result r = sh("(until grep -q 'started pid' wrapper.log 2>/dev/null; do sleep 0.1; done;"
        + " printf '\\003'; sleep 1) | script -qfec 'ffrtmp run -- sleep 1000 2>wrapper.log' /dev/null\n"
        + "W=$(sed -n 's/.*started pid \\([0-9]*\\).*/\\1/p' wrapper.log)\n"
        + "kill -0 $W && echo workload-alive\ncat wrapper.log >&2\n" + KILL_W_AND_CLEAN);
    assertTrue(r.out().contains("workload-alive"), r.toString());
    assertTrue(r.err().contains("[wrapper] received termination signal: wrapper exiting, workload pid"),
        r.toString());
  }

  @Test
  void troubleshooting_processDoesNotExist() throws Exception {
    Result r = sh("P=12345; while kill -0 $P 2>/dev/null; do P=$((P+1)); done\n"
        + "ffrtmp attach --pid $P\necho rc=$?\n"
        + "kill -0 $P && echo \"alive\" || echo \"dead\"");
    assertTrue(r.out().contains("rc=1\n"), r.toString());
    assertTrue(r.out().contains("dead"), r.toString());
    assertTrue(r.err().matches("(?s).*Error: process \\d+ does not exist\n.*"), r.toString());
  }

  // ---- Monitoring & Observability -----------------------------------------------------------

  @Test
  void monitoring_checkCgroup_andViewAppliedConstraints() throws Exception {
    requireRoot();
    String base = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/cpu";
    String mem = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory/$(grep :memory: /proc/$W/cgroup | cut -d: -f3 | xargs dirname)";
    String cpuFile = v2 ? "cpu.max" : "cpu.cfs_quota_us";
    String memFile = v2 ? "memory.max" : "memory.limit_in_bytes";
    Result r = sh("ffrtmp run --job-id job123 --cpu-quota 150 --memory-limit 512 -- sleep 1000 2>wrapper.log &\n"
        + "until grep -q 'started pid' wrapper.log; do sleep 0.1; done\n"
        + "W=$(sed -n 's/.*started pid \\([0-9]*\\).*/\\1/p' wrapper.log)\n"
        + "cat /proc/$W/cgroup\n"
        + "ls -d " + base + "/ffrtmp-wrapper-*\n"
        + "cat " + base + "/ffrtmp-wrapper-job123/" + cpuFile + "\n"
        + "cat " + mem + "/ffrtmp-wrapper-job123/" + memFile + "\n"
        + "cat /proc/$W/cgroup | grep ffrtmp-wrapper\n"
        + "kill $W; wait");
    assertTrue(r.out().contains("ffrtmp-wrapper-job123"), r.toString());
    assertTrue(r.out().contains(v2 ? "150000 100000" : "150000"), r.toString());
    assertTrue(r.out().contains(v2 ? "536870912" : "536870912"), r.toString());
  }

  @Test
  void monitoring_jsonOutputForIntegration() throws Exception {
    requireTool("jq");
    Result r = sh("# Run with JSON output\nffrtmp run --json --job-id job-123 -- sleep 5 > report.json\n\n"
        + "# Parse with jq\ncat report.json | jq '.exit_code'\ncat report.json | jq '.exit_reason'\n"
        + "cat report.json | jq '.duration_sec'");
    assertEquals(0, r.exit(), r.toString());
    String[] lines = r.out().split("\n");
    assertEquals("0", lines[0]);
    assertEquals("\"success\"", lines[1]);
    assertTrue(Double.parseDouble(lines[2]) >= 5.0, lines[2]);
  }

  @Test
  void monitoring_jsonStaysValidWhenTheWorkloadWritesToStdout() throws Exception {
    requireTool("jq");
    Result r = sh("ffrtmp run --json --job-id noisy -- sh -c 'echo {not json; echo more' > report.json\n"
        + "jq -r .job_id report.json");
    assertEquals(0, r.exit(), r.toString());
    assertEquals("noisy\n", r.out());
    assertTrue(r.err().contains("{not json"), "workload output went to stderr: " + r);
  }

  // ---- Integration patterns -----------------------------------------------------------------

  @Test
  void patterns_1_distributedWorker_and_2_legacyMigration() throws Exception {
    requireTool("ffmpeg");
    requireTool("jq");
    assertEquals(0, sh("ffmpeg -loglevel error -f lavfi -i testsrc=duration=1:size=160x120:rate=10"
        + " -pix_fmt yuv420p input.mp4").exit());
    Result r = sh("JOB_ID=w-1 CPU_QUOTA=150 MEMORY_LIMIT=1024\n"
        + "ffrtmp run \\\n  --job-id $JOB_ID \\\n  --sla-eligible \\\n  --cpu-quota $CPU_QUOTA \\\n"
        + "  --memory-limit $MEMORY_LIMIT \\\n  --json \\\n  -- ffmpeg -loglevel error -i input.mp4 output.mp4"
        + " > worker.json\njq -r '.job_id + \" \" + .exit_reason' worker.json\n"
        + "for d in 1 4; do ffmpeg -loglevel error -re -f lavfi -i testsrc=duration=$d:rate=10 -f null - & done\n"
        + "sleep 0.5\n"
        + "for pid in $(pgrep ffmpeg); do\n  ffrtmp attach --pid $pid --job-id legacy-$pid\ndone\n"
        + "wait");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("w-1 success"), r.toString());
    assertEquals(2, r.err().split("attached to pid", -1).length - 1, r.toString());
  }

  // ---- Performance tuning and security ------------------------------------------------------

  @Test
  void performanceTuningAndSecurity_blocks() throws Exception {
    script("app", "exit 0");
    String[] blocks = {
      "ffrtmp run --cpu-quota 400 -- ./app",
      "ffrtmp run --memory-limit 8192 -- ./app",
      "ffrtmp run --io-weight 100 -- ./app",
      "ffrtmp run \\\n  --cpu-quota 200 \\\n  --memory-limit 4096 \\\n  --io-weight 75 \\\n  -- ./app",
      "ffrtmp run -- ./app",
      "ffrtmp run \\\n  --cpu-quota 100 \\\n  --memory-limit 1024 \\\n  --oom-score 1000 \\\n  -- ./app",
    };
    for (String b : blocks) {
      Result r = sh(b);
      assertEquals(0, r.exit(), b + "\n" + r);
      if (b.contains("--io-weight") && root && !v2) {
        // cgroup v1 with an IO scheduler without weights: degraded, said so
        assertTrue(r.err().contains("io_weight"), r.toString());
      }
    }
  }

  // ---- Quick diagnostics --------------------------------------------------------------------

  @Test
  void quickDiagnostics() throws Exception {
    Result r = Shell.run(Shell.ROOT,
        "ls -d /sys/fs/cgroup/cgroup.controllers && echo \"v2\" || echo \"v1\"\n"
            + "ls -d /sys/fs/cgroup && echo \"available\" || echo \"not available\"\n"
            + "./bin/ffrtmp backends\n"
            + "./bin/ffrtmp run -- echo \"test\"", 60);
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("* ")), "the backend in use: " + r);
    assertTrue(r.out().contains(v2 ? "v2" : "v1"));
    assertTrue(r.out().contains("available"));
    assertTrue(r.out().endsWith("test\n"), r.toString());
  }

  @Test
  void usageErrors_exit2_withTheLibrarysMessage() throws Exception {
    Result r = sh("ffrtmp run --cpu-weight 0 -- true");
    assertEquals(2, r.exit(), r.toString());
    assertEquals("Error: Invalid value for --cpu-weight: cpu_weight must be between 1 and 10000"
        + " (relative weight), got 0\nTry 'ffrtmp run --help' for more information.\n", r.err());
    Result nf = sh("ffrtmp run -- no-such-command-ffrtmp");
    assertEquals(127, nf.exit(), nf.toString());
    // nothing ran: no "started" line, the error, the job line
    assertEquals("Error: Cannot run program \"no-such-command-ffrtmp\": ENOENT (No such file or"
        + " directory)\n", nf.err().lines().filter(l -> !l.startsWith("[wrapper] JOB "))
        .map(l -> l + "\n").findFirst().orElse(""), nf.toString());
    assertFalse(nf.err().contains("started pid"), nf.toString());
    assertTrue(nf.err().contains("| exit=127 | pid=0\n"), nf.toString());
    Result sig = sh("ffrtmp run -- sh -c 'kill -TERM $$'");
    assertEquals(143, sig.exit(), sig.toString());
    assertTrue(sig.err().contains("exit_reason=signal signal=SIGTERM"), sig.toString());
  }
}
