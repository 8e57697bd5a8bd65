package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.ChildJvm;
import io.ffrtmp.testing.Host;
import io.ffrtmp.testing.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** As uid 65534 (nobody), negative nice and OOM scores degrade with the guide's warnings. */
class UnprivilegedTest {

  @Test
  void asNobody_negativeNice_degradesToZeroWithWarning_andTheRunSucceeds(@TempDir Path tmp)
      throws Exception {
    Host.require(Host.isRoot(), "needs root to switch to uid 65534 with setpriv");
    Host.require(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path cpDir = Files.createDirectory(tmp.resolve("cp"));
    String cp = ChildJvm.worldReadableClasspath(cpDir);
    Path childTmp = Files.createDirectory(tmp.resolve("tmp"));
    Files.setPosixFilePermissions(childTmp, PosixFilePermissions.fromString("rwxrwxrwx"));

    List<String> cmd = new ArrayList<>(List.of(
        "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
    cmd.addAll(ChildJvm.command(cp, childTmp, "io.ffrtmp.testing.LaunchMain",
        List.of("-5", "-100", "/bin/sh", "-c",
            "read -r s < /proc/self/stat; echo \"NICE ${s#*) }\"; read -r o < /proc/self/oom_score_adj; echo OOM $o")));
    Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);

    assertTrue(out.contains("WARNING Cannot set negative nice (requires root), using 0"), out);
    assertTrue(out.contains("WARNING Cannot set negative OOM score (requires root), using 0"), out);
    assertTrue(out.contains("OOM 0"), out);
    String niceLine = out.lines().filter(l -> l.startsWith("NICE ")).findFirst().orElseThrow();
    assertEquals("0", niceLine.split(" ")[1 + 19 - 3], niceLine);
    String json = out.lines().filter(l -> l.startsWith("REPORT ")).findFirst().orElseThrow()
        .substring(7);
    Map<String, Object> report = Json.object(json);
    assertEquals(0L, report.get("exit_code"));
    assertEquals("success", report.get("exit_reason"));
    assertEquals("nice-fallback", report.get("strategy"));
    assertTrue(((List<?>) report.get("warnings"))
        .contains("Cannot set negative nice (requires root), using 0"), json);
    boolean niceDegraded = ((List<?>) report.get("enforcement")).stream()
        .map(e -> (Map<?, ?>) e)
        .anyMatch(e -> e.get("constraint").equals("nice") && e.get("status").equals("degraded"));
    assertTrue(niceDegraded, json);
  }
}
