package io.ffrtmp.cgroups.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ffrtmp.testing.Host;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /** Runs a command, returns its output (stdout and stderr); fails on a non-zero status. */
  static String sh(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(Arrays.toString(command) + " failed: " + out);
    }
    return out.trim();
  }

  /** Runs a command, returns its output whatever its status. */
  static String shAny(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(120, TimeUnit.SECONDS);
    return out.trim();
  }

  /**
   * No unit and no cgroup of this test's job is left (systemd collects empty scopes within
   * milliseconds; under emulation give it time). What is left is killed and then reported.
   */
  static void nothingLeftBehind(Path slice, String job, boolean user) throws Exception {
    String pattern = "ffrtmp-wrapper-" + job + "*";
    List<String> left = new ArrayList<>();
    for (int attempt = 0; attempt < 200; attempt++) {
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
      Thread.sleep(100);
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
}
