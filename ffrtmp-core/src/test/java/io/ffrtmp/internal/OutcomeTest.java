package io.ffrtmp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ffrtmp.Constraint;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.ExitReason;
import io.ffrtmp.WorkloadEvent;
import io.ffrtmp.internal.os.Signals;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeTest {
  private static final Outcome.Policy TIMEOUT = new Outcome.Policy(ExitReason.TIMEOUT, "SIGTERM");
  private static final Outcome.Policy TERMINATE = new Outcome.Policy(ExitReason.SIGNAL, "SIGKILL");

  @Test
  void classify_terminate_isSignal_withTheObservedOrTheLastSentSignal() {
    assertEquals(new Outcome(143, ExitReason.SIGNAL, "SIGTERM"),
        Outcome.classify(143, TERMINATE, 0L, false, false));
    assertEquals(new Outcome(0, ExitReason.SIGNAL, "SIGKILL"),
        Outcome.classify(0, TERMINATE, 0L, false, false));
    assertEquals(new Outcome(null, ExitReason.SIGNAL, "SIGKILL"),
        Outcome.classify(null, TERMINATE, 0L, false, false));
    assertEquals(new Outcome(null, ExitReason.TIMEOUT, "SIGTERM"),
        Outcome.classify(null, TIMEOUT, 0L, false, false));
  }

  @Test
  void classify_codesSignalsOomAndTimeout() {
    assertEquals(new Outcome(0, ExitReason.SUCCESS, null), Outcome.classify(0, null, null, false, false));
    assertEquals(new Outcome(42, ExitReason.ERROR, null), Outcome.classify(42, null, 0L, false, false));
    assertEquals(new Outcome(137, ExitReason.SIGNAL, "SIGKILL"), Outcome.classify(137, null, 0L, false, false));
    assertEquals(new Outcome(137, ExitReason.SIGNAL, "SIGKILL"), Outcome.classify(137, null, null, false, false));
    assertEquals(new Outcome(137, ExitReason.OOM, "SIGKILL"), Outcome.classify(137, null, 1L, false, false));
    assertEquals(new Outcome(143, ExitReason.TIMEOUT, "SIGTERM"), Outcome.classify(143, TIMEOUT, 0L, false, false));
    assertEquals(new Outcome(0, ExitReason.TIMEOUT, "SIGTERM"), Outcome.classify(0, TIMEOUT, 0L, false, false));
    assertEquals(new Outcome(127, ExitReason.ERROR, null), Outcome.classify(127, null, null, true, false));
    assertEquals(new Outcome(1, ExitReason.ERROR, null), Outcome.classify(1, null, 3L, false, false));
  }

  @Test
  void classify_unknownExitStatus_isUnknownOrOom_andDetachedWins() {
    assertEquals(new Outcome(null, ExitReason.UNKNOWN, null),
        Outcome.classify(null, null, 0L, false, false));
    assertEquals(new Outcome(null, ExitReason.UNKNOWN, null),
        Outcome.classify(null, null, null, false, false));
    assertEquals(new Outcome(null, ExitReason.OOM, "SIGKILL"),
        Outcome.classify(null, null, 2L, false, false));
    assertEquals(new Outcome(null, ExitReason.DETACHED, null),
        Outcome.classify(null, null, 2L, false, true));
    assertEquals(new Outcome(null, ExitReason.DETACHED, null),
        Outcome.classify(0, TIMEOUT, 0L, false, true));
  }

  @Test
  void eventType_followsTheReason() {
    assertEquals(WorkloadEvent.Type.FAILED, Outcome.eventType(ExitReason.ERROR, true));
    assertEquals(WorkloadEvent.Type.COMPLETED, Outcome.eventType(ExitReason.SUCCESS, false));
    assertEquals(WorkloadEvent.Type.COMPLETED, Outcome.eventType(ExitReason.ERROR, false));
    assertEquals(WorkloadEvent.Type.COMPLETED, Outcome.eventType(ExitReason.DETACHED, false));
    assertEquals(WorkloadEvent.Type.COMPLETED, Outcome.eventType(ExitReason.UNKNOWN, false));
    assertEquals(WorkloadEvent.Type.KILLED, Outcome.eventType(ExitReason.OOM, false));
    assertEquals(WorkloadEvent.Type.KILLED, Outcome.eventType(ExitReason.SIGNAL, false));
    assertEquals(WorkloadEvent.Type.KILLED, Outcome.eventType(ExitReason.TIMEOUT, false));
  }

  @Test
  void sla_rules() {
    var ok = List.of(new Enforcement(Constraint.CPU_QUOTA, EnforcementStatus.APPLIED, "cpu.max", "x"));
    var degraded = List.of(new Enforcement(Constraint.CPU_QUOTA, EnforcementStatus.DEGRADED, "cpu.max", "x"));
    assertEquals(new Outcome.Sla(false, "not_sla_eligible"), Outcome.sla(false, ExitReason.SUCCESS, ok));
    assertEquals(new Outcome.Sla(true, "completed_within_limits"), Outcome.sla(true, ExitReason.SUCCESS, ok));
    assertEquals(new Outcome.Sla(true, "workload_failure_platform_ok"), Outcome.sla(true, ExitReason.ERROR, ok));
    assertEquals(new Outcome.Sla(true, "workload_exceeded_memory_limit"), Outcome.sla(true, ExitReason.OOM, ok));
    assertEquals(new Outcome.Sla(false, "constraints_not_enforced"), Outcome.sla(true, ExitReason.SUCCESS, degraded));
  }

  @Test
  void signalNames() {
    assertEquals("SIGTERM", Signals.name(15));
    assertEquals("SIGRTMIN+2", Signals.name(36));
    assertNull(new Outcome(0, ExitReason.SUCCESS, null).signal());
  }
}
