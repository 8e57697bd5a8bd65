package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Attach mode with real processes, under nice-fallback (no cgroup needed). */
class AttachTest {
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killAll() throws Exception {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
    }
  }

  private Process spawn(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    started.add(p);
    return p;
  }

  private static AttachBuilder attach(long pid) {
    return Workload.attach(pid).withStrategy("nice-fallback");
  }

  private static String stat(long pid) throws Exception {
    return Files.readString(Path.of("/proc/" + pid + "/stat"));
  }

  private static int nice(long pid, long tid) throws Exception {
    String s = Files.readString(Path.of("/proc/" + pid + "/task/" + tid + "/stat"));
    return Integer.parseInt(s.substring(s.lastIndexOf(')') + 2).split(" ")[19 - 3]);
  }

  /**
   * A run's keeper and its workload are another run's (across JVMs alike: nothing but /proc is
   * asked): adopting either would move them out of that run's governance.
   */
  @Test
  void attach_theKeeperOrTheWorkloadOfARun_isRefused_namingItsJob() throws Exception {
    String job = "victim-" + ProcessHandle.current().pid();
    GovernedWorkload victim = Workload.run("sleep", "30").withJobId(job)
        .withStrategy("nice-fallback").start();
    try {
      long workload = victim.pid();
      long keeper = ProcessHandle.of(workload).flatMap(ProcessHandle::parent).orElseThrow().pid();
      AttachException k = assertThrows(AttachException.class, () -> attach(keeper).start());
      assertEquals("process " + keeper + " is already governed by ffrtmp: it is the launch keeper"
          + " of job " + job + " (pid " + keeper + "); stop or detach that run first",
          k.getMessage());
      AttachException w = assertThrows(AttachException.class, () -> attach(workload).start());
      assertEquals("process " + workload + " is already governed by ffrtmp: it is the workload"
          + " of job " + job + " (pid " + keeper + "), under its launch keeper (pid " + keeper
          + "); stop or detach that run first", w.getMessage());
      assertTrue(victim.process().orElseThrow().isAlive(), "the run goes on, untouched");
    } finally {
      victim.terminate(java.time.Duration.ZERO);
      victim.awaitReport();
    }
  }

  @Test
  void attach_missingPid_saysProcessDoesNotExist() throws Exception {
    Process p = spawn("true");
    p.waitFor();
    long pid = p.pid();
    assertTrue(!Files.exists(Path.of("/proc/" + pid)), "pid " + pid + " is gone");
    NoSuchProcessException e = assertThrows(NoSuchProcessException.class, () -> attach(pid).start());
    assertEquals("process " + pid + " does not exist", e.getMessage());
    assertEquals(pid, e.pid());
  }

  @Test
  void attach_invalidPids_areRejectedWithReasons() {
    assertEquals("pid must be between 1 and 2147483647, got 0",
        assertThrows(IllegalArgumentException.class, () -> Workload.attach(0)).getMessage());
    assertEquals("pid must be between 1 and 2147483647, got -5",
        assertThrows(IllegalArgumentException.class, () -> Workload.attach(-5)).getMessage());
    assertEquals("pid 1 (init) cannot be adopted",
        assertThrows(IllegalArgumentException.class, () -> Workload.attach(1)).getMessage());
    long self = ProcessHandle.current().pid();
    assertEquals("pid " + self + " is this JVM: the governor cannot adopt itself",
        assertThrows(IllegalArgumentException.class, () -> Workload.attach(self)).getMessage());
  }

  @Test
  void attach_kernelThread_isRefused() throws Exception {
    long kthreadd = 2;
    Host.require(stat(kthreadd).contains("(kthreadd)"), "pid 2 is not kthreadd in this pid namespace");
    AttachException e = assertThrows(AttachException.class, () -> attach(kthreadd).start());
    assertEquals("process 2 is a kernel thread and cannot be adopted", e.getMessage());
  }

  @Test
  void attach_zombie_isRefused() throws Exception {
    // the child sleep exits at once; its parent became `sleep 30`, which never reaps it
    Process p = spawn("/bin/sh", "-c", "sleep 0 & exec sleep 30");
    long zombie = -1;
    for (int i = 0; i < 200 && zombie < 0; i++) {
      Thread.sleep(10);
      try (Stream<Path> s = Files.list(Path.of("/proc"))) {
        for (Path d : (Iterable<Path>) s::iterator) {
          String n = d.getFileName().toString();
          if (!n.chars().allMatch(Character::isDigit)) {
            continue;
          }
          try {
            String st = Files.readString(d.resolve("stat"));
            String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
            if (f[0].equals("Z") && Long.parseLong(f[1]) == p.pid()) {
              zombie = Long.parseLong(n);
            }
          } catch (java.io.IOException e) {
            // raced with an exit
          }
        }
      }
    }
    assertTrue(zombie > 0, "made a zombie");
    long z = zombie;
    AttachException e = assertThrows(AttachException.class, () -> attach(z).start());
    assertEquals("process " + z + " is a zombie: it has exited and waits for its parent to"
        + " collect it", e.getMessage());
  }

  @Test
  void attach_multiThreadedProcess_niceOnEveryThread_andOomScore(@TempDir Path tmp) throws Exception {
    Process jvm = new ProcessBuilder(ChildJvm.command(ChildJvm.classpath(), tmp,
        "io.ffrtmp.testing.Threads", List.of("4"))).start();
    started.add(jvm);
    assertEquals("READY", new BufferedReader(new InputStreamReader(jvm.getInputStream())).readLine());
    long pid = jvm.pid();
    List<Long> tids;
    try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/task"))) {
      tids = s.map(p -> Long.parseLong(p.getFileName().toString())).toList();
    }
    assertTrue(tids.size() > 5, "a multi-threaded JVM: " + tids.size() + " threads");
    GovernedWorkload w = attach(pid).withJobId("mt").withNice(9).withOomScore(321).start();
    for (long tid : tids) {
      if (Files.exists(Path.of("/proc/" + pid + "/task/" + tid))) {
        assertEquals(9, nice(pid, tid), "thread " + tid);
      }
    }
    assertEquals("321", Files.readString(Path.of("/proc/" + pid + "/oom_score_adj")).trim());
    WorkloadReport r = w.detach();
    assertEquals(ExitReason.DETACHED, r.exitReason());
    assertEquals(WorkloadReport.Mode.ATTACH, r.mode());
    assertNull(r.exitCode());
    assertNull(r.command());
    assertTrue(Host.alive(pid));
  }

  @Test
  void attach_processTree_descendantsGetNiceToo_unlessExcluded() throws Exception {
    Process p = spawn("/bin/sh", "-c", "sleep 30 & sleep 30 & echo started; wait");
    assertEquals("started", new BufferedReader(new InputStreamReader(p.getInputStream())).readLine());
    List<ProcessHandle> kids = p.descendants().toList();
    assertEquals(2, kids.size(), kids.toString());
    GovernedWorkload w = attach(p.pid()).withNice(4).start();
    for (ProcessHandle k : kids) {
      assertEquals(4, nice(k.pid(), k.pid()), "descendant " + k.pid());
    }
    w.detach();

    Process q = spawn("/bin/sh", "-c", "sleep 30 & echo started; wait");
    assertEquals("started", new BufferedReader(new InputStreamReader(q.getInputStream())).readLine());
    long kid = q.descendants().findFirst().orElseThrow().pid();
    attach(q.pid()).withNice(6).withDescendants(false).start().detach();
    assertEquals(6, nice(q.pid(), q.pid()));
    assertEquals(0, nice(kid, kid), "descendant left alone");
  }

  @Test
  void attach_threeRapidAttachDetachCycles_leaveTheProcessAliveAndUnharmed() throws Exception {
    Process p = spawn("sleep", "30");
    for (int i = 0; i < 3; i++) {
      GovernedWorkload w = attach(p.pid()).withJobId("cycle-" + i).withNice(i + 1)
          .restoreOnDetach(true).start();
      WorkloadReport r = w.detach();
      assertEquals(ExitReason.DETACHED, r.exitReason());
    }
    String st = stat(p.pid());
    char state = st.substring(st.lastIndexOf(')') + 2).charAt(0);
    assertTrue(state == 'S' || state == 'R', "running or sleeping, not stopped: " + st);
    assertTrue(p.isAlive());
    assertEquals(0, nice(p.pid(), p.pid()), "nice restored");
  }

  @Test
  void attach_exitOfAdoptedProcess_isNoticedPromptly() throws Exception {
    Process p = spawn("/bin/sh", "-c", "read x; date +%s%N");
    GovernedWorkload w = attach(p.pid()).withJobId("exit-watch").start();
    p.getOutputStream().write('\n');
    p.getOutputStream().flush();
    String printed = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
    WorkloadReport r = w.onExit().get(10, TimeUnit.SECONDS);
    Instant exitedBy = Instant.ofEpochSecond(0, Long.parseLong(printed.trim()));
    long ms = java.time.Duration.between(exitedBy, r.endedAt()).toMillis();
    System.out.println("adopted process exit noticed " + ms + " ms after its last output");
    assertTrue(ms < 250, "noticed after " + ms + " ms (target 50 ms; generous bound here)");
    assertEquals(ExitReason.UNKNOWN, r.exitReason());
    assertNull(r.exitCode());
  }
}
