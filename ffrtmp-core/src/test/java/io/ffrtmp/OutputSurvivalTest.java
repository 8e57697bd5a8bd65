package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent whose standard output is a pipe read by its parent (this test), and the parent goes
 * away: the pipe's reader is closed and the agent killed. A workload writing to a file lives on
 * and keeps writing; one that inherited the agent's pipe dies at its next write (SIGPIPE), and
 * the agent warned of that when it started it.
 */
class OutputSurvivalTest {
  private record Agent(Process jvm, long workload, Path err) {}

  private static Agent agent(Path tmp, String... args) throws Exception {
    Path err = tmp.resolve("agent-" + args[0] + ".err");
    Process jvm = new ProcessBuilder(ChildJvm.command(ChildJvm.classpath(), tmp,
        "io.ffrtmp.testing.OutputAgentMain", List.of(args)))
        .redirectError(err.toFile()).start();
    BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(),
        StandardCharsets.UTF_8));
    List<String> said = new ArrayList<>();
    for (String line; (line = r.readLine()) != null; ) {
      said.add(line);
      if (line.startsWith("PID ")) {
        return new Agent(jvm, Long.parseLong(line.substring(4).trim()), err);
      }
    }
    throw new AssertionError("no PID from the agent: " + said + " " + Files.readString(err));
  }

  /** The parent goes away: its end of the agent's stdout closes, the agent is killed. */
  private static void parentGoesAway(Agent a) throws Exception {
    a.jvm().getInputStream().close();
    a.jvm().toHandle().destroyForcibly();
    assertTrue(a.jvm().waitFor(20, TimeUnit.SECONDS));
  }

  @Test
  void withFileOutput_theWorkloadOutlivesThePipe_andKeepsWriting(@TempDir Path tmp)
      throws Exception {
    Path log = tmp.resolve("workload.log");
    Agent a = agent(tmp, "file", log.toString());
    try {
      parentGoesAway(a);
      Thread.sleep(1000);
      assertTrue(Host.alive(a.workload()), "the workload lives on");
      long before = Files.size(log);
      Thread.sleep(600);
      assertTrue(Files.size(log) > before, "it keeps writing: " + before + " bytes, then "
          + Files.size(log));
      assertFalse(Files.readString(a.err()).contains("a pipe"), "no warning: nothing"
          + " inherited is a pipe: " + Files.readString(a.err()));
    } finally {
      ProcessHandle.of(a.workload()).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void inheritingThePipe_theWorkloadDiesAtItsNextWrite_asTheWarningSaid(@TempDir Path tmp)
      throws Exception {
    Agent a = agent(tmp, "inherit");
    try {
      String err = Files.readString(a.err());
      assertTrue(err.contains("workloads inherit this JVM's standard output, a pipe: once its"
          + " reader is gone (with this JVM), a workload dies of SIGPIPE at its next write"), err);
      parentGoesAway(a);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (Host.alive(a.workload()) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertFalse(Host.alive(a.workload()), "the workload died writing to the broken pipe");
    } finally {
      ProcessHandle.of(a.workload()).ifPresent(ProcessHandle::destroyForcibly);
    }
  }
}
