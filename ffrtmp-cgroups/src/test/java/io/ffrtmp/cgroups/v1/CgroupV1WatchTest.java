package io.ffrtmp.cgroups.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.TestCgroups;
import io.ffrtmp.cgroups.WatchChecks;
import io.ffrtmp.testing.Host;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The watcher on the host's cgroup v1, as root: the connector, the scan, the filters. */
class CgroupV1WatchTest {
  private final CgroupV1Strategy strategy = new CgroupV1Strategy();
  private Map<String, CgroupV1Strategy.Parent> parents = Map.of();
  private String prefix = "";
  private WatchChecks checks;

  @BeforeEach
  void requireV1(TestInfo info) throws Exception {
    Host.require(Host.isRoot(), "watcher host tests need root (the connector, other users)");
    var availability = strategy.probe();
    Host.require(availability.usable(), "cgroup-v1 not usable here: " + availability.reason());
    parents = strategy.hierarchies(null);
    prefix = "t" + ProcessHandle.current().pid() + "-" + info.getTestMethod().orElseThrow()
        .getName().substring(0, 12);
    checks = new WatchChecks(prefix);
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (checks != null) {
      checks.close();
    }
    List<Path> left = TestCgroups.leftovers(parents.values().stream()
        .map(CgroupV1Strategy.Parent::dir).toList(), prefix);
    for (Path p : left) {
      TestCgroups.remove(CgroupFs.REAL, List.of(p), Duration.ofSeconds(2));
    }
    assertEquals(List.of(), left, "cgroups left behind");
    assertEquals(List.of(), WatchChecks.watcherThreads(), "watcher threads left running");
  }

  @Test
  void connector_adoptsAnotherUsersExecWithinMilliseconds() throws Exception {
    checks.adoptsAnotherUsersExecsAndSkipsTheBlocked(10, 50);
    assertEquals(1, checks.skipped().size(), checks.skipped().toString());
  }

  @Test
  void filters_neverAdoptBlockedUsersDirsOrParents() throws Exception {
    checks.filtersNeverAdoptBlockedUsersDirsOrParents();
  }

  @Test
  void aDescendantFoundOutsideItsAncestorsCgroup_isBroughtBack() throws Exception {
    checks.aDescendantFoundOutsideItsAncestorsCgroupIsBroughtBack();
  }

  @Test
  void scan_adoptsWithinOneIntervalAndWhatRanBefore() throws Exception {
    // a second for the adoption itself on a busy machine
    checks.scanAdoptsWithinOneIntervalAndWhatRanBefore(Duration.ofMillis(300), 1000);
  }

  @Test
  void nineSecondJob_isGovernedForAllButItsFirstMilliseconds() throws Exception {
    checks.nineSecondJobIsGovernedForAllButItsFirstMilliseconds(1000);
  }

  @Test
  void thousandShortExecs_thatNoRuleNames_leaveNothingBehind() throws Exception {
    checks.shortExecsThatNoRuleNamesLeaveNothingBehind(1000);
  }

  @Test
  void connectorFailure_isAWarning_andTheScanTakesOver() throws Exception {
    checks.connectorFailureFallsBackToTheScan(Duration.ofMillis(300), 1000);
  }

  @Test
  void forkBomb_isContainedByItsRulesPidsLimit() throws Exception {
    checks.forkBombIsContainedByItsRulesPidsLimit(Duration.ofSeconds(5), 4000);
  }

  @Test
  void forkBomb_whileTheJvmCollectsGarbage_isContained() throws Exception {
    checks.forkBombIsContainedByItsRulesPidsLimit(Duration.ofSeconds(5), 4000,
        Duration.ofMillis(40));
  }

  @Test
  void jvmServiceThreads_runAtTheWatchersNice_whileItWatches() throws Exception {
    checks.jvmServiceThreadsRunAtTheWatchersNiceWhileItWatches();
  }


}
