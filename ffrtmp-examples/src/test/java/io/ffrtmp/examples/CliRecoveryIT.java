package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a restart of the agent, from the CLI: a wrapper is SIGKILLed while its workload runs;
 * {@code ffrtmp list} shows the workload, {@code ffrtmp wait} reports it with its real exit
 * status. The CLI processes share a private state directory.
 */
class CliRecoveryIT {
  @TempDir Path dir;
  private Path cli;
  private final List<Process> started = new ArrayList<>();
  private final List<Long> workloads = new ArrayList<>();

  @BeforeEach
  void needsTheLauncher() {
    cli = Shell.launcher();
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : started) {
      p.destroyForcibly().waitFor();
    }
    // each workload's keeper records its end in the state directory once it has reaped it:
    // wait for the keepers too, or @TempDir's deletion races with their last write
    List<ProcessHandle> keepers = new ArrayList<>();
    for (long w : workloads) {
      ProcessHandle.of(w).ifPresent(h -> {
        h.parent().filter(k -> k.pid() > 1).ifPresent(keepers::add);
        h.destroyForcibly();
      });
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (ProcessHandle k : keepers) {
      while (k.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    }
  }

  private ProcessBuilder cli(String... args) {
    List<String> cmd = new ArrayList<>(List.of(cli.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("FFRTMP_JAVA_OPTS", "-Dffrtmp.state=" + dir.resolve("state"));
    return pb;
  }

  /** The wrapper's "[wrapper] started pid N job ... strategy S ..." line, from its stderr. */
  private static String startLine(Process wrapper) throws Exception {
    BufferedReader err = new BufferedReader(new InputStreamReader(wrapper.getErrorStream(),
        StandardCharsets.UTF_8));
    for (String line; (line = err.readLine()) != null; ) {
      if (line.contains("started pid ")) {
        return line;
      }
    }
    throw new AssertionError("the wrapper printed no start line");
  }

  private static String all(Process p) throws Exception {
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return out;
  }

  @Test
  void d_wrapperKilled_listShowsTheWorkload_waitReportsItsRealExitStatus() throws Exception {
    String job = "cli-recovery-" + ProcessHandle.current().pid();
    Process wrapper = cli("run", "--job-id", job, "--cpu-quota", "50", "--", "sh", "-c",
        "sleep 2; exit 5").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    started.add(wrapper);
    BufferedReader err = new BufferedReader(new InputStreamReader(wrapper.getErrorStream(),
        StandardCharsets.UTF_8));
    String line;
    long pid = -1;
    while ((line = err.readLine()) != null) {
      if (line.contains("started pid ")) {
        pid = Long.parseLong(line.replaceAll(".*started pid (\\d+).*", "$1"));
        break;
      }
    }
    assertTrue(pid > 0, "start line");
    workloads.add(pid);
    wrapper.destroyForcibly(); // kill -9 of the wrapper: the workload runs on
    wrapper.waitFor();

    Process list = cli("list").redirectErrorStream(true).start();
    String table = all(list);
    assertEquals(0, list.exitValue(), table);
    String finalPid = Long.toString(pid);
    assertTrue(table.lines().anyMatch(l -> l.startsWith(job) && l.contains(" " + finalPid + " ")
        && l.contains("running")), table);

    Process listJson = cli("list", "--json").start();
    String json = all(listJson);
    Object parsed = Json.parse(json.trim());
    assertTrue(parsed instanceof List<?> l && !l.isEmpty(), json);

    Process wait = cli("wait", "--job-id", job, "--json").start();
    String report = all(wait);
    assertEquals(5, wait.exitValue(), "wait exits with the workload's status: " + report);
    Map<String, Object> r = Json.object(report.trim());
    assertEquals(job, r.get("job_id"));
    assertEquals("error", r.get("exit_reason"));
    assertEquals(5L, ((Number) r.get("exit_code")).longValue());

    Process again = cli("wait", "--job-id", job).redirectErrorStream(true).start();
    String none = all(again);
    assertEquals(1, again.exitValue(), none);
    assertTrue(none.contains("Error: no workload with job id " + job + " here"), none);
  }

  /** Starts a wrapper and returns its workload's pid once it said so; kills it if asked. */
  private long wrapper(boolean kill, String... args) throws Exception {
    Process wrapper = cli(args).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    started.add(wrapper);
    long pid = Long.parseLong(startLine(wrapper).replaceAll(".*started pid (\\d+).*", "$1"));
    workloads.add(pid);
    if (kill) {
      wrapper.destroyForcibly(); // kill -9 of the wrapper: the workload runs on
      wrapper.waitFor();
    }
    return pid;
  }

  @Test
  void waitReportsEveryWorkloadOfAJob_asJsonLines_exitingWithTheHighestStatus() throws Exception {
    String job = "cli-shared-" + ProcessHandle.current().pid();
    wrapper(true, "run", "--job-id", job, "--", "sh", "-c", "sleep 1; exit 3");
    wrapper(true, "run", "--job-id", job, "--", "sh", "-c", "sleep 1; exit 5");
    Process wait = cli("wait", "--job-id", job, "--json").start();
    String out = all(wait);
    assertEquals(5, wait.exitValue(), out);
    List<String> docs = out.lines().toList();
    assertEquals(2, docs.size(), "one document per workload, one per line: " + out);
    List<Long> codes = new ArrayList<>();
    for (String d : docs) {
      Map<String, Object> r = Json.object(d);
      assertEquals(job, r.get("job_id"));
      codes.add(((Number) r.get("exit_code")).longValue());
    }
    codes.sort(null);
    assertEquals(List.of(3L, 5L), codes);
  }

  @Test
  void waitJson_onAJobItsLiveWrapperReports_printsADocument() throws Exception {
    String job = "cli-governed-" + ProcessHandle.current().pid();
    wrapper(false, "run", "--job-id", job, "--", "sh", "-c", "sleep 1; exit 4");
    Process wait = cli("wait", "--job-id", job, "--json").start();
    String out = all(wait);
    Map<String, Object> doc = Json.object(out.trim());
    assertEquals(job, doc.get("job_id"));
    assertEquals("reported", doc.get("state"), out);
    if (doc.get("exit_code") != null) {
      assertEquals(4, wait.exitValue(), out);
    } else {
      assertEquals(3, wait.exitValue(), "unknown: its governor deleted the records first");
    }
  }

  @Test
  void waitOnAJobWhoseWrapperDiesMeanwhile_takesItOver_andReportsItOnce() throws Exception {
    String job = "cli-takeover-" + ProcessHandle.current().pid();
    // long enough for both CLIs to start on a busy machine before it ends
    Process wrapper = cli("run", "--job-id", job, "--", "sh", "-c", "sleep 8; exit 4")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    started.add(wrapper);
    BufferedReader err = new BufferedReader(new InputStreamReader(wrapper.getErrorStream(),
        StandardCharsets.UTF_8));
    for (String line; (line = err.readLine()) != null; ) {
      if (line.contains("started pid ")) {
        workloads.add(Long.parseLong(line.replaceAll(".*started pid (\\d+).*", "$1")));
        break;
      }
    }
    Process wait = cli("wait", "--job-id", job, "--json").start();
    started.add(wait);
    BufferedReader waitErr = new BufferedReader(new InputStreamReader(wait.getErrorStream(),
        StandardCharsets.UTF_8));
    boolean watching = false;
    for (String line; !watching && (line = waitErr.readLine()) != null; ) {
      watching = line.contains("is governed by pid"); // it watches the live wrapper now
    }
    assertTrue(watching, "wait saw the job governed by its wrapper");
    wrapper.destroyForcibly(); // kill -9 while wait watches it
    String out = all(wait);
    List<String> docs = out.lines().toList();
    assertEquals(1, docs.size(), "one report, the recovered one: " + out);
    Map<String, Object> r = Json.object(docs.get(0));
    assertEquals(4L, ((Number) r.get("exit_code")).longValue(), out);
    assertEquals("error", r.get("exit_reason"), out);
    assertEquals(4, wait.exitValue());
  }

  @Test
  void waitOnAWorkloadGoneWithoutARecord_exitsWithTheUnknownStatus() throws Exception {
    String job = "cli-unknown-" + ProcessHandle.current().pid();
    long pid = wrapper(true, "run", "--job-id", job, "--", "sleep", "30");
    String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
    long keeper = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    new ProcessBuilder("kill", "-KILL", Long.toString(keeper), Long.toString(pid)).start()
        .waitFor();
    Process wait = cli("wait", "--job-id", job, "--json").start();
    String out = all(wait);
    assertEquals(3, wait.exitValue(), out);
    Map<String, Object> r = Json.object(out.trim());
    assertEquals("unknown", r.get("exit_reason"));
  }

  @Test
  void listAndWait_sayOnStandardErrorWhichRecordsTheyRefuse() throws Exception {
    java.nio.file.Path state = dir.resolve("state");
    java.nio.file.Files.createDirectories(state);
    java.nio.file.Path corrupt = state.resolve("ffrtmp-wrapper-bad.1.1.start");
    java.nio.file.Files.writeString(corrupt, "version=1\npid=x\n");
    Process list = cli("list").start();
    String err = new String(list.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    all(list);
    assertTrue(err.contains("[wrapper] WARNING: refusing record " + corrupt) && err.contains(
        "corrupt"), err);
    Process wait = cli("wait", "--job-id", "nothing-here").start();
    String werr = new String(wait.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    all(wait);
    assertEquals(1, wait.exitValue());
    assertTrue(werr.contains("refusing record " + corrupt), werr);
  }
  @Test
  @SuppressWarnings("unchecked")
  void update_changesAJobAnotherWrapperGoverns_andThatWrappersReportListsTheUpdate()
      throws Exception {
    String job = "cli-update-" + ProcessHandle.current().pid();
    Process wrapper = cli("run", "--json", "--job-id", job, "--cpu-quota", "20", "--", "sleep",
        "30").start();
    started.add(wrapper);
    String start = startLine(wrapper);
    long pid = Long.parseLong(start.replaceAll(".*started pid (\\d+).*", "$1"));
    String strategy = start.replaceAll(".* strategy (\\S+).*", "$1");
    workloads.add(pid);

    Process update = cli("update", "--job-id", job, "--cpu-quota", "300", "--json").start();
    String out = all(update);
    assertEquals(0, update.exitValue(), out);
    Map<String, Object> u = Json.object(out.trim());
    assertEquals(Map.of("cpu_quota", 300L), u.get("requested"));
    Map<String, Object> entry = ((List<Map<String, Object>>) u.get("enforcement")).get(0);
    assertEquals(strategy.startsWith("cgroup") || strategy.equals("systemd") ? "applied"
        : "degraded", entry.get("status"), out);

    Process none = cli("update", "--job-id", job + "-none", "--nice", "5")
        .redirectErrorStream(true).start();
    String said = all(none);
    assertEquals(1, none.exitValue(), said);
    assertTrue(said.contains("Error: no running workload with job id " + job + "-none here"),
        said);
    Process usage = cli("update", "--job-id", job).redirectErrorStream(true).start();
    assertEquals(2, usage.waitFor(), all(usage));

    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    String report = all(wrapper);
    Map<String, Object> r = Json.object(report.trim());
    List<Map<String, Object>> updates = (List<Map<String, Object>>) r.get("updates");
    assertEquals(1, updates.size(), report);
    assertEquals(u, updates.get(0), "the governing wrapper's report lists the update");
  }

  /** A {@code run --json} wrapper started, its workload's pid and backend from its start line. */
  private record Run(Process wrapper, long pid, String strategy) {
    boolean cgroups() {
      return strategy.startsWith("cgroup") || strategy.equals("systemd");
    }
  }

  private Run runJson(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("run", "--json"));
    all.addAll(List.of(args));
    Process wrapper = cli(all.toArray(new String[0])).start();
    started.add(wrapper);
    String start = startLine(wrapper);
    long pid = Long.parseLong(start.replaceAll(".*started pid (\\d+).*", "$1"));
    workloads.add(pid);
    return new Run(wrapper, pid, start.replaceAll(".* strategy (\\S+).*", "$1"));
  }

  /** --pids-max, --memory-high and --swap-max reach the run, and update changes the first. */
  @Test
  @SuppressWarnings("unchecked")
  void theNewerLimitFlags_reachTheRun_andUpdateChangesThePidsLimit() throws Exception {
    String job = "cli-newer-" + ProcessHandle.current().pid();
    Run run = runJson("--job-id", job, "--pids-max", "64", "--memory-high", "32", "--swap-max",
        "0", "--", "sleep", "30");
    Process wrapper = run.wrapper();
    long pid = run.pid();
    String strategy = run.strategy();
    boolean cgroups = run.cgroups();

    Process update = cli("update", "--job-id", job, "--pids-max", "128", "--json").start();
    String out = all(update);
    assertEquals(0, update.exitValue(), out);
    Map<String, Object> u = Json.object(out.trim());
    assertEquals(Map.of("pids_max", 128L), u.get("requested"));
    Map<String, Object> entry = ((List<Map<String, Object>>) u.get("enforcement")).get(0);
    assertEquals(cgroups ? "applied" : "degraded", entry.get("status"), out);

    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    String report = all(wrapper);
    Map<String, Object> r = Json.object(report.trim());
    Map<String, Object> c = (Map<String, Object>) r.get("constraints");
    assertEquals(List.of(64L, 32L, 0L), List.of(c.get("pids_max"), c.get("memory_high_mb"),
        c.get("swap_max_mb")), report);
    Map<String, String> status = new java.util.HashMap<>();
    for (Map<String, Object> e : (List<Map<String, Object>>) r.get("enforcement")) {
      status.put((String) e.get("constraint"), (String) e.get("status"));
    }
    assertEquals(cgroups ? "applied" : "degraded", status.get("pids_max"), report);
    // cgroup v1 has neither a memory high nor a swap-only limit
    String newer = strategy.equals("cgroup-v2") || strategy.equals("systemd") ? "applied"
        : "degraded";
    assertEquals(newer, status.get("memory_high_mb"), report);
    assertEquals(newer, status.get("swap_max_mb"), report);
    assertTrue(((Map<String, Object>) r.get("usage")).containsKey("pids_limit_hits"), report);
  }

  /**
   * {@code --io-max} (the original wrapper's flag) reaches the run with the device given by a
   * path, and {@code update --io-max} changes it through the records; the report keeps the
   * canonical form (the device's numbers, plain bytes per second).
   */
  @Test
  @SuppressWarnings("unchecked")
  void ioMax_reachesTheRunByPath_andUpdateChangesIt() throws Exception {
    String job = "cli-io-" + ProcessHandle.current().pid();
    java.nio.file.Path target = java.nio.file.Path.of("target").toAbsolutePath();
    Process stat = new ProcessBuilder("stat", "-c", "%Hd:%Ld", target.toString()).start();
    String dev = all(stat).trim();
    Run run = runJson("--job-id", job, "--io-max", target + " wbps=1M", "--", "sleep", "30");
    Process wrapper = run.wrapper();
    long pid = run.pid();
    boolean cgroups = run.cgroups();

    Process update = cli("update", "--job-id", job, "--io-max", dev + " wbps=2M riops=100",
        "--json").start();
    String out = all(update);
    assertEquals(0, update.exitValue(), out);
    Map<String, Object> u = Json.object(out.trim());
    assertEquals(Map.of("io_max", dev + " wbps=2097152 riops=100"), u.get("requested"));
    Map<String, Object> entry = ((List<Map<String, Object>>) u.get("enforcement")).get(0);
    assertEquals(cgroups ? "applied" : "degraded", entry.get("status"), out);

    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    String report = all(wrapper);
    Map<String, Object> r = Json.object(report.trim());
    assertEquals(dev + " wbps=1048576",
        ((Map<String, Object>) r.get("constraints")).get("io_max"), report);
    assertEquals(List.of(u), r.get("updates"), report);
  }

  @Test
  @SuppressWarnings("unchecked")
  void stats_showsTheUsageNowOfAJobAnotherWrapperGoverns() throws Exception {
    String job = "cli-stats-" + ProcessHandle.current().pid();
    Process wrapper = cli("run", "--job-id", job, "--memory-limit", "64", "--", "sleep", "30")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    started.add(wrapper);
    long pid = Long.parseLong(startLine(wrapper).replaceAll(".*started pid (\\d+).*", "$1"));
    workloads.add(pid);

    Process json = cli("stats", "--job-id", job, "--json").start();
    String out = all(json);
    assertEquals(0, json.exitValue(), out);
    Map<String, Object> doc = Json.object(out.trim());
    assertEquals(pid, ((Number) doc.get("pid")).longValue());
    Map<String, Object> usage = (Map<String, Object>) doc.get("usage");
    assertTrue(usage.containsKey("memory_current_bytes") && usage.containsKey("pressure")
        && usage.containsKey("pids_current"), out);

    Process table = cli("stats").start();
    String text = all(table);
    assertEquals(0, table.exitValue(), text);
    assertTrue(text.startsWith("JOB "), text);
    String finalPid = Long.toString(pid);
    assertTrue(text.lines().anyMatch(l -> l.startsWith(job) && l.contains(" " + finalPid + " ")),
        text);
    Process none = cli("stats", "--job-id", job + "-none").start();
    all(none);
    assertEquals(1, none.exitValue());
  }
}
