package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.time.Duration;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class BuilderValidationTest {
  private static final int EXAMPLES = 20_000;

  private static WorkloadBuilder builder() {
    return Workload.run("/bin/true");
  }

  /** Accepted iff in [min, max]; otherwise IAE naming parameter, value and range. */
  private static void checkIntParameter(String name, int min, int max, IntConsumer setter) {
    IntConsumer property =
        v -> {
          boolean inRange = v >= min && v <= max;
          try {
            setter.accept(v);
            if (!inRange) {
              throw new AssertionError(name + "=" + v + " was accepted, outside " + min + ".." + max);
            }
          } catch (IllegalArgumentException e) {
            if (inRange) {
              throw new AssertionError(name + "=" + v + " was rejected inside the range", e);
            }
            String m = e.getMessage();
            assertTrue(
                m.startsWith(name + " must be between " + min + " and " + max + " (")
                    && m.endsWith("), got " + v),
                m);
          }
        };
    qt().withExamples(EXAMPLES).forAll(integers().all()).checkAssert(property::accept);
    qt().withExamples(EXAMPLES)
        .forAll(integers().between(Math.max(Integer.MIN_VALUE + 2, min) - 2, Math.min(max, Integer.MAX_VALUE - 2) + 2))
        .checkAssert(property::accept);
    for (int v : new int[] {Integer.MIN_VALUE, min - 1, min, max, max + 1, Integer.MAX_VALUE}) {
      property.accept(v);
    }
  }

  @Test
  void withCpuQuota_acceptsExactlyItsRange() {
    checkIntParameter("cpu_quota", 0, (int) Constraint.CPU_QUOTA.max(), v -> builder().withCpuQuota(v));
  }

  @Test
  void withCpuWeight_acceptsExactlyItsRange() {
    checkIntParameter("cpu_weight", 1, 10_000, v -> builder().withCpuWeight(v));
  }

  @Test
  void withNice_acceptsExactlyItsRange() {
    checkIntParameter("nice", -20, 19, v -> builder().withNice(v));
  }

  @Test
  void withIoWeight_acceptsExactlyItsRange() {
    checkIntParameter("io_weight", 0, 100, v -> builder().withIoWeight(v));
  }

  @Test
  void withOomScore_acceptsExactlyItsRange() {
    checkIntParameter("oom_score", -1000, 1000, v -> builder().withOomScore(v));
  }

  @Test
  void withPidsMax_acceptsExactlyItsRange() {
    checkIntParameter("pids_max", 0, 4_194_304, v -> builder().withPidsMax(v));
  }

  @Test
  void withMemoryHighMb_andWithSwapMaxMb_nameTheirRanges() {
    long max = Long.MAX_VALUE / 1048576L;
    assertThrowsWithMessage(() -> builder().withMemoryHighMb(-1),
        "memory_high_mb must be between 0 and " + max + " (MiB, 0 = unlimited), got -1");
    assertThrowsWithMessage(() -> builder().withSwapMaxMb(-2), "swap_max_mb must be between -1"
        + " and " + max + " (MiB, 0 = no swap, -1 = unlimited), got -2");
    assertThrowsWithMessage(() -> builder().withSwapMaxMb(max + 1), "swap_max_mb must be"
        + " between -1 and " + max + " (MiB, 0 = no swap, -1 = unlimited), got " + (max + 1));
    assertNotNull(builder().withSwapMaxMb(0).withSwapMaxMb(-1).withMemoryHighMb(max));
  }

  @Test
  void withMemoryLimitMb_acceptsExactlyItsRange() {
    long max = Constraint.MEMORY_LIMIT_MB.max();
    LongConsumer property =
        v -> {
          boolean inRange = v >= 0 && v <= max;
          try {
            builder().withMemoryLimitMb(v);
            assertTrue(inRange, "memory_limit_mb=" + v + " accepted");
          } catch (IllegalArgumentException e) {
            assertTrue(!inRange, "memory_limit_mb=" + v + " rejected");
            assertEquals(
                "memory_limit_mb must be between 0 and " + max + " (MiB, 0 = unlimited), got " + v,
                e.getMessage());
          }
        };
    qt().withExamples(EXAMPLES).forAll(longs().all()).checkAssert(property::accept);
    qt().withExamples(EXAMPLES).forAll(longs().between(-5, 1 << 20)).checkAssert(property::accept);
    qt().withExamples(EXAMPLES).forAll(longs().between(max - 5, max + 5)).checkAssert(property::accept);
    for (long v : new long[] {Long.MIN_VALUE, -1, 0, max, max + 1, Long.MAX_VALUE}) {
      property.accept(v);
    }
    assertTrue(max * 1024 * 1024 > 0);
  }

  @Test
  void withCpuQuota_negative_isRejectedWithParameterValueAndRange() {
    assertThrowsWithMessage(
        () -> builder().withCpuQuota(-5),
        "cpu_quota must be between 0 and 102400 (percent of one core, 0 = unlimited), got -5");
  }

  @Test
  void withTimeout_zeroOrNegative_isRejected() {
    assertThrowsWithMessage(
        () -> builder().withTimeout(Duration.ZERO), "timeout must be positive, got PT0S");
    assertThrowsWithMessage(
        () -> builder().withTimeout(Duration.ofSeconds(1), Duration.ofSeconds(-1)),
        "grace must be zero or positive, got PT-1S");
  }

  @Test
  void withCgroupParent_thatCouldResolveOutsideTheHierarchy_isRejected() {
    assertThrowsWithMessage(() -> builder().withCgroupParent("/../../../../tmp/x"),
        "cgroupParent must not have . or .. segments, got '/../../../../tmp/x'");
    assertThrowsWithMessage(() -> builder().withCgroupParent("/a//b"),
        "cgroupParent must not have empty segments (// or a trailing /), got '/a//b'");
    assertThrowsWithMessage(() -> builder().withCgroupParent("/a/"),
        "cgroupParent must not have empty segments (// or a trailing /), got '/a/'");
    assertThrowsWithMessage(() -> builder().withCgroupParent("/a/./b"),
        "cgroupParent must not have . or .. segments, got '/a/./b'");
    assertThrowsWithMessage(() -> builder().withCgroupParent("relative"),
        "cgroupParent must be an absolute cgroup path such as /ffrtmp.slice, got 'relative'");
    assertThrowsWithMessage(() -> builder().withCgroupParent("/" + "x".repeat(256)),
        "cgroupParent must not have a segment longer than 255 bytes, got '/" + "x".repeat(256)
            + "'");
    assertNotNull(builder().withCgroupParent("/"));
    assertNotNull(builder().withCgroupParent("/ffrtmp.slice/a-b_c.d"));
  }

  @Test
  void withStrategy_unknownName_isRejectedAtTheSetter_namingTheInstalledOnes() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> builder().withStrategy("bogus"));
    assertTrue(e.getMessage().startsWith("strategy must be one of "), e.getMessage());
    assertTrue(e.getMessage().contains("nice-fallback"), e.getMessage());
    assertTrue(e.getMessage().endsWith(", got 'bogus'"), e.getMessage());
  }

  @Test
  void withJobId_emptyIsRefusedSayingWhy_andNullIsRejected() throws Exception {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> builder().withJobId(""));
    assertTrue(e.getMessage().startsWith("jobId must not be empty"), e.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(
        NullPointerException.class, () -> builder().withJobId(null));
  }

  @Test
  void aNullInTheCommand_isNamedByItsIndex() {
    NullPointerException e = org.junit.jupiter.api.Assertions.assertThrows(
        NullPointerException.class, () -> Workload.run("echo", null));
    assertEquals("command[1] is null", e.getMessage());
    e = org.junit.jupiter.api.Assertions.assertThrows(NullPointerException.class,
        () -> Workload.run(java.util.Arrays.asList("echo", "a", null)));
    assertEquals("command[2] is null", e.getMessage());
    ProcessBuilder pb = new ProcessBuilder("echo");
    pb.command().add(null);
    e = org.junit.jupiter.api.Assertions.assertThrows(NullPointerException.class,
        () -> Workload.run(pb));
    assertEquals("command[1] is null", e.getMessage());
  }

  @Test
  void run_emptyCommand_isRejected() {
    assertThrowsWithMessage(() -> Workload.run(new String[0]), "command must not be empty");
    assertThrowsWithMessage(() -> Workload.run(""), "command[0] (the program) must not be empty");
  }

  @Test
  void intent_parse_namesAllowedValues() {
    assertEquals(Intent.SOAK, Intent.parse("SOAK"));
    assertThrowsWithMessage(
        () -> Intent.parse("prod"), "intent must be one of production|test|experiment|soak, got 'prod'");
  }

  @Test
  void withCgroupParent_relative_isRejected() {
    assertThrowsWithMessage(
        () -> builder().withCgroupParent("x/y"),
        "cgroupParent must be an absolute cgroup path such as /ffrtmp.slice, got 'x/y'");
  }

  private static void assertThrowsWithMessage(Executable e, String message) {
    IllegalArgumentException ex =
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, e);
    assertEquals(message, ex.getMessage());
  }
}
