package io.ffrtmp.cgroups.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.strings;

import io.ffrtmp.Constraints;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.cgroups.v1.CgroupV1Strategy;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceRequest;
import io.ffrtmp.testing.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Hostile job ids against the real cgroupfs: whatever the id — '/', '..', NUL, newlines, control
 * characters, any Unicode, 10 KB of text — the cgroup created is a direct child of the chosen
 * parent (checked on the real path of the directory), and the report carries the id unchanged.
 */
class HostileJobIdTest {
  private final CgroupV1Strategy v1 = new CgroupV1Strategy();

  @BeforeEach
  void requireV1() {
    Host.require(Host.isRoot(), "needs root for the real cgroup v1 hierarchies");
    Host.require(v1.probe().usable(), "cgroup-v1 not usable: " + v1.probe().reason());
  }

  static Gen<String> hostileIds() {
    Gen<String> pieces = integers().between(0, 9).map(i -> switch (i) {
      case 0 -> "/";
      case 1 -> "..";
      case 2 -> "\0";
      case 3 -> "\n";
      case 4 -> "\u0001\u001b[31m";
      case 5 -> "ü漢字🙂";
      case 6 -> ".";
      case 7 -> " ";
      default -> "job";
    });
    Gen<String> composed = pieces.zip(pieces, pieces, (a, b, c) -> a + b + c);
    return strings().allPossible().ofLengthBetween(0, 300)
        .mix(composed, 40)
        .mix(strings().basicLatinAlphabet().ofLengthBetween(10_000, 10_240), 2);
  }

  @Test
  void anyJobId_givesADirectChildOfTheParent_10000Cases() {
    AtomicInteger cases = new AtomicInteger();
    qt().withExamples(10_400).withShrinkCycles(50).forAll(hostileIds()).checkAssert(id -> {
      cases.incrementAndGet();
      Governance g;
      try {
        g = v1.prepare(new GovernanceRequest(id, Constraints.DEFAULTS, false, null));
      } catch (Exception e) {
        throw new AssertionError("prepare failed for " + id.length() + " chars", e);
      }
      try {
        for (Path procs : g.joinFiles()) {
          Path dir = procs.getParent();
          Path parent = dir.getParent();
          Path real = dir.toRealPath();
          assertEquals(parent.toRealPath(), real.getParent(), "direct child for id " + escape(id));
          String name = real.getFileName().toString();
          assertTrue(name.startsWith("ffrtmp-wrapper-") && name.length() <= 230, name);
          assertTrue(Files.isDirectory(real));
        }
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      } finally {
        assertEquals(List.of(), g.release());
      }
    });
    System.out.println("hostile job ids: " + cases.get() + " cgroups created and checked");
    assertTrue(cases.get() >= 10_000);
  }

  @Test
  void hostileJobIds_surviveIntoTheReportUnchanged() throws Exception {
    // an empty one is refused at the builder (it said which job, and gave nothing)
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Workload.run("/bin/true").withJobId(""));
    for (String id : List.of("../../etc", "a/b/c", "x\0y", "line\nbreak", "\u0007bell", "ü漢字🙂",
        "..", ".", "x".repeat(10_000))) {
      WorkloadReport r = Workload.run("/bin/true").withJobId(id).start().awaitReport();
      assertEquals(id, r.jobId());
      assertEquals("cgroup-v1", r.strategy());
      String leaf = r.cgroupPath().substring(r.cgroupPath().lastIndexOf('/') + 1);
      assertTrue(leaf.startsWith("ffrtmp-wrapper-") && leaf.matches("[A-Za-z0-9._-]+"), leaf);
      assertEquals(id, io.ffrtmp.testing.Json.object(r.toJson()).get("job_id"));
    }
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.substring(0, Math.min(60, s.length())).toCharArray()) {
      b.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return b.toString();
  }
}
