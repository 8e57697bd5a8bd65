package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The constraint model: every fact about a constraint (key, range, default, kind) in {@link
 * Constraint}, and what derives from it — validation, the builders, the report's keys and the
 * enforcement list — agrees with it.
 */
class ConstraintModelTest {
  @Test
  void eachConstraint_rejectsExactlyTheValuesOutsideItsRange_namingKeyValueAndRange() {
    for (Constraint c : Constraint.values()) {
      if (c.isText()) {
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> c.checkValidValue(0));
        assertEquals(c.key() + " is text (" + c.unit() + "), not a number", e.getMessage());
        assertEquals(c, Constraint.ofKey(c.key()));
        continue;
      }
      assertEquals(c.min(), c.checkValidValue(c.min()));
      assertEquals(c.max(), c.checkValidValue(c.max()));
      for (long bad : new long[] {c.min() - 1, c.max() + 1}) {
        if (bad < c.min() && c.min() == Long.MIN_VALUE || bad > c.max() && c.max() == Long.MAX_VALUE) {
          continue;
        }
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> c.checkValidValue(bad));
        assertEquals(c.key() + " must be between " + c.min() + " and " + c.max() + " ("
            + c.unit() + "), got " + bad, e.getMessage());
      }
      assertTrue(c.defaultValue() >= c.min() && c.defaultValue() <= c.max(), c.key());
      assertEquals(c, Constraint.ofKey(c.key()));
    }
  }

  @Test
  void theDefaults_agreeWithTheModel() {
    assertEquals(Long.MAX_VALUE / 1048576L, Constraint.MEMORY_LIMIT_MB.max());
    for (Constraint c : Constraint.values()) {
      assertEquals(c.isText() ? "" : Long.toString(c.defaultValue()),
          Constraints.DEFAULTS.text(c), c.key());
      assertTrue(!Constraints.DEFAULTS.isRequested(c), c.key());
    }
    assertEquals(List.of(Constraint.CPU_QUOTA, Constraint.CPU_WEIGHT, Constraint.MEMORY_LIMIT_MB,
        Constraint.IO_WEIGHT, Constraint.MEMORY_HIGH_MB, Constraint.SWAP_MAX_MB,
        Constraint.PIDS_MAX, Constraint.CPUS, Constraint.MEMORY_NODES, Constraint.IO_MAX),
        List.of(Constraint.values()).stream()
        .filter(Constraint::isCgroupConstraint).toList());
  }

  @Test
  void builder_setsEachConstraint_andToBuilderKeepsTheRest() {
    Constraints.Builder b = Constraints.builder();
    long v = 1;
    for (Constraint c : Constraint.values()) {
      if (c == Constraint.IO_MAX) {
        b.setText(c, "8:0 rbps=" + (v + 1));
      } else if (c.isText()) {
        b.setText(c, Long.toString(v));
      } else {
        b.set(c, c.min() == 0 && c.max() > 5 ? 5 + v : c.min() + v);
      }
      v++;
    }
    Constraints all = b.build();
    for (Constraint c : Constraint.values()) {
      assertTrue(all.isRequested(c), c.key());
    }
    Constraints changed = all.toBuilder().memoryLimitMb(0).build();
    assertEquals(0, changed.memoryLimitMb());
    assertEquals(all.cpuQuota(), changed.cpuQuota());
    assertEquals(List.of(Constraint.CPU_QUOTA, Constraint.CPU_WEIGHT, Constraint.IO_WEIGHT,
        Constraint.MEMORY_HIGH_MB, Constraint.SWAP_MAX_MB, Constraint.PIDS_MAX, Constraint.CPUS,
        Constraint.MEMORY_NODES, Constraint.IO_MAX), changed.requestedCgroupConstraints());
    assertEquals(List.of("10", "11", "8:0 rbps=13"), List.of(all.cpus(), all.memoryNodes(),
        all.ioMax()));
    for (Constraint c : Constraint.values()) {
      assertEquals(all, all.toBuilder().setText(c, all.text(c)).build(), "text round trip");
    }
    // each typed accessor reads its own constraint; equal values are equal wherever built
    assertEquals(List.of(all.get(Constraint.CPU_QUOTA), all.get(Constraint.CPU_WEIGHT),
        all.get(Constraint.NICE), all.get(Constraint.MEMORY_LIMIT_MB),
        all.get(Constraint.IO_WEIGHT), all.get(Constraint.OOM_SCORE),
        all.get(Constraint.MEMORY_HIGH_MB), all.get(Constraint.SWAP_MAX_MB),
        all.get(Constraint.PIDS_MAX)), List.of((long) all.cpuQuota(), (long) all.cpuWeight(),
        (long) all.nice(), all.memoryLimitMb(), (long) all.ioWeight(), (long) all.oomScore(),
        all.memoryHighMb(), all.swapMaxMb(), (long) all.pidsMax()));
    Constraints again = Constraints.builder().pidsMax(all.pidsMax()).build();
    assertEquals(Constraints.builder().pidsMax(all.pidsMax()).build(), again);
    assertEquals(Constraints.builder().pidsMax(all.pidsMax()).build().hashCode(),
        again.hashCode());
    assertTrue(!again.equals(Constraints.DEFAULTS));
    assertTrue(again.toString().contains("pids_max=" + all.pidsMax()), again.toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Constraints.builder().set(Constraint.NICE, 20));
    assertEquals("nice must be between -20 and 19 (scheduling priority), got 20", e.getMessage());
  }

  /** A list constraint's canonical form is the kernel's; a wrong one names key, value, form. */
  @Test
  void listConstraints_areCanonical_andWrongOnesNameTheForm() {
    assertEquals("0-3,8", Constraint.CPUS.checkValidText(" 3,0-1, 2 ,8"));
    assertEquals("1,3", Constraint.CPUS.checkValidText("3,1"));
    assertEquals("2-3", Constraint.CPUS.checkValidText("2,3"));
    assertEquals("", Constraint.MEMORY_NODES.checkValidText(" "));
    for (String bad : new String[] {"x", "1-", "3-1", "8192", "0,,1", "1-2-3", "-1"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Constraint.CPUS.checkValidText(bad));
      assertEquals("cpus must be a list of numbers 0..8191 such as 0-3,8 (empty = all), got '"
          + bad + "'", e.getMessage());
    }
    IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
        () -> Constraints.builder().setText(Constraint.PIDS_MAX, "many"));
    assertEquals("pids_max must be a number (processes and threads, 0 = unlimited), got 'many'",
        n.getMessage());
    IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
        () -> Constraints.DEFAULTS.get(Constraint.CPUS));
    assertEquals("cpus is text: read it with text()", t.getMessage());
  }

  /** An update's changes as text: lists canonical and JSON strings, numbers JSON numbers. */
  @Test
  void changes_holdListsAndNumbers_andTheUpdatesJsonKeepsEachKind() {
    ConstraintChanges c = new ConstraintChanges().cpus("3,1").cpuQuota(200)
        .set(Constraint.PIDS_MAX, "64");
    assertEquals(Map.of(Constraint.CPUS, "1,3"), c.lists());
    assertEquals(Map.of(Constraint.CPU_QUOTA, 200L, Constraint.PIDS_MAX, 64L), c.values());
    assertEquals(List.of(Constraint.CPU_QUOTA, Constraint.PIDS_MAX, Constraint.CPUS),
        List.copyOf(c.requested().keySet()));
    assertEquals("cpu_quota=200 pids_max=64 cpus=1,3", c.toString());
    WorkloadUpdate u = new WorkloadUpdate(java.time.Instant.parse("2026-12-06T08:00:00Z"),
        c.requested(), List.of(), 7);
    assertEquals("{\"at\":\"2026-12-06T08:00:00Z\",\"by\":7,\"requested\":{\"cpu_quota\":200,"
        + "\"pids_max\":64,\"cpus\":\"1,3\"},\"enforcement\":[]}", u.toJson());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ConstraintChanges().set(Constraint.PIDS_MAX, "lots"));
    assertEquals("pids_max must be a number (processes and threads, 0 = unlimited), got 'lots'",
        e.getMessage());
    assertTrue(new ConstraintChanges().isEmpty());
  }

  @Test
  void withConstraints_setsEveryConstraint_andLaterSettersChangeOne() throws Exception {
    Constraints template = Constraints.builder().cpuQuota(200).memoryLimitMb(64).nice(5).build();
    WorkloadReport r = Workload.run("/bin/true").withStrategy("nice-fallback")
        .withConstraints(template).withCpuQuota(300).start().awaitReport();
    assertEquals(template.toBuilder().cpuQuota(300).build(), r.constraints());
  }

  @Test
  void report_constraintKeysAndEnforcementOrder_followTheModel() throws Exception {
    WorkloadReport r = Workload.run("/bin/true").withStrategy("nice-fallback").withNice(3)
        .start().awaitReport();
    Map<String, Object> json = Json.object(r.toJson());
    @SuppressWarnings("unchecked")
    Map<String, Object> constraints = (Map<String, Object>) json.get("constraints");
    List<String> keys = new ArrayList<>(constraints.keySet());
    assertEquals(List.of(Constraint.values()).stream().map(Constraint::key).toList(), keys);
    List<String> cgroupFirst = new ArrayList<>();
    for (Constraint c : Constraint.values()) {
      if (c.isCgroupConstraint()) {
        cgroupFirst.add(c.key());
      }
    }
    cgroupFirst.add(Constraint.NICE.key());
    cgroupFirst.add(Constraint.OOM_SCORE.key());
    assertEquals(cgroupFirst, r.enforcement().stream().map(x -> x.constraint().key()).toList(),
        "the backend's entries in model order, then the process attributes");
  }
}
