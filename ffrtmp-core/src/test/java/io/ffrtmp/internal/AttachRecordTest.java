package io.ffrtmp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.AttachException;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.internal.keeper.StartRecord;
import io.ffrtmp.internal.keeper.StateDir;
import io.ffrtmp.internal.os.ProcFs;
import io.ffrtmp.testing.Host;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Attach mode keeps a start record as run mode does: another JVM sees the adoption (and
 * refuses to adopt the process again, naming the job), and a later JVM recovers it once its
 * governor is gone. Another JVM is played by a record whose governor is another process.
 */
class AttachRecordTest {
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    started.forEach(Process::destroyForcibly);
  }

  private Process sleep() throws Exception {
    Process p = new ProcessBuilder("sleep", "30").start();
    started.add(p);
    return p;
  }

  private static String job(String name) {
    return "attach-record-" + ProcessHandle.current().pid() + "-" + name;
  }

  private static StateDir dir() {
    return StateDir.current().orElseThrow();
  }

  private static Optional<StartRecord> recordOf(String jobId) {
    return dir().readAll(new ArrayList<>()).stream().filter(r -> r.jobId().equals(jobId))
        .findFirst();
  }

  @Test
  void anAdoption_isRecorded_untilItsReportWasDelivered() throws Exception {
    Process p = sleep();
    String id = job("recorded");
    GovernedWorkload w = Workload.attach(p.pid()).withJobId(id).withStrategy("nice-fallback")
        .start();
    StartRecord r = recordOf(id).orElseThrow(() -> new AssertionError("no record of " + id));
    assertTrue(r.attached());
    assertEquals(p.pid(), r.pids().pid());
    assertEquals(ProcFs.stat(p.pid()).orElseThrow().startTime(), r.pids().startTime());
    assertEquals(0, r.pids().keeperPid());
    assertEquals(ProcessHandle.current().pid(), r.governorPid());
    p.destroy();
    WorkloadReport report = w.awaitReport(Duration.ofSeconds(10));
    assertEquals(ExitReason.UNKNOWN, report.exitReason());
    for (int i = 0; i < 500 && recordOf(id).isPresent(); i++) {
      Thread.sleep(10); // deleted once delivered, on a delivery thread
    }
    assertEquals(Optional.empty(), recordOf(id), "the record goes after the delivery");
  }

  @Test
  void aDetachedAdoption_leavesNoRecord() throws Exception {
    Process p = sleep();
    String id = job("detached");
    GovernedWorkload w = Workload.attach(p.pid()).withJobId(id).withStrategy("nice-fallback")
        .start();
    assertTrue(recordOf(id).isPresent());
    w.detach();
    assertEquals(Optional.empty(), recordOf(id));
  }

  @Test
  void aProcessAnotherJvmAdopted_isRefused_thenRecoveredOnceThatJvmIsGone() throws Exception {
    Process p = sleep();
    Process otherJvm = sleep(); // stands for the governing JVM of the record below
    String id = job("other");
    GovernedWorkload mine = Workload.attach(p.pid()).withJobId(id)
        .withStrategy("nice-fallback").start();
    StartRecord r = recordOf(id).orElseThrow();
    mine.detach(); // its record goes: written again below as another JVM's
    long otherStart = ProcFs.stat(otherJvm.pid()).orElseThrow().startTime();
    dir().writeAdoption(r.governedBy(otherJvm.pid(), otherStart)); // as that JVM writes it

    AttachException e = assertThrows(AttachException.class,
        () -> Workload.attach(p.pid()).withJobId(job("second")).withStrategy("nice-fallback")
            .start());
    assertEquals("process " + p.pid() + " is already governed by ffrtmp: it was adopted as job "
        + id + " (attach mode), governed by the JVM pid " + otherJvm.pid() + "; stop or detach"
        + " that run first", e.getMessage());

    otherJvm.destroyForcibly().waitFor();
    e = assertThrows(AttachException.class,
        () -> Workload.attach(p.pid()).withStrategy("nice-fallback").start());
    assertTrue(e.getMessage().contains("whose governing JVM ended: it awaits a recovery"),
        e.getMessage());

    List<GovernedWorkload> recovered = Workload.recover(id);
    assertEquals(1, recovered.size(), recovered.toString());
    GovernedWorkload w = recovered.get(0);
    assertEquals(p.pid(), w.pid());
    p.destroy();
    WorkloadReport report = w.awaitReport(Duration.ofSeconds(10));
    assertEquals(WorkloadReport.Mode.ATTACH, report.mode());
    assertNull(report.command());
    assertNull(report.exitCode());
    assertEquals(ExitReason.UNKNOWN, report.exitReason());
    assertEquals(p.pid(), report.pid());
    assertTrue(Host.awaitGone(p.pid(), 5000));
    for (int i = 0; i < 500 && recordOf(id).isPresent(); i++) {
      Thread.sleep(10);
    }
    assertEquals(Optional.empty(), recordOf(id), "recovered and delivered: the record goes");
  }
}
