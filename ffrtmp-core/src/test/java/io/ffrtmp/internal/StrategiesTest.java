package io.ffrtmp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.spi.Availability;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceRequest;
import io.ffrtmp.spi.GovernanceStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class StrategiesTest {

  private record Fake(String name, int priority, Availability availability)
      implements GovernanceStrategy {
    @Override
    public Availability probe() {
      return availability;
    }

    @Override
    public Governance prepare(GovernanceRequest request) {
      throw new UnsupportedOperationException("fake");
    }
  }

  private static Supplier<GovernanceStrategy> fake(String name, int prio, boolean usable, String why) {
    return () -> new Fake(name, prio, new Availability(usable, why));
  }

  @Test
  void select_highestPriorityUsableWins() {
    List<String> warnings = new ArrayList<>();
    var probed =
        Strategies.probeAll(
            List.of(
                fake("nice-fallback", 0, true, "always"),
                fake("cgroup-v2", 300, false, "lacks controllers cpu, memory"),
                fake("cgroup-v1", 200, true, "cpu and memory mounted")),
            warnings::add);
    var s = Strategies.select(probed, null);
    assertEquals("cgroup-v1", s.chosen().name());
    assertEquals(List.of("cgroup-v2", "cgroup-v1", "nice-fallback"),
        s.considered().stream().map(p -> p.strategy().name()).toList());
    assertTrue(warnings.isEmpty());
  }

  @Test
  void select_forcedName_winsOverPriority() {
    var probed =
        Strategies.probeAll(
            List.of(fake("nice-fallback", 0, true, "always"), fake("cgroup-v1", 200, true, "ok")),
            w -> {});
    assertEquals("nice-fallback", Strategies.select(probed, "nice-fallback").chosen().name());
  }

  @Test
  void forcingNiceFallback_whileACgroupBackendIsUsable_warnsOfNothing() {
    var probed = Strategies.probeAll(List.of(fake("nice-fallback", 0, true, "always"),
        fake("cgroup-v2", 300, false, "lacks controllers cpu"),
        fake("cgroup-v1", 200, true, "ok")), w -> {});
    assertEquals(List.of(), Strategies.select(probed, "nice-fallback").warnings(),
        "a cgroup backend is usable: the fallback was chosen, not fallen back to");
    var none = Strategies.probeAll(List.of(fake("nice-fallback", 0, true, "always"),
        fake("cgroup-v1", 200, false, "permission denied: no")), w -> {});
    assertEquals(2, Strategies.select(none, null).warnings().size(), "a real fall-back warns");
  }

  @Test
  void select_forcedUnusable_saysWhy() {
    var probed =
        Strategies.probeAll(
            List.of(fake("nice-fallback", 0, true, "always"),
                fake("cgroup-v2", 300, false, "lacks controllers cpu, memory")),
            w -> {});
    var e = assertThrows(IllegalStateException.class, () -> Strategies.select(probed, "cgroup-v2"));
    assertEquals(
        "governance backend 'cgroup-v2' is not usable here: lacks controllers cpu, memory",
        e.getMessage());
  }

  @Test
  void select_forcedUnknown_listsAvailableNames() {
    var probed = Strategies.probeAll(List.of(fake("nice-fallback", 0, true, "always")), w -> {});
    var e = assertThrows(IllegalStateException.class, () -> Strategies.select(probed, "cgroup-v3"));
    assertEquals("no governance backend named 'cgroup-v3'; available: nice-fallback", e.getMessage());
  }

  @Test
  void select_noneUsable_reportsEveryReasonInOneMessage() {
    var probed =
        Strategies.probeAll(
            List.of(fake("a", 1, false, "reason a"), fake("b", 2, false, "reason b")), w -> {});
    var e = assertThrows(IllegalStateException.class, () -> Strategies.select(probed, null));
    assertEquals(
        "no usable governance backend: b: unusable (reason b); a: unusable (reason a)",
        e.getMessage());
  }

  @Test
  void probeAll_brokenProviders_areSkippedWithWarning() {
    List<String> warnings = new ArrayList<>();
    Supplier<GovernanceStrategy> throwsOnGet =
        () -> {
          throw new UnsatisfiedLinkError("libjnidispatch.so: cannot open shared object file");
        };
    Supplier<GovernanceStrategy> throwsOnProbe =
        () ->
            new GovernanceStrategy() {
              @Override
              public String name() {
                return "cgroup-v2";
              }

              @Override
              public int priority() {
                return 300;
              }

              @Override
              public Availability probe() {
                throw new NoClassDefFoundError("com/sun/jna/Native");
              }

              @Override
              public Governance prepare(GovernanceRequest request) {
                throw new UnsupportedOperationException();
              }
            };
    var probed =
        Strategies.probeAll(
            List.of(throwsOnGet, throwsOnProbe, fake("nice-fallback", 0, true, "always")),
            warnings::add);
    assertEquals("nice-fallback", Strategies.select(probed, null).chosen().name());
    assertEquals(2, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("could not be instantiated")
        && warnings.get(0).contains("UnsatisfiedLinkError"), warnings.get(0));
    assertTrue(warnings.get(1).contains("cgroup-v2") && warnings.get(1).contains("NoClassDefFoundError"),
        warnings.get(1));
  }

  @Test
  void serviceLoader_findsNiceFallbackFromMetaInfServices() {
    var names =
        ServiceLoader.load(GovernanceStrategy.class).stream()
            .map(p -> p.type().getName())
            .toList();
    assertTrue(names.contains(NiceFallbackStrategy.class.getName()), names.toString());
  }

  @Test
  void registry_alwaysHasUsableFallback() {
    var s = Strategies.select(Strategies.registry(), NiceFallbackStrategy.NAME);
    assertEquals("nice-fallback", s.chosen().name());
  }
}
