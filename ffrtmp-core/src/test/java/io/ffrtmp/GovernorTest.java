package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The governor never governs itself, and a hostile temp directory cannot stop it: separate JVMs,
 * because both concern the JVM's own process and its once-per-JVM shim location.
 */
class GovernorTest {
  @TempDir Path dir;

  private static Map<String, String> lines(String out) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int sp = line.indexOf(' ');
      if (sp > 0) {
        m.merge(line.substring(0, sp), line.substring(sp + 1), (a, b) -> a + "\n" + b);
      }
    }
    return m;
  }

  private static String runChild(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  void attachToTheJvmsOwnParent_leavesTheJvmOut_andSaysSo() throws Exception {
    List<String> java = ChildJvm.command(ChildJvm.classpath(), dir, List.of(),
        "io.ffrtmp.testing.AttachParentMain", List.of());
    String quoted = java.stream().map(a -> "'" + a.replace("'", "'\\''") + "'")
        .collect(Collectors.joining(" "));
    // the JVM is a child of this shell; the shell is what it attaches to
    String out = runChild(List.of("/bin/sh", "-c", quoted + "; echo shell-done"));
    Map<String, String> m = lines(out);
    assertEquals(m.get("CGROUP_BEFORE"), m.get("CGROUP_AFTER"), "the JVM stayed in its cgroups");
    assertEquals("0", m.get("MAX_NICE"), "no thread of the JVM was reniced");
    assertTrue(String.valueOf(m.get("WARNING")).contains("the governing JVM (pid "), out);
    assertTrue(out.contains("shell-done"), out);
  }

  @Test
  void tempDirTakenByAnotherUser_isRefused_andTheLaunchStillWorks() throws Exception {
    Host.require(Host.isRoot(), "needs root to create a directory owned by another user");
    Path hostile = Files.createDirectory(dir.resolve("ffrtmp-0"));
    Files.setPosixFilePermissions(hostile, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setAttribute(hostile, "unix:uid", 65534);
    List<String> args = new ArrayList<>(List.of("0", "0", "/bin/true"));
    String out = runChild(ChildJvm.command(ChildJvm.classpath(), dir, List.of(
        "-Dffrtmp.strategy=nice-fallback"), "io.ffrtmp.testing.LaunchMain", args));
    Map<String, String> m = lines(out);
    assertTrue(m.containsKey("REPORT"), out);
    assertTrue(m.get("REPORT").contains("\"exit_code\":0"), out);
    assertTrue(out.contains("belongs to uid 65534, not to this user (refusing to use it)"), out);
    try (var s = Files.list(hostile)) {
      assertEquals(0, s.count(), "nothing was put into the other user's directory");
    }
  }
}
