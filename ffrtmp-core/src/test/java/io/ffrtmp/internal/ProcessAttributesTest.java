package io.ffrtmp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ffrtmp.EnforcementStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessAttributesTest {
  private static final ProcessAttributes ROOT = new ProcessAttributes(true, 20, true, 0, 0);
  private static final ProcessAttributes USER = new ProcessAttributes(false, 20, false, 0, 0);

  @Test
  void root_negativeNiceAndOom_areApplied() {
    var p = ROOT.plan(-10, -500);
    assertEquals(-10, p.niceArg());
    assertEquals(-500, p.oomArg());
    assertEquals(List.of(), p.warnings());
    assertEquals(List.of(), p.unenforced());
  }

  @Test
  void user_negativeNice_degradesToZeroWithTheGuidesWarning() {
    var p = USER.plan(-5, 0);
    assertEquals(0, p.niceArg());
    assertEquals(List.of("Cannot set negative nice (requires root), using 0"), p.warnings());
    assertEquals(EnforcementStatus.DEGRADED, p.enforcement().get(0).status());
  }

  @Test
  void user_negativeOom_degradesToZeroWithWarning() {
    var p = USER.plan(0, -100);
    assertEquals(List.of("Cannot set negative OOM score (requires root), using 0"), p.warnings());
    assertEquals(EnforcementStatus.DEGRADED, p.enforcement().get(1).status());
  }

  @Test
  void user_positiveValues_areApplied() {
    var p = USER.plan(10, 500);
    assertEquals(10, p.niceArg());
    assertEquals(500, p.oomArg());
    assertEquals(List.of(), p.unenforced());
  }

  @Test
  void user_withRlimitNice_mayLowerNice() {
    var p = new ProcessAttributes(false, -10, false, 0, 0).plan(-10, 0);
    assertEquals(-10, p.niceArg());
    assertEquals(List.of(), p.warnings());
  }

  @Test
  void inheritedValues_needNoSyscall() {
    var p = USER.plan(0, 0);
    assertNull(p.niceArg());
    assertNull(p.oomArg());
    assertEquals(EnforcementStatus.APPLIED, p.enforcement().get(0).status());
  }

  @Test
  void user_cannotLowerAnInheritedPositiveNice() {
    var p = new ProcessAttributes(false, 20, false, 10, 0).plan(5, 0);
    assertNull(p.niceArg());
    assertEquals(List.of("Cannot lower nice from 10 to 5 (requires root), using 10"), p.warnings());
  }
}
