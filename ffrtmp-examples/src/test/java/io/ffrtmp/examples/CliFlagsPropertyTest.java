package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import io.ffrtmp.examples.cli.Ffrtmp;
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
    return Ffrtmp.execute("run", "--strategy", "nice-fallback", flag + "=" + value, "--", "/bin/true");
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
    intFlag("--cpu-quota", 0, 102_400);
    intFlag("--cpu-weight", 1, 10_000);
    intFlag("--nice", -20, 19);
    intFlag("--io-weight", 0, 100);
    intFlag("--oom-score", -1000, 1000);
    long max = io.ffrtmp.Constraints.MEMORY_LIMIT_MB_MAX;
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
      assertEquals(0, cli("--job-id", s), "--job-id=" + s);
    });
  }
}
