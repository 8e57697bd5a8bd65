package io.ffrtmp.cgroups.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.EnforcementException;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.ExitReason;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadBuilder;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.TestCgroups;
import io.ffrtmp.cgroups.faults.FaultyStrategy.Errno;
import io.ffrtmp.cgroups.faults.FaultyStrategy.Fault;
import io.ffrtmp.cgroups.v1.CgroupV1Strategy;
import io.ffrtmp.testing.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Failures injected through the cgroupfs interface at every step of setup, placement, reading
 * and cleanup, on the real host's cgroup v1 hierarchies. After each: no half-configured cgroup
 * remains; the workload runs with the missing constraint recorded and a warning, or — in strict
 * mode — is not started and the caller learns what could not be enforced.
 */
class FaultInjectionTest {
  static final List<Errno> ERRNOS =
      List.of(Errno.EACCES, Errno.EBUSY, Errno.EINVAL, Errno.ENOENT, Errno.ENOSPC);
  private static final String JOB = "fault-" + ProcessHandle.current().pid();

  @TempDir Path tmp;
  private List<Path> parents = List.of();

  @BeforeEach
  void requireV1() throws Exception {
    Host.require(Host.isRoot(), "fault injection runs on the real cgroup v1 hierarchies, as root");
    CgroupV1Strategy v1 = new CgroupV1Strategy();
    Host.require(v1.probe().usable(), "cgroup-v1 not usable: " + v1.probe().reason());
    parents = new ArrayList<>();
    for (var p : Hierarchies.of(v1)) {
      parents.add(p);
    }
  }

  @AfterEach
  void clear() {
    FaultyStrategy.inject(null);
  }

  static List<Fault> setupFaults() {
    List<Fault> out = new ArrayList<>();
    for (Errno e : ERRNOS) {
      out.add(new Fault("mkdir", "", e, 1));
      out.add(new Fault("read", "cpu.cfs_quota_us", e, 1));
    }
    for (Errno e : Errno.values()) {
      out.add(new Fault("write", "cpu.cfs_quota_us", e, 1));
      out.add(new Fault("write", "memory.limit_in_bytes", e, 1));
    }
    return out;
  }

  static List<Fault> runtimeFaults() {
    List<Fault> out = new ArrayList<>();
    for (Errno e : ERRNOS) {
      // a run-mode workload's CPU time and IO are the keeper's own accounting, read through no
      // cgroupfs (a copy it lacks is unknown: CgroupV1FixtureTest); these are the cgroup's
      for (String f : List.of("cpu.stat", "memory.oom_control", "memory.max_usage_in_bytes")) {
        out.add(new Fault("read", f, e, 1));
      }
      out.add(new Fault("rmdir", "", e, 1));
    }
    return out;
  }

  private WorkloadBuilder workload(Path marker) {
    return Workload.run("/bin/sh", "-c", "touch " + marker).withStrategy("test-faulty")
        .withJobId(JOB).withCpuQuota(50).withMemoryLimitMb(128);
  }

  /** Cgroups of this test still present after deferred removals had time to run. */
  private List<Path> leftovers() throws Exception {
    List<Path> left = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      left.clear();
      for (Path p : parents) {
        try (Stream<Path> s = Files.list(p)) {
          s.filter(d -> d.getFileName().toString().startsWith("ffrtmp-wrapper-" + JOB))
              .forEach(left::add);
        }
      }
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(10);
    }
    return left;
  }

  private void assertNothingHalfConfiguredRemains(Fault f, boolean cleanupFault) throws Exception {
    List<Path> left = leftovers();
    for (Path d : left) {
      assertEquals("", Files.readString(d.resolve("cgroup.procs")).trim(), "empty: " + d);
    }
    // only a failed removal may leave a (complete, empty) cgroup, collected by a later start
    assertTrue(left.isEmpty() || cleanupFault, f + " left " + left);
    TestCgroups.remove(CgroupFs.REAL, left, Duration.ofSeconds(2));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setupFaults")
  void setupFault_degradesWithWarning_orRefusesInStrictMode(Fault f) throws Exception {
    Path marker = tmp.resolve("ran");
    FaultyStrategy.inject(f);
    WorkloadReport r = workload(marker).start().awaitReport();
    assertTrue(FaultyStrategy.fired() > 0, "fault fired: " + f);
    assertEquals(ExitReason.SUCCESS, r.exitReason(), r.toJson());
    assertTrue(Files.exists(marker), "the workload ran");
    boolean recorded = r.enforcement().stream().anyMatch(e ->
        e.status() == EnforcementStatus.FAILED || e.status() == EnforcementStatus.DEGRADED);
    assertTrue(recorded, "a missing constraint is recorded: " + r.toJson());
    assertFalse(r.warnings().isEmpty(), "and warned: " + r.toJson());
    assertFalse(r.platformSlaCompliant());
    assertNothingHalfConfiguredRemains(f, false);

    Files.deleteIfExists(marker);
    FaultyStrategy.inject(f);
    EnforcementException e = assertThrows(EnforcementException.class,
        () -> workload(marker).requireEnforcement().start());
    assertTrue(e.getMessage().matches(".*(cpu_quota|memory_limit_mb).*"), e.getMessage());
    assertFalse(e.unenforced().isEmpty());
    assertFalse(Files.exists(marker), "strict: not started");
    assertNothingHalfConfiguredRemains(f, false);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("runtimeFaults")
  void readingAndCleanupFaults_neverFailTheWorkloadOrItsReport(Fault f) throws Exception {
    Path marker = tmp.resolve("ran");
    FaultyStrategy.inject(f);
    WorkloadReport r = workload(marker).start().awaitReport();
    assertEquals(ExitReason.SUCCESS, r.exitReason(), r.toJson());
    assertTrue(Files.exists(marker));
    assertTrue(FaultyStrategy.fired() > 0, "fault fired: " + f);
    if (f.op().equals("read")) {
      boolean someNull = r.usage().cpuThrottledSec() == null || r.usage().oomKills() == null
          || r.usage().memoryPeakBytes() == null || r.usage().cpuUserSec() == null;
      assertTrue(someNull, "the unreadable counter is null, not invented: " + r.toJson());
    }
    if (f.op().equals("rmdir") && f.errno() != Errno.EBUSY && f.errno() != Errno.ENOENT) {
      assertTrue(r.warnings().stream().anyMatch(w -> w.contains("not removed")), r.toJson());
    }
    assertNothingHalfConfiguredRemains(f, f.op().equals("rmdir"));
  }

  @org.junit.jupiter.api.Test
  void placementFault_inTheShim_recordedAsFailed_orNotStartedInStrictMode() throws Exception {
    Path marker = tmp.resolve("ran");
    FaultyStrategy.inject(new Fault("join", "", Errno.ENOENT, 1));
    WorkloadReport r = workload(marker).start().awaitReport();
    assertEquals(ExitReason.SUCCESS, r.exitReason(), r.toJson());
    assertTrue(Files.exists(marker), "ran, unplaced, and said so");
    assertTrue(r.enforcement().stream().anyMatch(e -> e.constraint().key().equals("cpu_quota")
        && e.status() == EnforcementStatus.FAILED), r.toJson());
    assertTrue(r.warnings().stream().anyMatch(w -> w.startsWith("Cannot place workload in cgroup")),
        r.toJson());
    assertNothingHalfConfiguredRemains(FaultyStrategy.fault, false);

    Files.deleteIfExists(marker);
    FaultyStrategy.inject(new Fault("join", "", Errno.ENOENT, 1));
    WorkloadReport strict = workload(marker).requireEnforcement().start().awaitReport();
    assertEquals(125, strict.exitCode(), strict.toJson());
    assertEquals(ExitReason.ERROR, strict.exitReason());
    assertFalse(Files.exists(marker), "strict: the command never ran");
    assertNull(strict.signal());
    assertNothingHalfConfiguredRemains(FaultyStrategy.fault, false);
  }
}
