package io.ffrtmp.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CgroupNamesTest {
  @Test
  void plainIds_keepTheGuidesName() {
    assertEquals("ffrtmp-wrapper-job123", CgroupNames.forJob("job123"));
    assertEquals("ffrtmp-wrapper-job-001", CgroupNames.forJob("job-001"));
  }

  @Test
  void hostileIds_becomeOneSafeComponent() {
    for (String id : new String[] {"..", ".", "../../etc", "a/b", "x\0y", "line\nbreak", "ü"}) {
      String n = CgroupNames.forJob(id);
      assertSafe(n);
      assertNotEquals(CgroupNames.forJob(id + "x"), n);
    }
    assertNotEquals(CgroupNames.forJob("a/b"), CgroupNames.forJob("a_b"));
  }

  @Test
  void anyId_givesASafeNameOfAtMost224Bytes() {
    qt().withExamples(10_000)
        .forAll(strings().allPossible().ofLengthBetween(0, 300))
        .checkAssert(id -> assertSafe(CgroupNames.forJob(id)));
    qt().withExamples(50)
        .forAll(strings().allPossible().ofLengthBetween(10_000, 10_240))
        .checkAssert(id -> assertSafe(CgroupNames.forJob(id)));
  }

  private static void assertSafe(String n) {
    assertTrue(n.startsWith("ffrtmp-wrapper-"), n);
    assertTrue(n.matches("[A-Za-z0-9._-]+"), n);
    assertTrue(n.getBytes(StandardCharsets.UTF_8).length <= 224, n);
    assertTrue(!n.equals(".") && !n.equals(".."), n);
  }
}
