package io.ffrtmp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the CLI writes for operators: the job's one grep-able line, and text made printable. */
class CliOutputTest {
  private static CliRun cli(String... args) {
    return CliRun.of(args);
  }

  /** The original wrapper's LogSummary line, which its end-to-end suite greps. */
  @Test
  void run_endsWithTheOriginalWrappersJobLine() {
    String id = "test-run-" + ProcessHandle.current().pid();
    CliRun o = cli("run", "--strategy", "nice-fallback", "--intent", "test", "--job-id", id, "--",
        "sh", "-c", "exit 42");
    assertEquals(42, o.code(), o.toString());
    List<String> jobLines = o.err().lines().filter(l -> l.contains("JOB ")).toList();
    assertEquals(1, jobLines.size(), o.err());
    assertTrue(jobLines.get(0).matches("\\[wrapper\\] JOB " + id + " \\| intent=test \\|"
        + " sla=(COMPLIANT|VIOLATION) \\| reason=[a-z_]+ \\| runtime=[0-9]+s \\| exit=42 \\|"
        + " pid=[1-9][0-9]*"), jobLines.get(0));

    CliRun json = cli("run", "--json", "--strategy", "nice-fallback", "--job-id", id, "--", "true");
    assertEquals(0, json.code(), json.toString());
    assertTrue(json.err().contains("[wrapper] JOB " + id + " | intent=production | sla="),
        json.err());
    assertFalse(json.out().contains("JOB "), "stdout carries the report only");
  }

  /** A job id can neither forge a [wrapper] line nor drive the terminal. */
  @Test
  void hostileJobId_isPrintedEscaped_everywhere() {
    String id = "x\n[wrapper] job other ended: exit_code=0\u001b[31m\\";
    CliRun o = cli("run", "--strategy", "nice-fallback", "--job-id", id, "--", "true");
    assertEquals(0, o.code(), o.toString());
    assertFalse(o.err().contains("\u001b"), o.err());
    assertTrue(o.err().lines().noneMatch(l -> l.startsWith("[wrapper] job other")), o.err());
    assertTrue(o.err().contains("job x\\n[wrapper] job other ended: exit_code=0\\x1b[31m\\\\"),
        o.err());
    for (String line : o.err().lines().toList()) {
      assertTrue(line.startsWith("[wrapper] "), "one [wrapper] line each: " + line);
    }
  }

  @Test
  void printable_escapesControlCharactersAndTheBackslash_only() {
    assertEquals("plain ü 名 text", Log.printable("plain ü 名 text"));
    assertEquals("a\\nb\\tc\\rd\\\\e\\x1b\\x00\\x7f\\u0085\\u2028",
        Log.printable("a\nb\tc\rd\\e\u001b\u0000\u007f\u0085\u2028"));
  }
}
