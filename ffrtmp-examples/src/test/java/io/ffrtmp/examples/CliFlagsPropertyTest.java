package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import io.ffrtmp.Constraint;
import io.ffrtmp.cli.Ffrtmp;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Every numeric flag of the CLI over its whole type's range: a usage error (status 2) exactly
 * outside the guide's range, a run otherwise; any text as job id or intent never crashes it.
 */
class CliFlagsPropertyTest {
  private static final AtomicInteger CASES = new AtomicInteger();

  private static int cli(String flag, String value) {
    CASES.incrementAndGet();
    // the CLI's own writers: thousands of usage errors must not flood the build log
    PrintWriter sink = new PrintWriter(new StringWriter());
    return Ffrtmp.execute(sink, sink, "run", "--strategy", "nice-fallback", flag + "=" + value,
        "--", "/bin/true");
  }

  private static void intFlag(String flag, long min, long max) {
    qt().withExamples(300).forAll(integers().all()).checkAssert(v ->
        assertEquals(v >= min && v <= max ? 0 : 2, cli(flag, Integer.toString(v)), flag + "=" + v));
    qt().withExamples(60).forAll(integers().between((int) Math.max(Integer.MIN_VALUE + 3, min - 3),
            (int) Math.min(Integer.MAX_VALUE - 3, max + 3)))
        .checkAssert(v ->
            assertEquals(v >= min && v <= max ? 0 : 2, cli(flag, Integer.toString(v)), flag + "=" + v));
  }

  @Test
  void numericFlags_acceptExactlyTheGuidesRanges() {
    // the guide's ranges, as the library's model states them
    intFlag("--cpu-quota", Constraint.CPU_QUOTA.min(), Constraint.CPU_QUOTA.max());
    intFlag("--cpu-weight", Constraint.CPU_WEIGHT.min(), Constraint.CPU_WEIGHT.max());
    intFlag("--nice", Constraint.NICE.min(), Constraint.NICE.max());
    intFlag("--io-weight", Constraint.IO_WEIGHT.min(), Constraint.IO_WEIGHT.max());
    intFlag("--oom-score", Constraint.OOM_SCORE.min(), Constraint.OOM_SCORE.max());
    assertEquals(List.of(0L, 102_400L, 1L, 10_000L, -20L, 19L, 0L, 100L, -1000L, 1000L),
        List.of(Constraint.CPU_QUOTA.min(), Constraint.CPU_QUOTA.max(),
            Constraint.CPU_WEIGHT.min(), Constraint.CPU_WEIGHT.max(), Constraint.NICE.min(),
            Constraint.NICE.max(), Constraint.IO_WEIGHT.min(), Constraint.IO_WEIGHT.max(),
            Constraint.OOM_SCORE.min(), Constraint.OOM_SCORE.max()),
        "the operator guide's Flag Reference");
    long max = Constraint.MEMORY_LIMIT_MB.max();
    qt().withExamples(300).forAll(longs().all()).checkAssert(v ->
        assertEquals(v >= 0 && v <= max ? 0 : 2, cli("--memory-limit", Long.toString(v)), "" + v));
    // not a number at all: a usage error too
    assertEquals(2, cli("--cpu-quota", "lots"));
    assertEquals(2, cli("--memory-limit", "99999999999999999999999"));
    System.out.println("CLI flags: " + CASES.get() + " cases");
  }

  @Test
  void anyJobIdOrIntentText_neverCrashesTheCli() {
    qt().withExamples(200).forAll(strings().allPossible().ofLengthBetween(0, 64)).checkAssert(s -> {
      if (s.indexOf('\0') >= 0) {
        return; // a NUL cannot be passed in a real argv
      }
      int code = cli("--intent", s);
      boolean valid = s.trim().matches("(?i)production|test|experiment|soak");
      assertEquals(valid ? 0 : 2, code, "--intent=" + s);
      // any job id but an empty one, which is a usage error
      assertEquals(s.isEmpty() ? 2 : 0, cli("--job-id", s), "--job-id=" + s);
    });
  }
}
