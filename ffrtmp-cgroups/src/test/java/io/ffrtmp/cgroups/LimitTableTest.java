package io.ffrtmp.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ffrtmp.Constraint;
import org.junit.jupiter.api.Test;

class LimitTableTest {
  private static final ControlWrite W = ControlWrite.of("cpu", "cpu.max", Long::toString, "max");

  @Test
  void incompleteOrDuplicatedTable_isRefused_namingTheConstraints() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
        LimitTable.of(LimitRule.of(Constraint.CPU_QUOTA, W), LimitRule.of(Constraint.CPU_QUOTA, W)));
    assertEquals("incomplete limit table: two rules for cpu_quota, no rule for cpu_weight,"
        + " no rule for memory_limit_mb, no rule for io_weight, no rule for memory_high_mb,"
        + " no rule for swap_max_mb, no rule for pids_max, no rule for cpus, no rule for"
        + " memory_nodes, no rule for io_max", e.getMessage());
  }

  @Test
  void aRuleWithoutAlternatives_needsTheReason() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LimitRule(Constraint.PIDS_MAX, java.util.List.of(), null));
    assertEquals("pids_max needs an alternative or the reason it has none", e.getMessage());
    LimitRule none = LimitRule.unsupported(Constraint.MEMORY_HIGH_MB, "not on v1");
    assertEquals("none", none.mechanism());
    assertEquals("not on v1", none.unavailable());
  }

  @Test
  void processAttributes_areNotCgroupRules() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LimitRule.of(Constraint.NICE, W));
    assertEquals("nice is not a cgroup constraint", e.getMessage());
  }

  @Test
  void keyedWrites_writeTheDefaultLine_andFindItAmongDeviceLines() {
    ControlWrite io = ControlWrite.keyedDefault("io", "io.weight", p -> Long.toString(p * 100),
        "default 100");
    assertEquals("default 5000", io.content(50));
    assertEquals(true, io.accepted("default 5000\n8:0 200", "default 5000"));
    assertEquals(false, io.accepted("default 100\n8:0 5000", "default 5000"));
  }
}
