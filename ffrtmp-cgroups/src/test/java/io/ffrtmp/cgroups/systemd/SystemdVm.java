package io.ffrtmp.cgroups.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ffrtmp.testing.Host;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the systemd VM suites share: commands, files, and the check that nothing is left. */
final class SystemdVm {
  static final Path ROOT = Path.of("/sys/fs/cgroup");

  private SystemdVm() {}

  static String read(Path p) throws IOException {
    return Files.readString(p).trim();
  }

  static String cgroupOf(long pid) throws IOException {
    return read(Path.of("/proc/" + pid + "/cgroup"));
  }

  /** How long one command may take (systemctl's own D-Bus timeout is 25 s). */
  static final Duration COMMAND_LIMIT = Duration.ofSeconds(60);

  /** Runs a command, returns its output (stdout and stderr); fails on a non-zero status. */
  static String sh(String... command) throws Exception {
    Ran r = run(command);
    if (r.status() != 0) {
      throw new AssertionError(Arrays.toString(command) + " failed (status " + r.status()
          + "): " + r.output());
    }
    return r.output();
  }

  /** Runs a command, returns its output whatever its status. */
  static String shAny(String... command) throws Exception {
    return run(command).output();
  }

  private record Ran(int status, String output) {}

  /**
   * Runs a command to its end, at most {@link #COMMAND_LIMIT}: its output goes to a file, so a
   * command that hangs (a systemctl whose manager does not answer) is killed at the limit
   * instead of blocking a read of its pipe for ever.
   */
  private static Ran run(String... command) throws Exception {
    Path out = Files.createTempFile("ffrtmp-vm-cmd", ".out");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(out.toFile()).start();
      if (!p.waitFor(COMMAND_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError(Arrays.toString(command) + " still running after "
            + COMMAND_LIMIT + ", killed: " + Files.readString(out));
      }
      return new Ran(p.exitValue(), Files.readString(out).trim());
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /**
   * No unit and no cgroup of this test's job is left (systemd collects empty scopes within
   * milliseconds; under emulation give it up to {@code 30 s}). What is left is killed and then
   * reported.
   */
  static void nothingLeftBehind(Path slice, String job, boolean user) throws Exception {
    String pattern = "ffrtmp-wrapper-" + job + "*";
    List<String> left = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      left.clear();
      String units = shAny(systemctl(user, "list-units", "--all", "--plain", "--no-legend",
          pattern));
      if (!units.isBlank()) {
        left.add(units);
      }
      if (Files.isDirectory(slice)) {
        try (var s = Files.list(slice)) {
          s.filter(p -> p.getFileName().toString().startsWith("ffrtmp-wrapper-" + job))
              .forEach(p -> left.add(p.toString()));
        }
      }
      if (left.isEmpty()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        break;
      }
      Thread.sleep(200);
    }
    shAny(systemctl(user, "kill", "-s", "KILL", pattern));
    shAny(systemctl(user, "reset-failed", pattern));
    assertEquals(List.of(), left, "units or cgroups left behind");
  }

  static String[] systemctl(boolean user, String... args) {
    List<String> c = new ArrayList<>();
    c.add("systemctl");
    if (user) {
      c.add("--user");
    }
    c.addAll(List.of(args));
    return c.toArray(new String[0]);
  }

  static void awaitAlive(long pid) {
    if (!Host.alive(pid)) {
      throw new AssertionError("process " + pid + " is gone");
    }
  }

  /**
   * What is known of a workload whose report did not arrive: its pid and whether it lives,
   * whether the JVM has reaped its keeper, and its scope's members.
   */
  static String describe(io.ffrtmp.GovernedWorkload w) {
    StringBuilder b = new StringBuilder("{pid ").append(w.pid())
        .append(Host.alive(w.pid()) ? " alive" : " gone");
    w.process().ifPresent(p -> b.append(", keeper ")
        .append(p.isAlive() ? "not reaped" : "reaped"));
    w.cgroupPath().ifPresent(cg -> {
      Path procs = ROOT.resolve(cg.substring(1)).resolve("cgroup.procs");
      String members;
      try {
        members = Files.exists(procs) ? "[" + read(procs).replace('\n', ' ') + "]" : "gone";
      } catch (IOException e) {
        members = e.toString();
      }
      b.append(", scope ").append(cg).append(" members ").append(members);
    });
    return b.append('}').toString();
  }

  /** The stacks of the library's own threads (exit watcher, timer, D-Bus reader). */
  static String libraryThreads() {
    StringBuilder b = new StringBuilder();
    Thread.getAllStackTraces().forEach((t, stack) -> {
      if (t.getName().startsWith("ffrtmp-")) {
        b.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
        for (StackTraceElement e : stack) {
          b.append("\tat ").append(e).append('\n');
        }
      }
    });
    return b.toString();
  }
}
