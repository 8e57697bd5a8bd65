package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs the minimal custom CLI example in its own JVM, as its users would. */
class MinimalCliTest {
  @Test
  void runsACommandUnderAMemoryLimit_andExitsWithItsStatus() throws Exception {
    Process p = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dffrtmp.state=" + System.getProperty("ffrtmp.state", "target/ffrtmp-state"),
            "-cp", System.getProperty("java.class.path"),
            "io.ffrtmp.examples.MinimalCli", "256", "/bin/sh", "-c", "exit 7")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    String err = new String(p.getErrorStream().readAllBytes());
    assertEquals(7, p.waitFor(), err);
    String json = err.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow();
    Map<String, Object> report = Json.object(json);
    assertEquals(7L, report.get("exit_code"));
    assertEquals(List.of("/bin/sh", "-c", "exit 7"), report.get("command"));
    assertTrue(((Map<?, ?>) report.get("constraints")).get("memory_limit_mb").equals(256L));
  }
}
